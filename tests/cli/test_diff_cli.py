"""``modelpact diff`` through the command line: model files, prediction files, ledger versions."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeClassifier
from typer.testing import CliRunner

from modelpact.cli.app import app

runner = CliRunner()


def _data(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "group": rng.choice([0, 1], n),
            "x": rng.normal(size=n),
        }
    )
    frame["y"] = ((frame["x"] + 1.5 * frame["group"] + rng.normal(0, 0.5, n)) > 0.7).astype(int)
    return frame


def _models(tmp_path: Path) -> tuple[Path, Path, Path, Path, Path]:
    """v1 learns from every row; v2 never saw group 1: its behaviour changes there."""
    train = _data(seed=1)
    train_b = train[train["group"] == 0]
    features = ["group", "x"]
    v1 = DecisionTreeClassifier(max_depth=4, random_state=0).fit(train[features], train["y"])
    v2 = DecisionTreeClassifier(max_depth=4, random_state=0).fit(train_b[features], train_b["y"])
    paths = tmp_path / "v1.joblib", tmp_path / "v2.joblib"
    joblib.dump(v1, paths[0])
    joblib.dump(v2, paths[1])
    data = tmp_path / "eval.csv"
    _data(seed=2).to_csv(data, index=False)
    train.to_csv(tmp_path / "train1.csv", index=False)
    train_b.to_csv(tmp_path / "train2.csv", index=False)
    return paths[0], paths[1], data, tmp_path / "train1.csv", tmp_path / "train2.csv"


def test_diff_of_model_files_with_training_data(tmp_path: Path) -> None:
    v1, v2, data, t1, t2 = _models(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "diff",
            str(v1),
            str(v2),
            "--data",
            str(data),
            "--target",
            "y",
            "--slices",
            "group",
            "--train-a",
            str(t1),
            "--train-b",
            str(t2),
            "--json",
            str(out / "d.json"),
            "--html",
            str(out / "d.html"),
            "--markdown",
            str(out / "d.md"),
            "--resamples",
            "300",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "predictions changed" in result.stdout
    doc = json.loads((out / "d.json").read_text())
    assert doc["schema"] == "modelpact.diff/v1"
    assert doc["a"]["name"] == "v1" and doc["b"]["name"] == "v2"
    assert doc["rules"][0]["conditions"][0].startswith("group")
    train = pd.read_csv(t1)
    removed = doc["training_data_diff"]
    assert removed["rows_removed"] == int((train["group"] == 1).sum())
    assert removed["removed_rules"][0]["conditions"] == ["group ≥ 1"]
    assert "Training data diff" in (out / "d.html").read_text()
    assert "Where predictions changed" in (out / "d.md").read_text()


def test_diff_of_prediction_files_paired_by_id(tmp_path: Path) -> None:
    data = _data()
    data.to_csv(tmp_path / "eval.csv", index=False)
    a = data[["id"]].assign(p=np.where(data["group"] == 1, 0.8, 0.2))
    b = data[["id"]].assign(p=np.where(data["group"] == 1, 0.3, 0.2))
    a.sample(frac=1.0, random_state=0).to_parquet(tmp_path / "a.parquet")
    b.to_csv(tmp_path / "b.csv", index=False)
    result = runner.invoke(
        app,
        [
            "diff",
            str(tmp_path / "a.parquet"),
            str(tmp_path / "b.csv"),
            "--data",
            str(tmp_path / "eval.csv"),
            "--id",
            "id",
            "--score",
            "p",
            "--json",
            str(tmp_path / "d.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "d.json").read_text())
    assert doc["disagreement"]["count"] == int((data["group"] == 1).sum())
    assert doc["rules"][0]["conditions"] == ["group ≥ 1"]
    assert doc["rules"][0]["flip_rate"] == 1.0


def test_diff_bad_input_exit_2(tmp_path: Path) -> None:
    v1, v2, data, t1, _ = _models(tmp_path)
    missing = runner.invoke(app, ["diff", str(v1), str(v2), "--data", str(data), "--target", "z"])
    assert missing.exit_code == 2 and "no column 'z' (the target)" in missing.stderr
    (tmp_path / "broken.joblib").write_bytes(b"not a model")
    broken = runner.invoke(
        app, ["diff", str(v1), str(tmp_path / "broken.joblib"), "--data", str(data)]
    )
    assert broken.exit_code == 2 and "cannot be loaded as a model" in broken.stderr
    only_one = runner.invoke(
        app, ["diff", str(v1), str(v2), "--data", str(data), "--target", "y", "--train-a", str(t1)]
    )
    assert (
        only_one.exit_code == 2
        and "needs both training sets: pass --train-a and --train-b" in only_one.stderr
    )
    pd.DataFrame({"id": [1, 2], "p": [0.1, 0.2]}).to_csv(tmp_path / "short.csv", index=False)
    unpaired = runner.invoke(
        app,
        [
            "diff",
            str(tmp_path / "short.csv"),
            str(tmp_path / "short.csv"),
            "--data",
            str(data),
            "--score",
            "p",
        ],
    )
    assert unpaired.exit_code == 2 and "same number of rows" in unpaired.stderr
    assert "Traceback" not in unpaired.output


def test_diff_ledger_model_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both versions registered in the ledger with their training data: the data diff comes
    from the ledger without --train-a/--train-b."""
    from modelpact.ledger import open_store

    monkeypatch.chdir(tmp_path)
    v1, v2, data, t1, t2 = _models(tmp_path)
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    refs = []
    with open_store(url, root=tmp_path / ".modelpact") as store:
        for model_path, train_path in ((v1, t1), (v2, t2)):
            run = store.create_run("demo")
            snapshot = store.log_dataset(
                pd.read_csv(train_path), name=train_path.name, role="train"
            )
            store.link_dataset(run.id, snapshot.id, "train")
            store.finish_run(run.id)
            version = store.register_model(
                project="demo", run_id=run.id, model=joblib.load(model_path)
            )
            refs.append(version.ref)
    result = runner.invoke(
        app,
        [
            "diff",
            f"model:{refs[0]}",
            f"model:{refs[1]}",
            "--data",
            str(data),
            "--target",
            "y",
            "--store",
            url,
            "--json",
            str(tmp_path / "d.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "d.json").read_text())
    assert doc["training_data_diff"] is not None
    train = pd.read_csv(t1)
    assert doc["training_data_diff"]["rows_removed"] == int((train["group"] == 1).sum())
    unknown = runner.invoke(
        app, ["diff", "model:demo:99", f"model:{refs[1]}", "--data", str(data), "--store", url]
    )
    assert unknown.exit_code == 2 and "demo:99" in unknown.stderr


def test_diff_takes_columns_and_slices_from_the_pact(tmp_path: Path) -> None:
    v1, v2, data, _, _ = _models(tmp_path)
    pact = tmp_path / "pact.yaml"
    pact.write_text(
        "name: demo\ntask: binary\npositive_class: 1\n"
        "columns: {target: y, id: id, slices: [group]}\n"
        "criteria:\n  - {metric: accuracy, at_least: 0.5}\n"
    )
    result = runner.invoke(
        app,
        [
            "diff",
            str(v1),
            str(v2),
            "--data",
            str(data),
            "--pact",
            str(pact),
            "--json",
            str(tmp_path / "d.json"),
            "--resamples",
            "300",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "d.json").read_text())
    assert doc["target"] == "y"
    assert {s["column"] for s in doc["slices"]} == {None, "group"}


def test_diff_of_skops_files_needs_trusted_types(tmp_path: Path) -> None:
    import skops.io as sio

    v1, v2, data, _, _ = _models(tmp_path)
    for path in (v1, v2):
        sio.dump(joblib.load(path), path.with_suffix(".skops"))
    args = [
        "diff",
        str(v1.with_suffix(".skops")),
        str(v2.with_suffix(".skops")),
        "--data",
        str(data),
        "--target",
        "y",
        "--json",
        str(tmp_path / "d.json"),
    ]
    untrusted = runner.invoke(app, args)
    assert untrusted.exit_code == 2
    assert "sklearn.tree._tree.Tree" in untrusted.stderr and "--trust" in untrusted.stderr
    assert not (tmp_path / "d.json").exists()
    trusted = runner.invoke(app, [*args, "--trust", "sklearn.tree._tree.Tree"])
    assert trusted.exit_code == 0, trusted.output
    from_joblib = runner.invoke(
        app,
        [
            "diff",
            str(v1),
            str(v2),
            "--data",
            str(data),
            "--target",
            "y",
            "--json",
            str(tmp_path / "j.json"),
        ],
    )
    assert from_joblib.exit_code == 0
    skops_doc = json.loads((tmp_path / "d.json").read_text())
    joblib_doc = json.loads((tmp_path / "j.json").read_text())
    assert skops_doc["disagreement"] == joblib_doc["disagreement"]


def test_threshold_reaches_fitted_models(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    train, evaluation = _data(seed=1), _data(seed=2)
    a = LogisticRegression().fit(train[["x"]], train["y"])
    b = LogisticRegression().fit(train[["group", "x"]], train["y"])
    joblib.dump(a, tmp_path / "a.joblib")
    joblib.dump(b, tmp_path / "b.joblib")
    evaluation.to_csv(tmp_path / "eval.csv", index=False)
    score_a = a.predict_proba(evaluation[["x"]])[:, 1]
    score_b = b.predict_proba(evaluation[["group", "x"]])[:, 1]
    counts = {}
    for threshold in (0.1, 0.5, 0.9):
        out = tmp_path / f"diff-{threshold}.json"
        args = ["diff", str(tmp_path / "a.joblib"), str(tmp_path / "b.joblib")]
        args += ["--data", str(tmp_path / "eval.csv"), "--target", "y", "--id", "id"]
        args += ["--threshold", str(threshold), "--json", str(out), "--resamples", "300"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        counts[threshold] = json.loads(out.read_text())["disagreement"]["count"]
        expected = int(((score_a >= threshold) != (score_b >= threshold)).sum())
        assert counts[threshold] == expected
    assert len(set(counts.values())) == 3  # the threshold changes the answer
