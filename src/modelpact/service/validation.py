"""Checking captured rows against the project's pact, before anything is stored.

Rows arrive with the pact's column names: its id column (``prediction_id`` when the pact has
none), its time column (``timestamp`` when it has none), its score column(s), optionally its
prediction column, and the features (the pact's declared features, else every other column).
A problem is an :class:`~modelpact.errors.InvalidDataError` naming the field and the row; a
batch with any problem is refused whole.

Rows are checked as plain Python values (JSON records parsed with orjson, or Arrow and Parquet
tables turned into records), with no table library per request, so a single-row request costs
microseconds. The common case takes the fast paths: rows that all have the same fields are
compared once as key sets, and a row's features are encoded in one orjson call, after which
only rows whose text could hide a nested value are checked value by value.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

import orjson
import pandas as pd

from modelpact.errors import InvalidDataError
from modelpact.ledger.capture import PredictionBatch
from modelpact.monitor.captured import CaptureColumns
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
_SCALARS = (str, int, float, bool, type(None), datetime, date)


@dataclass(frozen=True)
class FeedbackBatch:
    """Validated labels: prediction ids and their labels as JSON scalars."""

    ids: list[str]
    labels: list[str]

    def __len__(self) -> int:
        return len(self.ids)


Records = list[dict[str, Any]]


def parse_table(body: bytes, media_type: str) -> Records:
    """Read a request body as rows: JSON records, Parquet, or Arrow IPC (stream or file).

    Only data is read: no Arrow or Parquet metadata is used to rebuild objects.
    """
    if media_type == JSON:
        try:
            records = orjson.loads(body)
        except orjson.JSONDecodeError:
            # what orjson refuses but Python reads (NaN, Infinity) is refused later by field
            try:
                records = json.loads(body)
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
                raise InvalidDataError(f"body: not valid JSON ({exc})") from exc
        if not isinstance(records, list) or not records:
            raise InvalidDataError("body: expected a non-empty JSON array of row objects")
        for i, record in enumerate(records):
            if not isinstance(record, dict):
                raise InvalidDataError(f"row {i}: expected an object of field: value")
        return records
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
        rows: Records = table.to_pylist()
    except (pa.ArrowException, OSError, ValueError) as exc:
        if isinstance(exc, InvalidDataError):
            raise
        raise InvalidDataError(f"body: not a readable {media_type} table ({exc})") from exc
    if not rows:
        raise InvalidDataError("body: the table has no rows")
    return rows


def _records(table: Records | pd.DataFrame) -> Records:
    if isinstance(table, pd.DataFrame):
        # missing values of a frame become None, as in JSON
        return [{str(k): (None if _is_nan(v) else v) for k, v in row.items()}
                for row in table.astype(object).to_dict("records")]
    return table


def _is_nan(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def _fields(rows: Records) -> list[str]:
    seen = dict.fromkeys(str(key) for key in rows[0])
    first = rows[0].keys()
    for row in rows:
        if row.keys() != first:  # one C-level comparison for rows shaped like the first
            seen.update(dict.fromkeys(str(key) for key in row))
    return list(seen)


def _encode(values: Any) -> str:
    """A JSON array of scalars; values JSON has no type for become text (see :func:`_json`)."""
    try:
        return orjson.dumps(values, default=_json, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # beyond orjson (integers over 64 bits): the standard library
        return json.dumps(values, default=_json)


def _encode_features(rows: Records, features: list[str]) -> list[str]:
    """One JSON array per row, in *features*' order; a nested value is a 422."""
    if not features:
        return ["[]"] * len(rows)
    pick = itemgetter(*features)
    single = len(features) == 1
    out: list[str] = []
    for i, row in enumerate(rows):
        try:
            values = (pick(row),) if single else pick(row)
        except KeyError:  # a feature missing from this row is null
            values = tuple(row.get(name) for name in features)
        text = _encode(values)
        # a list or object inside shows as a second '[' or any '{'; strings may also hold
        # them, so only then is the row checked value by value
        if "{" in text or text.count("[") > 1:
            for name, value in zip(features, values, strict=True):
                if isinstance(value, list | dict | tuple):
                    raise InvalidDataError(
                        f"row {i}: field '{name}' (feature) must be a string, number, boolean "
                        f"or null, got {type(value).__name__}")
        out.append(text)
    return out


def _missing(rows: Records, fields: list[str], name: str, what: str) -> None:
    if name not in fields:
        raise InvalidDataError(f"field '{name}' ({what}) is missing from every row")
    for i, row in enumerate(rows):
        if row.get(name) is None:
            raise InvalidDataError(f"row {i}: field '{name}' ({what}) is missing")


