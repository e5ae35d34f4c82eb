"""Checking captured rows against the project's pact, before anything is stored.

Rows arrive with the pact's column names: its id column (``prediction_id`` when the pact has
none), its time column (``timestamp`` when it has none), its score column(s), optionally its
prediction column, and the features (the pact's declared features, else every other column).
A problem is an :class:`~modelpact.errors.InvalidDataError` naming the field and the row; a
batch with any problem is refused whole.

Checks run column by column on a table, not row by row in Python, so a batch of thousands of
rows is validated in milliseconds.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from modelpact.errors import InvalidDataError
from modelpact.ledger.capture import PredictionBatch
from modelpact.pact import Pact

__all__ = [
    "ARROW_STREAM",
    "JSON",
    "PARQUET",
    "CaptureColumns",
    "FeedbackBatch",
    "parse_table",
    "validate_feedback",
    "validate_predictions",
]

JSON = "application/json"
PARQUET = "application/vnd.apache.parquet"
ARROW_STREAM = "application/vnd.apache.arrow.stream"
ARROW_FILE = "application/vnd.apache.arrow.file"
MEDIA_TYPES = (JSON, PARQUET, ARROW_STREAM, ARROW_FILE)
MAX_ID_LENGTH = 200
_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class CaptureColumns:
    """Which field plays which role in captured rows, from a pact."""

    id: str
    time: str
    target: str
    score: str | None
    class_scores: tuple[tuple[Any, str], ...]
    prediction: str | None
    features: tuple[str, ...] | None  # None: every column without a role is a feature

    @classmethod
    def of(cls, pact: Pact) -> CaptureColumns:
        """The roles *pact* gives."""
        columns = pact.columns
        score = columns.score
        declared = pact.monitoring.features or columns.features
        return cls(
            id=columns.id or "prediction_id",
            time=columns.time or "timestamp",
            target=columns.target,
            score=score if isinstance(score, str) else None,
            class_scores=tuple(score.items()) if isinstance(score, dict) else (),
            prediction=columns.prediction,
            features=tuple(declared) if declared else None,
        )

    def names(self) -> dict[str, str]:
        """The captured role columns (:meth:`CaptureStore.frame`) renamed to these fields."""
        names = {"prediction_id": self.id, "timestamp": self.time, "label": self.target}
        if self.score:
            names["score"] = self.score
        for cls, column in self.class_scores:
            names[f"score_{cls}"] = column
        if self.prediction:
            names["prediction"] = self.prediction
        return names

    def roles(self) -> set[str]:
        """Every field that is not a feature."""
        out = {self.id, self.time, self.target}
        out.update(c for c in (self.score, self.prediction) if c)
        out.update(c for _, c in self.class_scores)
        return out


@dataclass(frozen=True)
class FeedbackBatch:
    """Validated labels: prediction ids and their labels as JSON scalars."""

    ids: list[str]
    labels: list[str]


def parse_table(body: bytes, media_type: str) -> pd.DataFrame:
    """Read a request body as a table: JSON records, Parquet, or Arrow IPC (stream or file).

    Only data is read: Arrow and Parquet metadata that pandas would use to rebuild objects is
    ignored.
    """
    if media_type == JSON:
        try:
            records = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidDataError(f"body: not valid JSON ({exc})") from exc
        if not isinstance(records, list) or not records:
            raise InvalidDataError("body: expected a non-empty JSON array of row objects")
        for i, record in enumerate(records):
            if not isinstance(record, dict):
                raise InvalidDataError(f"row {i}: expected an object of field: value")
        return pd.DataFrame.from_records(records)
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if media_type == PARQUET:
            table = pq.read_table(io.BytesIO(body))
        elif media_type == ARROW_STREAM:
            table = pa.ipc.open_stream(body).read_all()
        elif media_type == ARROW_FILE:
            table = pa.ipc.open_file(body).read_all()
        else:
            raise InvalidDataError(f"body: unsupported media type {media_type}")
    except (pa.ArrowException, OSError, ValueError) as exc:
        if isinstance(exc, InvalidDataError):
            raise
        raise InvalidDataError(f"body: not a readable {media_type} table ({exc})") from exc
    if table.num_rows == 0:
        raise InvalidDataError("body: the table has no rows")
    frame: pd.DataFrame = table.to_pandas(ignore_metadata=True)
    return frame


def _row(frame: pd.DataFrame, position: int, id_column: str) -> str:
    if id_column in frame.columns:
        value = frame[id_column].iloc[position]
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            return f"row {position} (id {value!r})"
    return f"row {position}"


def _first(mask: Any) -> int | None:
    hits = np.flatnonzero(np.asarray(mask, dtype=bool))
    return int(hits[0]) if len(hits) else None


def _require(frame: pd.DataFrame, name: str, what: str) -> pd.Series:
    if name not in frame.columns:
        raise InvalidDataError(f"field '{name}' ({what}) is missing from every row")
    series: pd.Series = frame[name]
    bad = _first(series.isna())
    if bad is not None:
        raise InvalidDataError(f"{_row(frame, bad, '')}: field '{name}' ({what}) is missing")
    return series


def _ids(frame: pd.DataFrame, name: str) -> list[str]:
    series = _require(frame, name, "prediction id")
    if pd.api.types.is_float_dtype(series):
        bad = _first(series != np.floor(series))
        if bad is not None:
            raise InvalidDataError(f"row {bad}: field '{name}' (prediction id) must be a string "
                                   f"or an integer, got {series.iloc[bad]!r}")
        series = series.astype(np.int64)
    if series.dtype == object:
        bad = _first(~series.map(lambda v: isinstance(v, str | int) and not isinstance(v, bool)))
        if bad is not None:
            raise InvalidDataError(f"row {bad}: field '{name}' (prediction id) must be a string "
                                   f"or an integer, got {series.iloc[bad]!r}")
    ids = series.astype(str)
    bad = _first((ids.str.len() > MAX_ID_LENGTH) | (ids.str.len() == 0))
    if bad is not None:
        raise InvalidDataError(f"row {bad}: field '{name}' (prediction id) must have 1 to "
                               f"{MAX_ID_LENGTH} characters")
    repeats = ids.duplicated()
    bad = _first(repeats)
    if bad is not None:
        first = int(np.flatnonzero((ids == ids.iloc[bad]).to_numpy())[0])
        raise InvalidDataError(f"row {bad}: prediction id {ids.iloc[bad]!r} repeats row {first}")
    return ids.tolist()


def _times(frame: pd.DataFrame, name: str) -> list[Any]:
    series = _require(frame, name, "timestamp")
    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = pd.to_datetime(series, utc=True)
    elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        parsed = pd.to_datetime(series, unit="s", utc=True, errors="coerce")
    else:
        text = series.map(lambda v: v if isinstance(v, str) else None)
        parsed = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    bad = _first(parsed.isna())
    if bad is not None:
        raise InvalidDataError(f"{_row(frame, bad, '')}: field '{name}' (timestamp) must be an "
                               f"ISO 8601 time or epoch seconds, got {series.iloc[bad]!r}")
    return list(parsed.dt.to_pydatetime())


def _numbers(frame: pd.DataFrame, name: str, what: str, *, bounded: bool) -> np.ndarray:
    series = _require(frame, name, what)
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        numeric = pd.to_numeric(series.map(
            lambda v: v if isinstance(v, int | float) and not isinstance(v, bool) else None),
            errors="coerce")
        bad = _first(numeric.isna())
        if bad is not None:
            raise InvalidDataError(f"row {bad}: field '{name}' ({what}) must be a number, got "
                                   f"{series.iloc[bad]!r}")
        series = numeric
    values = series.to_numpy(dtype=float)
    bad = _first(~np.isfinite(values))
    if bad is not None:
        raise InvalidDataError(f"row {bad}: field '{name}' ({what}) must be finite, got "
                               f"{values[bad]!r}")
    if bounded:
        bad = _first((values < 0) | (values > 1))
        if bad is not None:
            raise InvalidDataError(f"row {bad}: field '{name}' ({what}) must be a probability "
                                   f"in [0, 1], got {values[bad]!r}")
    return values


def _scalars(frame: pd.DataFrame, name: str, what: str) -> None:
    series = frame[name]
    if series.dtype != object:
        return
    bad = _first(~series.map(lambda v: isinstance(v, _SCALARS)))
    if bad is not None:
        raise InvalidDataError(f"row {bad}: field '{name}' ({what}) must be a string, number, "
                               f"boolean or null, got {type(series.iloc[bad]).__name__}")


def _json_values(frame: pd.DataFrame) -> list[str]:
    # NaN (a missing number) is written as JSON's non-standard NaN, which json.loads reads
    # back; datetimes become ISO strings.
    rows = frame.to_numpy(dtype=object).tolist()
    return [json.dumps(row, default=str) for row in rows]


def validate_predictions(frame: pd.DataFrame, pact: Pact) -> PredictionBatch:
    """Check a table of predictions against *pact*; return it ready to store."""
    roles = CaptureColumns.of(pact)
    if roles.target in frame.columns:
        raise InvalidDataError(f"field '{roles.target}' is the pact's target: send labels to the "
                               "feedback endpoint, not with the predictions")
    ids = _ids(frame, roles.id)
    times = _times(frame, roles.time)
    bounded = pact.task != "regression"
    scores: list[float | None] | None = None
    class_scores: list[str | None] | None = None
    if roles.score is not None:
        what = "prediction" if pact.task == "regression" else "score"
        scores = _numbers(frame, roles.score, what, bounded=bounded).tolist()
    if roles.class_scores:
        matrix = np.column_stack([
            _numbers(frame, column, f"score of class {cls!r}", bounded=True)
            for cls, column in roles.class_scores])
        class_scores = [json.dumps(row) for row in matrix.tolist()]
    predictions: list[str | None] | None = None
    if roles.prediction is not None and roles.prediction in frame.columns:
        _scalars(frame, roles.prediction, "prediction")
        predictions = [None if v is None or (isinstance(v, float) and math.isnan(v))
                       else json.dumps(v) for v in
                       frame[roles.prediction].to_numpy(dtype=object).tolist()]
    role_names = roles.roles()
    if roles.features is not None:
        for name in roles.features:
            if name not in frame.columns:
                raise InvalidDataError(f"field '{name}' (feature) is missing from every row")
        extra = [c for c in frame.columns if c not in role_names and c not in roles.features]
        if extra:
            raise InvalidDataError(f"field '{extra[0]}' is not a feature of the pact "
                                   f"(features: {', '.join(roles.features)})")
        features = list(roles.features)
    else:
        features = [str(c) for c in frame.columns if c not in role_names]
    for name in features:
        _scalars(frame, name, "feature")
    return PredictionBatch(
        ids=ids, timestamps=times, columns=tuple(features),
        features=_json_values(frame[features]) if features else ["[]"] * len(ids),
        scores=scores, class_scores=class_scores, predictions=predictions,
    )


def validate_feedback(frame: pd.DataFrame, pact: Pact) -> FeedbackBatch:
    """Check a table of labels (the pact's id and target fields) against *pact*."""
    roles = CaptureColumns.of(pact)
    ids = _ids(frame, roles.id)
    extra = [c for c in frame.columns if c not in (roles.id, roles.target)]
    if extra:
        raise InvalidDataError(f"field '{extra[0]}' does not belong in feedback (fields: "
                               f"'{roles.id}' and '{roles.target}')")
    if pact.task == "regression":
        labels = [json.dumps(v) for v in
                  _numbers(frame, roles.target, "label", bounded=False).tolist()]
        return FeedbackBatch(ids=ids, labels=labels)
    series = _require(frame, roles.target, "label")
    _scalars(frame, roles.target, "label")
    values = series.to_numpy(dtype=object).tolist()
    if pact.classes is not None:
        known = set(pact.classes)
        for i, value in enumerate(values):
            if value not in known:
                raise InvalidDataError(f"row {i}: field '{roles.target}' (label) {value!r} is "
                                       f"not a class of the pact ({pact.classes})")
    return FeedbackBatch(ids=ids, labels=[json.dumps(v) for v in values])
