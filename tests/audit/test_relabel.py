"""The labelling loop: Label Studio / CSV export of suspects, and importing corrections back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from modelpact.audit import audit, export_relabel, import_labels
from modelpact.errors import InvalidDataError


@pytest.fixture
def noisy(frame: pd.DataFrame) -> pd.DataFrame:
    data = frame.assign(rid=[f"r{i}" for i in range(len(frame))], y=np.where(frame["y"] == 1, "yes", "no"))
    # rows the model is sure about, given the wrong label
    strong = data.index[(data["x1"] > 1.5) & (data["y"] == "yes")][:15]
    data.loc[strong, "y"] = "no"
    return data


def test_label_studio_export_shape(noisy: pd.DataFrame, tmp_path: Path) -> None:
    result = audit(noisy, target="y", id_column="rid", checks=["label_errors"])
    path = tmp_path / "tasks.json"
    n = export_relabel(result, noisy, path, limit=10)
    tasks = json.loads(path.read_text())
    assert n == len(tasks) == 10
    first = tasks[0]
    assert first["data"]["row_id"].startswith("r")
    assert first["data"]["y"] == first["data"]["given_label"]
    (prediction,) = first["predictions"]
    assert prediction["model_version"] == "modelpact-audit"
    (choice,) = prediction["result"]
    assert choice["from_name"] == "label" and choice["to_name"] == "text" and choice["type"] == "choices"
    assert choice["value"]["choices"][0] in ("yes", "no")
    assert choice["value"]["choices"][0] != first["data"]["given_label"]
    assert 0 <= prediction["score"] <= 1


def test_csv_export(noisy: pd.DataFrame, tmp_path: Path) -> None:
    result = audit(noisy, target="y", checks=["label_errors"])
    path = tmp_path / "suspects.csv"
    export_relabel(result, noisy, path)
    table = pd.read_csv(path)
    assert list(table.columns[:5]) == ["row_id", "given_label", "suggested_label", "label_quality",
                                       "suggested_confidence"]
    assert table["label_quality"].is_monotonic_increasing or len(table) < 2
    assert (table["given_label"] == noisy.loc[table["row_id"], "y"].to_numpy()).all()


def test_import_label_studio_export(noisy: pd.DataFrame, tmp_path: Path) -> None:
    data_path = tmp_path / "data.csv"
    noisy.to_csv(data_path, index=False)
    export = [
        {"id": 1, "data": {"rid": "r3", "row_id": "r3"},
         "annotations": [{"was_cancelled": False, "result": [
             {"from_name": "label", "to_name": "text", "type": "choices",
              "value": {"choices": ["yes" if noisy.loc[3, "y"] == "no" else "no"]}}]}]},
        {"id": 2, "data": {"rid": "r4", "row_id": "r4"},
         "annotations": [{"was_cancelled": False, "result": [
             {"value": {"choices": [noisy.loc[4, "y"]]}}]}]},
        {"id": 3, "data": {"rid": "r5", "row_id": "r5"}, "annotations": []},
        {"id": 4, "data": {"rid": "zz", "row_id": "zz"},
         "annotations": [{"result": [{"value": {"choices": ["yes"]}}]}]},
    ]
    ann = tmp_path / "export.json"
    ann.write_text(json.dumps(export))
    out = tmp_path / "fixed.csv"
    changes = import_labels(ann, data=data_path, target="y", id_column="rid", out=out)
    assert [c["id"] for c in changes.changed] == ["r3"]
    assert changes.unchanged == 1 and changes.skipped == 1 and changes.not_found == ("zz",)
    fixed = pd.read_csv(out)
    assert fixed.loc[3, "y"] != noisy.loc[3, "y"]
    assert (fixed.drop(index=3)["y"] == noisy.drop(index=3)["y"]).all()
    sidecar = json.loads((tmp_path / "fixed.csv.changes.json").read_text())
    assert sidecar["schema"] == "modelpact.label_changes/v1"
    assert sidecar["changed"] == [{"id": "r3", "from": noisy.loc[3, "y"], "to": fixed.loc[3, "y"]}]


def test_import_csv_by_position_keeps_numeric_labels(frame: pd.DataFrame, tmp_path: Path) -> None:
    data_path = tmp_path / "data.csv"
    frame.to_csv(data_path, index=False)
    ann = tmp_path / "fixes.csv"
    pd.DataFrame({"row_id": [0, 1], "label": [1 - frame.loc[0, "y"], frame.loc[1, "y"]]}).to_csv(ann, index=False)
    out = tmp_path / "fixed.parquet"
    changes = import_labels(ann, data=data_path, target="y", out=out)
    fixed = pd.read_parquet(out)
    assert fixed["y"].dtype == frame["y"].dtype
    assert fixed.loc[0, "y"] == 1 - frame.loc[0, "y"]
    assert len(changes.changed) == 1


def test_import_rejects_bad_label_and_writes_nothing(frame: pd.DataFrame, tmp_path: Path) -> None:
    data_path = tmp_path / "data.csv"
    frame.to_csv(data_path, index=False)
    ann = tmp_path / "fixes.csv"
    pd.DataFrame({"row_id": [0], "label": ["maybe"]}).to_csv(ann, index=False)
    out = tmp_path / "fixed.csv"
    with pytest.raises(InvalidDataError, match="label 'maybe' is not a number"):
        import_labels(ann, data=data_path, target="y", out=out)
    assert not out.exists()
