"""``modelpact compare`` through the command line: output, files, and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from modelpact.cli.app import app

runner = CliRunner()


def _write(tmp_path: Path, n: int = 600) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    signal = rng.normal(size=n) + 1.5 * y
    paths = {}
    for name, noise, fmt in (("good", 0.1, "parquet"), ("same", 0.12, "csv"), ("bad", 3.0, "csv")):
        p = 1 / (1 + np.exp(-(signal + rng.normal(0, noise, n) - 0.75)))
        frame = pd.DataFrame({"id": [f"r{i}" for i in range(n)], "y": y, "p": p})
        frame = frame.sample(frac=1.0, random_state=len(name))  # order must not matter
        path = tmp_path / f"{name}.{fmt}"
        if fmt == "parquet":
            frame.to_parquet(path)
        else:
            frame.to_csv(path, index=False)
        paths[name] = path
    return paths


def test_compare_prints_leaderboard_and_writes_reports(tmp_path: Path) -> None:
    paths = _write(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "compare",
            str(paths["good"]),
            str(paths["same"]),
            f"worse={paths['bad']}",
            "--target",
            "y",
            "--score",
            "p",
            "--id",
            "id",
            "--metric",
            "roc_auc",
            "--metric",
            "brier",
            "--json",
            str(out / "c.json"),
            "--html",
            str(out / "c.html"),
            "--markdown",
            str(out / "c.md"),
            "--resamples",
            "300",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "leaderboard" in result.stdout and "worse" in result.stdout
    doc = json.loads((out / "c.json").read_text())
    assert doc["schema"] == "modelpact.compare/v1"
    assert doc["n_rows"] == 600
    frame = pd.read_csv(paths["bad"])
    auc = next(m for m in doc["metrics"] if m["metric"] == "roc_auc")
    worse = next(e for e in auc["estimates"] if e["model"] == "worse")
    assert worse["estimate"] == pytest.approx(roc_auc_score(frame["y"], frame["p"]))
    assert set(auc["indistinguishable_from_best"]) == {"good", "same"}
    assert "<html" in (out / "c.html").read_text().lower()
    assert "| `worse` |" in (out / "c.md").read_text()


def test_mismatched_ids_exit_2_with_counts_and_write_nothing(tmp_path: Path) -> None:
    paths = _write(tmp_path)
    short = pd.read_csv(paths["bad"]).iloc[:-40]
    short.to_csv(paths["bad"], index=False)
    json_path = tmp_path / "c.json"
    args = [
        "compare",
        str(paths["good"]),
        str(paths["bad"]),
        "--target",
        "y",
        "--score",
        "p",
        "--id",
        "id",
        "--json",
        str(json_path),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "error: ids in column 'id' do not match: 560 id(s) are in every file" in result.stderr
    assert "40 of 600 id(s) not in every other file" in result.stderr
    assert "Traceback" not in result.output
    assert not json_path.exists()
    partial = runner.invoke(app, [*args, "--allow-partial", "--metric", "roc_auc"])
    assert partial.exit_code == 0, partial.output
    doc = json.loads(json_path.read_text())
    assert doc["n_rows"] == 560 and doc["rows_dropped"]["good"] == 40
    assert "partial join" in partial.stdout


def test_missing_columns_and_bad_options_exit_2(tmp_path: Path) -> None:
    paths = _write(tmp_path)
    base = ["compare", str(paths["good"]), str(paths["same"])]
    missing = runner.invoke(app, [*base, "--target", "y", "--score", "pp", "--id", "id"])
    assert missing.exit_code == 2
    assert "no column 'pp'; did you mean 'p'?" in missing.stderr
    no_id = runner.invoke(app, [*base, "--target", "y", "--score", "p", "--id", "row"])
    assert no_id.exit_code == 2 and "no column 'row' (the id)" in no_id.stderr
    no_target = runner.invoke(app, [*base, "--score", "p", "--id", "id"])
    assert no_target.exit_code == 2 and "target" in no_target.stderr
    clash = runner.invoke(
        app, ["compare", str(paths["good"]), str(paths["good"]), "--target", "y", "--score", "p"]
    )
    assert clash.exit_code == 2 and "both named 'good'" in clash.stderr
    absent = runner.invoke(
        app,
        [
            "compare",
            str(paths["good"]),
            str(tmp_path / "nope.csv"),
            "--target",
            "y",
            "--score",
            "p",
            "--id",
            "id",
        ],
    )
    assert absent.exit_code == 2 and "nope.csv: no such file" in absent.stderr


def test_compare_ledger_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from modelpact.ledger import open_store

    monkeypatch.chdir(tmp_path)  # the artifact directory lives next to the working directory

    paths = _write(tmp_path)
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ids = []
    with open_store(url, root=tmp_path / ".modelpact") as store:
        for name in ("good", "bad"):
            run = store.create_run("demo", name=name)
            frame = pd.read_parquet(paths[name]) if name == "good" else pd.read_csv(paths[name])
            store.log_predictions(run.id, frame)
            store.finish_run(run.id)
            ids.append(run.id)
    result = runner.invoke(
        app,
        [
            "compare",
            f"run:{ids[0]}",
            f"run:{ids[1]}",
            "--target",
            "y",
            "--score",
            "p",
            "--id",
            "id",
            "--metric",
            "roc_auc",
            "--store",
            url,
            "--json",
            str(tmp_path / "r.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "r.json").read_text())
    board = doc["metrics"][0]
    assert board["best"] == f"run:{ids[0]}"
    missing = runner.invoke(
        app,
        [
            "compare",
            "run:doesnotexist",
            f"run:{ids[1]}",
            "--target",
            "y",
            "--score",
            "p",
            "--store",
            url,
        ],
    )
    assert missing.exit_code == 2 and "doesnotexist" in missing.stderr
