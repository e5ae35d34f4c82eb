"""``modelpact audit`` and ``modelpact labels import`` through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from modelpact.cli.app import app

runner = CliRunner()


def _frame(n: int = 700, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(2, n))
    y = (rng.random(n) < 1 / (1 + np.exp(-(2 * x1 + x2)))).astype(int)
    return pd.DataFrame(
        {"id": np.arange(n), "x1": x1, "x2": x2, "cat": rng.choice(["a", "b"], n), "y": y}
    )


@pytest.fixture
def clean_csv(tmp_path: Path) -> Path:
    path = tmp_path / "clean.csv"
    _frame().to_csv(path, index=False)
    return path


def test_go_exits_0_and_writes_reports(clean_csv: Path, tmp_path: Path) -> None:
    out_json, out_html = tmp_path / "a.json", tmp_path / "a.html"
    result = runner.invoke(
        app,
        [
            "audit",
            str(clean_csv),
            "--target",
            "y",
            "--id",
            "id",
            "--json",
            str(out_json),
            "--html",
            str(out_html),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out_json.read_text())
    assert doc["schema"] == "modelpact.audit/v1"
    assert doc["verdict"] in ("go", "go_with_fixes")
    assert "GO" in result.stdout
    page = out_html.read_text()
    assert "learning curve" in page and "plotly" in page.lower()
    assert page.count('id="learnability"') == 1


def test_go_with_fixes_exits_0_with_a_warning_line(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    data = _frame().drop(columns="id")
    pd.concat([data, data.iloc[:30]]).to_csv(path, index=False)
    result = runner.invoke(app, ["audit", str(path), "--target", "y"])
    assert result.exit_code == 0, result.output
    assert "GO WITH FIXES" in result.stdout
    assert "exits 0" in result.stderr


def test_no_go_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "leak.csv"
    data = _frame()
    data["copied_outcome"] = data["y"] * 10 + np.random.default_rng(1).normal(size=len(data))
    data.to_csv(path, index=False)
    result = runner.invoke(app, ["audit", str(path), "--target", "y", "--quiet"])
    assert result.exit_code == 1, result.output
    assert "NO GO" in result.stdout and "copied_outcome" in result.stdout


def test_relabel_export_then_import(tmp_path: Path) -> None:
    data = _frame()
    data.loc[data["x1"] > 1.8, "y"] = 0  # confident mistakes
    path = tmp_path / "noisy.csv"
    data.to_csv(path, index=False)
    tasks_path = tmp_path / "tasks.json"
    result = runner.invoke(
        app,
        ["audit", str(path), "--target", "y", "--id", "id", "--relabel-export", str(tasks_path)],
    )
    assert result.exit_code in (0, 1), result.output
    assert "relabel export:" in result.stderr
    tasks = json.loads(tasks_path.read_text())
    assert tasks
    # an annotator accepts every suggestion: that is a Label Studio export
    for t in tasks:
        t["annotations"] = [{"was_cancelled": False, "result": t.pop("predictions")[0]["result"]}]
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks))
    out = tmp_path / "fixed.csv"
    result = runner.invoke(
        app,
        [
            "labels",
            "import",
            str(export),
            "--data",
            str(path),
            "--target",
            "y",
            "--id",
            "id",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"{len(tasks)} label(s) changed" in result.stdout
    fixed = pd.read_csv(out)
    changed = json.loads((tmp_path / "fixed.csv.changes.json").read_text())["changed"]
    assert len(changed) == len(tasks)
    for c in changed:
        assert fixed.loc[fixed["id"] == c["id"], "y"].item() == c["to"] != c["from"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "yy"], "no column 'yy' (the target); did you mean 'y'?"),
        (["--target", "y", "--time-column", "cat"], "time column 'cat' is not a time"),
        (
            ["--target", "cat", "--split-column", "y", "--test", "x.csv"],
            "either --test or --split-column",
        ),
        (["--target", "y", "--relabel-export", "out.txt"], "use .json"),
        ([], "name the target column"),
    ],
)
def test_bad_input_exits_2(clean_csv: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["audit", str(clean_csv), *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_pact_threshold_out_of_reach_warns_without_blocking(clean_csv: Path, tmp_path: Path) -> None:
    pact = tmp_path / "pact.yaml"
    pact.write_text(
        "pact: 1\nname: churn\ntask: binary\npositive_class: 1\ncolumns: {target: y, id: id}\n"
        "criteria:\n  - {metric: roc_auc, at_least: 0.995}\n  - {metric: roc_auc, vs_baseline: improve, by: 0.1}\n"
    )
    out_json = tmp_path / "a.json"
    result = runner.invoke(
        app, ["audit", str(clean_csv), "--pact", str(pact), "--json", str(out_json)]
    )
    # a learning-curve projection is an extrapolation: it warns, it never makes a NO-GO
    assert result.exit_code == 0, result.output
    doc = json.loads(out_json.read_text())
    assert doc["pact"] == "churn" and doc["id_column"] == "id"
    statuses = {c["criterion"]: c["status"] for c in doc["learnability"]["criteria"]}
    assert statuses["roc_auc >= 0.995"] == "unreachable"
    assert statuses["roc_auc improves on baseline by 0.1"] == "met"
    assert doc["verdict"] == "go_with_fixes"
    assert not [f for f in doc["findings"] if f["severity"] == "critical"]
    warned = [f["message"] for f in doc["findings"] if f["severity"] == "warning"]
    assert any("not reachable with these features" in m for m in warned)
    assert "GO WITH FIXES" in result.stdout


def test_one_class_target_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    _frame().assign(y=1).to_csv(path, index=False)
    result = runner.invoke(app, ["audit", str(path), "--target", "y"])
    assert result.exit_code == 2
    assert "has one class only" in result.stderr


def test_unparseable_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"\x00\x01 not parquet")
    result = runner.invoke(app, ["audit", str(path), "--target", "y"])
    assert result.exit_code == 2
    assert "broken.parquet" in result.stderr


def test_json_is_byte_identical_across_runs(clean_csv: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for out in (a, b):
        assert runner.invoke(
            app,
            [
                "audit",
                str(clean_csv),
                "--target",
                "y",
                "--seed",
                "5",
                "--sample-rows",
                "500",
                "--json",
                str(out),
            ],
        ).exit_code in (0, 1)
    assert a.read_bytes() == b.read_bytes()


def test_html_has_a_section_per_check_and_the_pact_threshold(
    clean_csv: Path, tmp_path: Path
) -> None:
    from modelpact.audit import check_names

    pact = tmp_path / "pact.yaml"
    pact.write_text(
        "pact: 1\nname: p\ntask: binary\npositive_class: 1\ncolumns: {target: y}\n"
        "criteria:\n  - {metric: roc_auc, at_least: 0.7}\n"
    )
    out_html = tmp_path / "a.html"
    result = runner.invoke(
        app,
        [
            "audit",
            str(clean_csv),
            "--pact",
            str(pact),
            "--time-column",
            "x2",
            "--html",
            str(out_html),
        ],
    )
    assert result.exit_code in (0, 1), result.output
    page = out_html.read_text()
    # a section per check that found something; the rest are listed as clean
    for name in check_names():
        assert f'id="{name}"' in page or f"({name})" in page.split('id="clean"')[-1], name
    assert 'id="what-to-fix"' in page
    assert "roc_auc &gt;= 0.7" in page or "roc_auc >= 0.7" in page
    assert "effect size of each time window" in page


def test_labels_import_bad_input_exits_2(clean_csv: Path, tmp_path: Path) -> None:
    missing = runner.invoke(
        app,
        [
            "labels",
            "import",
            str(tmp_path / "nope.json"),
            "--data",
            str(clean_csv),
            "--target",
            "y",
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    broken = runner.invoke(
        app,
        [
            "labels",
            "import",
            str(bad),
            "--data",
            str(clean_csv),
            "--target",
            "y",
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert broken.exit_code == 2 and "not valid JSON" in broken.stderr
    assert not (tmp_path / "o.csv").exists()


def test_skip_leaves_checks_out_and_rejects_unknown_names(clean_csv: Path, tmp_path: Path) -> None:
    out_json = tmp_path / "a.json"
    ok = runner.invoke(
        app,
        [
            "audit",
            str(clean_csv),
            "--target",
            "y",
            "--skip",
            "label_errors",
            "--skip",
            "learnability",
            "--json",
            str(out_json),
        ],
    )
    assert ok.exit_code == 0, ok.output
    checks = json.loads(out_json.read_text())["checks"]
    assert "label_errors" not in checks and "learnability" not in checks and "duplicates" in checks
    bad = runner.invoke(app, ["audit", str(clean_csv), "--target", "y", "--skip", "label_error"])
    assert bad.exit_code == 2 and "did you mean 'label_errors'" in bad.stderr


def test_register_records_the_audit_for_status(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import numpy as np
    import pandas as pd
    from typer.testing import CliRunner

    from modelpact.cli.app import app
    from modelpact.ledger import open_store

    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    x = rng.normal(size=600)
    pd.DataFrame({"x": x, "y": (x + rng.normal(size=600) > 0).astype(int)}).to_csv(
        "train.csv", index=False
    )
    runner = CliRunner()
    result = runner.invoke(app, ["audit", "train.csv", "--target", "y", "--register", "-q"])
    assert result.exit_code == 2 and "--register needs --project" in result.stderr
    result = runner.invoke(
        app, ["audit", "train.csv", "--target", "y", "--register", "--project", "toy", "-q"]
    )
    assert result.exit_code in (0, 1), result.stderr
    assert "registered the" in result.stderr
    with open_store(root=tmp_path / ".modelpact", create=False) as store:
        recorded = store.latest_audit("toy")
    assert recorded is not None
    status = runner.invoke(app, ["status"])
    assert status.exit_code == 0 and "toy" in status.stdout


def test_markdown_summary_for_a_pull_request(clean_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.md"
    result = runner.invoke(app, ["audit", str(clean_csv), "--target", "y", "--markdown", str(out)])
    assert result.exit_code in (0, 1), result.output
    text = out.read_text()
    assert text.startswith("### ") and "modelpact audit" in text
    assert "| metric | quick model | baseline | difference |" in text
    assert f"Markdown: {out}" in result.stderr