def _ids(rows: Records, fields: list[str], name: str) -> list[str]:
    _missing(rows, fields, name, "prediction id")
    ids: list[str] = []
    first: dict[str, int] = {}
    for i, row in enumerate(rows):
        value = row[name]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise InvalidDataError(f"row {i}: field '{name}' (prediction id) must be a string "
                                   f"or an integer, got {value!r}")
        text = str(value)
        if not 0 < len(text) <= MAX_ID_LENGTH:
            raise InvalidDataError(f"row {i}: field '{name}' (prediction id) must have 1 to "
                                   f"{MAX_ID_LENGTH} characters")
        if text in first:
            raise InvalidDataError(f"row {i}: prediction id {text!r} repeats row {first[text]}")
        first[text] = i
        ids.append(text)
    return ids


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _times(rows: Records, fields: list[str], name: str) -> list[datetime]:
    _missing(rows, fields, name, "timestamp")
    out: list[datetime] = []
    for i, row in enumerate(rows):
        parsed = _time(row[name])
        if parsed is None:
            raise InvalidDataError(f"row {i}: field '{name}' (timestamp) must be an ISO 8601 "
                                   f"time or epoch seconds, got {row[name]!r}")
        out.append(parsed)
    return out


def _numbers(rows: Records, fields: list[str], name: str, what: str, *,
             bounded: bool) -> list[float]:
    _missing(rows, fields, name, what)
    out: list[float] = []
    for i, row in enumerate(rows):
        value = row[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidDataError(f"row {i}: field '{name}' ({what}) must be a number, got "
                                   f"{value!r}")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise InvalidDataError(f"row {i}: field '{name}' ({what}) must be finite, got "
                                   f"{value!r}")
        if bounded and not 0.0 <= number <= 1.0:
            raise InvalidDataError(f"row {i}: field '{name}' ({what}) must be a probability "
                                   f"in [0, 1], got {number!r}")
        out.append(number)
    return out


def _scalar(rows: Records, name: str, what: str) -> None:
    for i, row in enumerate(rows):
        value = row.get(name)
        if not isinstance(value, _SCALARS):
            raise InvalidDataError(f"row {i}: field '{name}' ({what}) must be a string, number, "
                                   f"boolean or null, got {type(value).__name__}")


def _json(value: Any) -> Any:
    # values JSON has no type for (times from Arrow tables, decimals) are kept as text
    return value.isoformat() if isinstance(value, datetime | date) else str(value)


def validate_predictions(table: Records | pd.DataFrame, pact: Pact) -> PredictionBatch:
    """Check rows of predictions against *pact*; return them ready to store."""
    rows = _records(table)
    roles = CaptureColumns.of(pact)
    fields = _fields(rows)
    if roles.target in fields:
        raise InvalidDataError(f"field '{roles.target}' is the pact's target: send labels to the "
                               "feedback endpoint, not with the predictions")
    ids = _ids(rows, fields, roles.id)
    times = _times(rows, fields, roles.time)
    bounded = pact.task != "regression"
    scores: list[float | None] | None = None
    class_scores: list[str | None] | None = None
    if roles.score is not None:
        what = "prediction" if pact.task == "regression" else "score"
        scores = list(_numbers(rows, fields, roles.score, what, bounded=bounded))
    if roles.class_scores:
        columns = [_numbers(rows, fields, column, f"score of class {cls!r}", bounded=True)
                   for cls, column in roles.class_scores]
        class_scores = [json.dumps(list(values)) for values in zip(*columns, strict=True)]
    predictions: list[str | None] | None = None
    if roles.prediction is not None and roles.prediction in fields:
        _scalar(rows, roles.prediction, "prediction")
        predictions = [None if _is_nan(row.get(roles.prediction))
                       else json.dumps(row[roles.prediction], default=_json) for row in rows]
    role_names = roles.roles()
    if roles.features is not None:
        for name in roles.features:
            if name not in fields:
                raise InvalidDataError(f"field '{name}' (feature) is missing from every row")
        extra = [c for c in fields if c not in role_names and c not in roles.features]
        if extra:
            raise InvalidDataError(f"field '{extra[0]}' is not a feature of the pact "
                                   f"(features: {', '.join(roles.features)})")
        features = list(roles.features)
    else:
        features = [c for c in fields if c not in role_names]
    encoded = _encode_features(rows, features)
    return PredictionBatch(ids=ids, timestamps=times, columns=tuple(features), features=encoded,
                           scores=scores, class_scores=class_scores, predictions=predictions)


def validate_feedback(table: Records | pd.DataFrame, pact: Pact) -> FeedbackBatch:
    """Check rows of labels (the pact's id and target fields) against *pact*."""
    rows = _records(table)
    roles = CaptureColumns.of(pact)
    fields = _fields(rows)
    ids = _ids(rows, fields, roles.id)
    extra = [c for c in fields if c not in (roles.id, roles.target)]
    if extra:
        raise InvalidDataError(f"field '{extra[0]}' does not belong in feedback (fields: "
                               f"'{roles.id}' and '{roles.target}')")
    if pact.task == "regression":
        values = _numbers(rows, fields, roles.target, "label", bounded=False)
        return FeedbackBatch(ids=ids, labels=[json.dumps(v) for v in values])
    _missing(rows, fields, roles.target, "label")
    _scalar(rows, roles.target, "label")
    labels = [row[roles.target] for row in rows]
    if pact.classes is not None:
        known = set(pact.classes)
        for i, value in enumerate(labels):
            if value not in known:
                raise InvalidDataError(f"row {i}: field '{roles.target}' (label) {value!r} is "
                                       f"not a class of the pact ({pact.classes})")
    return FeedbackBatch(ids=ids, labels=[json.dumps(v, default=_json) for v in labels])
