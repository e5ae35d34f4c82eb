"""The labelling loop: export suspect labels for review, import the corrections back.

:func:`export_relabel` writes the rows ``label_errors`` ranked as most likely mislabelled,
either as Label Studio import tasks (JSON, each with a prediction carrying the suggested label)
or as a CSV. :func:`import_labels` reads a Label Studio JSON export or a CSV of ``(id, label)``
and writes the corrected dataset plus a ``<out>.changes.json`` record of what changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from modelpact._files import atomic_write
from modelpact.audit.context import _test_side
from modelpact.audit.result import AuditResult, jsonable
from modelpact.data import DataSource, load_frame, read_table, require_columns
from modelpact.errors import InvalidDataError, plain_repr

__all__ = ["LabelChanges", "export_relabel", "import_labels"]

CHANGES_SCHEMA = "modelpact.label_changes/v1"


def _training_rows(result: AuditResult, data: DataSource) -> pd.DataFrame:
    frame, source = load_frame(data)
    frame = frame.reset_index(drop=True)
    if result.split_column is not None:
        is_test = _test_side(frame[result.split_column], result.split_column, source)
        frame = frame.loc[~is_test].reset_index(drop=True)
    return frame


def export_relabel(result: AuditResult, data: DataSource, path: str | Path, *,
                   limit: int | None = None) -> int:
    """Write the suspect rows of *result* for review; return how many were written.

    Parameters
    ----------
    result
        An audit result whose ``label_errors`` check ran.
    data
        The same data the audit read (rows are found by their position or id).
    path
        ``.json``: Label Studio import tasks; ``.csv``: one row per suspect with
        ``row_id, given_label, suggested_label, label_quality, suggested_confidence`` and the
        row's columns.
    limit
        Write at most this many rows (most suspect first).
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise InvalidDataError(f"{target}: relabel export must be .json (Label Studio) or .csv")
    outcome = result.checks.get("label_errors")
    if outcome is None or outcome.skipped:
        reason = outcome.skipped if outcome is not None else "the check did not run"
        raise InvalidDataError(f"no label-error ranking to export: {reason}")
    issues = list(outcome.summary.get("issues", []))[: limit or None]
    frame = _training_rows(result, data)
    rows = frame.iloc[[int(i["position"]) for i in issues]] if issues else frame.iloc[:0]
    if suffix == ".csv":
        table = pd.DataFrame({
            "row_id": [i["row"] for i in issues],
            "given_label": [i["given"] for i in issues],
            "suggested_label": [i["suggested"] for i in issues],
            "label_quality": [round(float(i["quality"]), 6) for i in issues],
            "suggested_confidence": [round(float(i["confidence"]), 6) for i in issues],
        })
        table = pd.concat([table, rows.reset_index(drop=True).drop(columns=["row_id"], errors="ignore")],
                          axis=1)
        atomic_write(target, lambda p: table.to_csv(p, index=False))
        return len(issues)
    tasks: list[dict[str, Any]] = []
    for issue, (_, row) in zip(issues, rows.iterrows(), strict=True):
        values = {str(k): jsonable(v) for k, v in row.items()}
        text = "; ".join(f"{k}={v}" for k, v in values.items() if k != result.target)
        fields: dict[str, Any] = dict(values)
        tasks.append({
            "data": {**fields, "row_id": jsonable(issue["row"]), "text": text,
                     "given_label": jsonable(issue["given"]),
                     "label_quality": round(float(issue["quality"]), 6)},
            "predictions": [{
                "model_version": "modelpact-audit",
                "score": round(float(issue["confidence"]), 6),
                "result": [{"from_name": "label", "to_name": "text", "type": "choices",
                            "value": {"choices": [str(issue["suggested"])]}}],
            }],
        })
    atomic_write(target, lambda p: p.write_text(json.dumps(tasks, indent=2, sort_keys=True) + "\n",
                                                 encoding="utf-8"))
    return len(tasks)


@dataclass(frozen=True)
class LabelChanges:
    """What :func:`import_labels` did: changed labels, unchanged ones, ids it could not find."""

    out: str
    changed: tuple[dict[str, Any], ...]
    unchanged: int
    not_found: tuple[Any, ...] = ()
    skipped: int = 0
    sources: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``<out>.changes.json`` document."""
        return {
            "schema": CHANGES_SCHEMA, **dict(self.sources), "out": self.out,
            "n_changed": len(self.changed), "n_unchanged": self.unchanged,
            "n_skipped": self.skipped, "changed": jsonable(list(self.changed)),
            "not_found": jsonable(list(self.not_found)),
        }


def _read_annotations(path: Path, id_column: str | None, target: str) -> tuple[list[tuple[Any, Any]], int]:
    """(id, label) pairs from a Label Studio JSON export or a CSV; and how many were skipped."""
    if not path.exists():
        raise InvalidDataError(f"{path}: no such file")
    pairs: list[tuple[Any, Any]] = []
    skipped = 0
    if path.suffix.lower() == ".json":
        try:
            tasks = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidDataError(f"{path}: not valid JSON: {exc}") from None
        if not isinstance(tasks, list):
            raise InvalidDataError(f"{path}: expected a Label Studio export (a JSON list of tasks)")
        for n, task in enumerate(tasks):
            data = task.get("data", {}) if isinstance(task, dict) else {}
            key = id_column if id_column and id_column in data else "row_id"
            if key not in data:
                raise InvalidDataError(
                    f"{path}: task {n} has no '{id_column or 'row_id'}' in its data; export the "
                    "tasks that 'modelpact audit --relabel-export' wrote")
            label = None
            for ann in task.get("annotations", []) or []:
                if ann.get("was_cancelled"):
                    continue
                for res in ann.get("result", []) or []:
                    choices = (res.get("value") or {}).get("choices")
                    if choices:
                        label = choices[0]  # the latest annotation wins
            if label is None:
                skipped += 1
            else:
                pairs.append((data[key], label))
        return pairs, skipped
    table = read_table(path)
    id_col = next((c for c in (id_column, "row_id", "id") if c and c in table.columns), None)
    label_col = next((c for c in ("label", "corrected_label", target) if c in table.columns), None)
    if id_col is None or label_col is None:
        raise InvalidDataError(
            f"{path}: a corrections CSV needs an id column ('{id_column or 'row_id'}') and a "
            f"'label' column; found {', '.join(map(str, table.columns))}")
    for rid, label in zip(table[id_col], table[label_col], strict=True):
        if pd.isna(label):
            skipped += 1
        else:
            pairs.append((rid, label))
    return pairs, skipped


def _cast(label: Any, column: pd.Series, where: str) -> Any:
    for value in pd.unique(column.dropna()):
        if str(value) == str(label):
            return value
    if pd.api.types.is_numeric_dtype(column):
        number = pd.to_numeric(pd.Series([label]), errors="coerce").iloc[0]
        if pd.isna(number):
            raise InvalidDataError(f"{where}: label {plain_repr(label)} is not a number, but the target is numeric")
        return number.item() if hasattr(number, "item") else number
    return label


def import_labels(annotations: str | Path, *, data: DataSource, target: str, out: str | Path,
                  id_column: str | None = None) -> LabelChanges:
    """Apply corrected labels to *data* and write the corrected table to *out*.

    Rows are matched by *id_column* (or, without one, by the 0-based ``row_id`` that the
    relabel export wrote). Writes *out* (CSV or Parquet, by suffix) and
    ``<out>.changes.json`` atomically; returns the :class:`LabelChanges`.
    """
    ann_path = Path(annotations)
    out_path = Path(out)
    if out_path.suffix.lower() not in (".csv", ".parquet", ".pq"):
        raise InvalidDataError(f"{out_path}: write the corrected data as .csv or .parquet")
    frame, source = load_frame(data)
    frame = frame.reset_index(drop=True).copy()
    require_columns(frame, [target], source=source, role="target")
    if id_column is not None:
        require_columns(frame, [id_column], source=source, role="id column")
        if frame[id_column].duplicated().any():
            raise InvalidDataError(f"{source}: id column '{id_column}' has repeated values")
        keys = {str(v): i for i, v in enumerate(frame[id_column])}
    else:
        keys = {str(i): i for i in range(len(frame))}
    pairs, skipped = _read_annotations(ann_path, id_column, target)
    changed: list[dict[str, Any]] = []
    unchanged = 0
    missing: list[Any] = []
    column = frame[target]
    new_values = column.copy()
    if not pd.api.types.is_object_dtype(new_values):
        new_values = new_values.astype(object)
    for rid, label in pairs:
        pos = keys.get(str(rid))
        if pos is None and isinstance(rid, float) and rid.is_integer():
            pos = keys.get(str(int(rid)))
        if pos is None:
            missing.append(rid)
            continue
        value = _cast(label, column, f"{ann_path}, id {plain_repr(rid)}")
        old = new_values.iloc[pos]
        if str(old) == str(value):
            unchanged += 1
            continue
        new_values.iloc[pos] = value
        changed.append({"id": rid, "from": old, "to": value})
    try:
        frame[target] = new_values.astype(column.dtype)
    except (TypeError, ValueError):
        frame[target] = new_values
    changes = LabelChanges(
        out=str(out_path), changed=tuple(changed), unchanged=unchanged,
        not_found=tuple(missing), skipped=skipped,
        sources={"data": source, "annotations": str(ann_path), "target": target},
    )
    if out_path.suffix.lower() == ".csv":
        atomic_write(out_path, lambda p: frame.to_csv(p, index=False))
    else:
        atomic_write(out_path, lambda p: frame.to_parquet(p, index=False))
    sidecar = out_path.with_name(out_path.name + ".changes.json")
    atomic_write(sidecar, lambda p: p.write_text(
        json.dumps(changes.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8"))
    return changes


