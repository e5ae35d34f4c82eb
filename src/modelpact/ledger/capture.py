"""Captured production data: the models a project watches, their predictions and feedback.

:class:`CaptureStore` works on a :class:`~modelpact.ledger.store.Store`'s database. A batch of
predictions (or labels) is written in one transaction, all or nothing, and is idempotent by
prediction id: rows whose id is already stored are skipped (``ON CONFLICT DO NOTHING``), so a
client may re-send a batch it is unsure about. Labels are kept by prediction id whether or not
the prediction has arrived; the two are joined when read.

Examples
--------
>>> import tempfile
>>> from datetime import UTC, datetime
>>> from pathlib import Path
>>> from modelpact.ledger import open_store
>>> with tempfile.TemporaryDirectory() as tmp, open_store(root=Path(tmp)) as store:
...     capture = CaptureStore(store)
...     model = capture.ensure_model("churn", "gbm")
...     t = datetime(2026, 1, 1, tzinfo=UTC)
...     batch = PredictionBatch(ids=["a", "b"], timestamps=[t, t], columns=("x",),
...                             features=["[1.5]", "[2.0]"], scores=[0.2, 0.9])
...     capture.add_predictions(model, batch), capture.add_predictions(model, batch)
...     capture.add_feedback(model, ["b"], ["1"])
...     capture.frame(model)[["prediction_id", "x", "score", "label"]].to_dict("records")
(2, 0)
1
[{'prediction_id': 'a', 'x': 1.5, 'score': 0.2, 'label': None}, {'prediction_id': 'b', 'x': 2.0, 'score': 0.9, 'label': 1}]
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count, repeat
from pathlib import Path
from typing import Any, cast

import pandas as pd
from sqlalchemy import Connection, Engine, Table, and_, delete, func, select

from modelpact._files import atomic_write
from modelpact.errors import (
    ConfigurationError,
    InvalidDataError,
    NotFoundError,
    StoreError,
    closest,
)
from modelpact.ledger._tx import insert_ignoring_duplicates, reading, writing
from modelpact.ledger.capture_schema import (
    CapturedFeedbackRow,
    CapturedPredictionRow,
    CaptureLayoutRow,
    CaptureModelRow,
)
from modelpact.ledger.config import display_url
from modelpact.ledger.schema import ProjectRow
from modelpact.ledger.store import Store

__all__ = ["CaptureStore", "CapturedModel", "PredictionBatch", "layout_id"]

_PRED = cast(Table, CapturedPredictionRow.__table__)
_FEEDBACK = cast(Table, CapturedFeedbackRow.__table__)
_LAYOUT = cast(Table, CaptureLayoutRow.__table__)
_MODEL = cast(Table, CaptureModelRow.__table__)
_PROJECT = cast(Table, ProjectRow.__table__)
_PRED_COLUMNS = ("model_id", "prediction_id", "ts", "layout_id", "features", "score", "scores",
                 "prediction")
_FEEDBACK_COLUMNS = ("model_id", "prediction_id", "label", "received_at")
#: Up to this many rows go to PostgreSQL as one multi-row INSERT; more are streamed with COPY.
_VALUES_ROWS = 64
_stage_numbers = count()


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _sqlite_time(value: datetime) -> str:
    # the text SQLAlchemy's SQLite DateTime writes and reads back, always in UTC
    if value.tzinfo is not None and value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _insert_new(conn: Connection, table: Table, columns: tuple[str, ...],
                rows: list[tuple[Any, ...]]) -> int:
    """Insert *rows* (tuples in *columns*' order) skipping existing keys; return how many were new.

    The driver's own bulk paths, inside the caller's transaction: SQLite's ``executemany`` of
    ``INSERT ... ON CONFLICT DO NOTHING`` (counted by the connection's change counter), and on PostgreSQL one
    multi-row ``INSERT ... ON CONFLICT DO NOTHING`` for a few rows, or ``COPY`` into a
    temporary table and one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` for many. Each is
    one statement per batch, so its row count is exact, and no ``RETURNING`` list is built.
    """
    if not rows:
        return 0
    raw: Any = conn.connection.driver_connection
    names = ", ".join(columns)
    dialect = conn.dialect.name
    try:
        if dialect == "sqlite":
            before = raw.total_changes
            marks = ", ".join("?" * len(columns))
            # ON CONFLICT, not OR IGNORE: that would also skip rows breaking NOT NULL
            raw.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks}) "
                            "ON CONFLICT DO NOTHING", rows)
            return int(raw.total_changes - before)
        if dialect != "postgresql":
            raise StoreError(f"capture needs SQLite or PostgreSQL, not {dialect}")
        with raw.cursor() as cursor:
            if len(rows) <= _VALUES_ROWS:
                row = "(" + ", ".join(["%s"] * len(columns)) + ")"
                cursor.execute(
                    f"INSERT INTO {table.name} ({names}) VALUES "
                    f"{', '.join([row] * len(rows))} ON CONFLICT DO NOTHING",
                    [value for r in rows for value in r])
                return int(cursor.rowcount)
            # rows of every batch of a transaction meet in one staging table, told apart by
            # a number; committing the transaction empties it
            stage = f"capture_stage_{table.name}"
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} (LIKE {table.name}, "
                "stage_no bigint) ON COMMIT DELETE ROWS")
            number = next(_stage_numbers)
            with cursor.copy(f"COPY {stage} ({names}, stage_no) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row((*r, number))
            cursor.execute(
                f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {stage} "
                "WHERE stage_no = %s ON CONFLICT DO NOTHING", (number,))
            return int(cursor.rowcount)
    except conn.dialect.loaded_dbapi.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise StoreError(f"the ledger store {display_url(str(conn.engine.url))} refused a "
                         f"write: {first}") from exc


def layout_id(columns: Sequence[str]) -> str:
    """The id of a feature layout: a short hash of the ordered column names.

    Examples
    --------
    >>> layout_id(["a", "b"]) == layout_id(["a", "b"]) != layout_id(["b", "a"])
    True
    """
    return hashlib.sha256(json.dumps(list(columns)).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CapturedModel:
    """A model whose predictions are captured, with its monitoring reference period."""

    id: str
    project: str
    name: str
    created_at: datetime
    reference_start: datetime | None = None
    reference_end: datetime | None = None


@dataclass(frozen=True)
class PredictionBatch:
    """Validated predictions, column by column, ready to store.

    ``features`` holds one JSON array per row, its values in the order of ``columns``;
    ``class_scores`` one JSON array per row (multiclass); ``predictions`` one JSON scalar
    per row.
    """

    ids: Sequence[str]
    timestamps: Sequence[datetime]
    columns: tuple[str, ...]
    features: Sequence[str]
    scores: Sequence[float | None] | None = None
    class_scores: Sequence[str | None] | None = None
    predictions: Sequence[str | None] | None = None

    def __len__(self) -> int:
        return len(self.ids)


def _model(row: Any, project: str) -> CapturedModel:
    return CapturedModel(
        id=row.id,
        project=project,
        name=row.name,
        created_at=_aware(row.created_at) or row.created_at,
        reference_start=_aware(row.reference_start),
        reference_end=_aware(row.reference_end),
    )


class CaptureStore:
    """Predictions and feedback captured from production, in the ledger's database.

    Parameters
    ----------
    store : Store
        The ledger whose database holds the captured rows (its projects own the models).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        # layouts known to be stored: a layout row is never deleted, so this only saves
        # a statement per batch
        self._layouts: set[str] = set()

    @property
    def _engine(self) -> Engine:
        return self.store.engine

    # ---------------------------------------------------------------- models

    def ensure_model(
        self,
        project: str,
        name: str,
        *,
        reference_start: datetime | None = None,
        reference_end: datetime | None = None,
    ) -> CapturedModel:
        """Return model *name* of *project*, creating both as needed.

        A reference period given here replaces the stored one.
        """
        if not name or "/" in name or len(name) > 200 or name != name.strip():
            raise ConfigurationError(
                f"model name '{name}' is not valid: 1 to 200 characters, no '/', no leading or "
                "trailing space"
            )
        if (reference_start is None) != (reference_end is None):
            raise ConfigurationError("a reference period needs both its start and its end")
        if reference_start is not None and reference_end is not None and (
            reference_end <= reference_start
        ):
            raise ConfigurationError("the reference period must end after it starts")
        project_id = self.store.ensure_project(project).id
        with writing(self._engine) as conn:
            insert_ignoring_duplicates(
                conn,
                _MODEL,
                [{"id": uuid.uuid4().hex, "project_id": project_id, "name": name,
                  "created_at": datetime.now(UTC), "reference_start": None,
                  "reference_end": None}],
            )
            # the unique (project, name) constraint made the insert a no-op if it existed
            if reference_start is not None:
                conn.execute(
                    _MODEL.update()
                    .where(_MODEL.c.project_id == project_id, _MODEL.c.name == name)
                    .values(reference_start=reference_start, reference_end=reference_end)
                )
            row = conn.execute(
                select(_MODEL).where(_MODEL.c.project_id == project_id, _MODEL.c.name == name)
            ).one()
        return _model(row, project)

    def get_model(self, project: str, name: str) -> CapturedModel:
        """Model *name* of *project*; :class:`NotFoundError` naming what is missing."""
        with reading(self._engine) as conn:
            project_id = conn.scalar(select(_PROJECT.c.id).where(_PROJECT.c.name == project))
            if project_id is None:
                raise NotFoundError(f"no project '{project}' in store {self.store.display_url}")
            row = conn.execute(
                select(_MODEL).where(_MODEL.c.project_id == project_id, _MODEL.c.name == name)
            ).one_or_none()
            if row is None:
                names = conn.scalars(
                    select(_MODEL.c.name).where(_MODEL.c.project_id == project_id)
                ).all()
                raise NotFoundError(
                    f"project '{project}' has no captured model '{name}'{closest(name, names)}; "
                    f"add it with 'modelpact capture add-model --project {project} --model NAME'"
                )
        return _model(row, project)

    def list_models(self, project: str | None = None) -> list[CapturedModel]:
        """Every captured model (of *project*), by project and name."""
        query = select(_MODEL, _PROJECT.c.name.label("project_name")).join(
            _PROJECT, _PROJECT.c.id == _MODEL.c.project_id
        )
        if project is not None:
            query = query.where(_PROJECT.c.name == project)
        with reading(self._engine) as conn:
            rows = conn.execute(query.order_by(_PROJECT.c.name, _MODEL.c.name)).all()
        return [_model(r, r.project_name) for r in rows]

    # ---------------------------------------------------------------- writes

    def add_predictions(self, model: CapturedModel, batch: PredictionBatch) -> int:
        """Store *batch* in one transaction; return how many rows were new.

        Rows whose prediction id is already stored for the model are skipped, so re-sending
        a batch is harmless. Either every new row is committed or none is.
        """
        with writing(self._engine) as conn:
            new = self.insert_predictions(conn, model, batch)
        self.layouts_stored([batch.columns])
        return new

    def insert_predictions(self, conn: Connection, model: CapturedModel,
                           batch: PredictionBatch) -> int:
        """Insert *batch* within the caller's write transaction; return the rows new.

        The caller commits (several batches may share one transaction) and then reports the
        batch's layout with :meth:`layouts_stored`.
        """
        n = len(batch)
        for name, column in (("timestamps", batch.timestamps), ("features", batch.features),
                             ("scores", batch.scores), ("class_scores", batch.class_scores),
                             ("predictions", batch.predictions)):
            if column is not None and len(column) != n:
                raise InvalidDataError(f"prediction batch: {name} has {len(column)} rows, not {n}")
        lid = layout_id(batch.columns)
        if lid not in self._layouts:
            insert_ignoring_duplicates(
                conn, _LAYOUT, [{"id": lid, "columns_json": list(batch.columns)}]
            )
        sqlite = conn.dialect.name == "sqlite"
        times = [_sqlite_time(t) if sqlite else t for t in batch.timestamps]
        none = [None] * n
        rows = list(zip(repeat(model.id, n), batch.ids, times, repeat(lid, n), batch.features,
                        none if batch.scores is None else batch.scores,
                        none if batch.class_scores is None else batch.class_scores,
                        none if batch.predictions is None else batch.predictions, strict=True))
        return _insert_new(conn, _PRED, _PRED_COLUMNS, rows)

    def layouts_stored(self, layouts: Iterable[Sequence[str]]) -> None:
        """Remember feature layouts whose rows are committed: their row is stored for good."""
        self._layouts.update(layout_id(columns) for columns in layouts)

    def add_feedback(
        self, model: CapturedModel, ids: Sequence[str], labels: Sequence[str]
    ) -> int:
        """Store labels (JSON scalars) for prediction ids in one transaction; return new rows.

        The first label stored for an id is kept: re-sending is a no-op.
        """
        with writing(self._engine) as conn:
            return self.insert_feedback(conn, model, ids, labels)

    def insert_feedback(self, conn: Connection, model: CapturedModel, ids: Sequence[str],
                        labels: Sequence[str]) -> int:
        """Insert labels within the caller's write transaction; return the rows new."""
        if len(ids) != len(labels):
            raise InvalidDataError(f"feedback: {len(ids)} ids but {len(labels)} labels")
        now = datetime.now(UTC)
        received = _sqlite_time(now) if conn.dialect.name == "sqlite" else now
        n = len(ids)
        rows = list(zip(repeat(model.id, n), ids, labels, repeat(received, n), strict=True))
        return _insert_new(conn, _FEEDBACK, _FEEDBACK_COLUMNS, rows)

    def prune(self, before: datetime, *, project: str | None = None) -> tuple[int, int]:
        """Delete predictions made before *before*, and labels received before it.

        Returns ``(predictions deleted, labels deleted)``.
        """
        ids = [m.id for m in self.list_models(project)]
        if not ids:
            return 0, 0
        with writing(self._engine) as conn:
            preds = conn.execute(
                delete(_PRED).where(_PRED.c.model_id.in_(ids), _PRED.c.ts < before)
            ).rowcount
            labels = conn.execute(
                delete(_FEEDBACK).where(
                    _FEEDBACK.c.model_id.in_(ids), _FEEDBACK.c.received_at < before
                )
            ).rowcount
        return int(preds), int(labels)

    # ---------------------------------------------------------------- reads

    def count(self, model: CapturedModel) -> tuple[int, int]:
        """``(predictions, labelled predictions)`` stored for *model*."""
        with reading(self._engine) as conn:
            total = conn.scalar(select(func.count()).where(_PRED.c.model_id == model.id))
            labelled = conn.scalar(
                select(func.count())
                .select_from(_PRED.join(_FEEDBACK, _join()))
                .where(_PRED.c.model_id == model.id)
            )
        return int(total or 0), int(labelled or 0)

    def latest_time(self, model: CapturedModel) -> datetime | None:
        """The timestamp of the latest prediction stored for *model*."""
        with reading(self._engine) as conn:
            value = conn.scalar(select(func.max(_PRED.c.ts)).where(_PRED.c.model_id == model.id))
        return _aware(value)

    def frame(
        self,
        model: CapturedModel,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        classes: Sequence[Any] | None = None,
        names: dict[str, str] | None = None,
    ) -> pd.DataFrame:
        """Predictions made in ``[start, end)`` with their labels, one column per feature.

        Columns: ``prediction_id``, ``timestamp``, the features, ``score`` (or one
        ``score_<class>`` per class of *classes* for multiclass rows), ``prediction`` and
        ``label`` (None where no label has arrived), ordered by time, then id. *names* renames
        these role columns (to a pact's column names, say).
        """
        query = (
            select(_PRED.c.prediction_id, _PRED.c.ts, _PRED.c.layout_id, _PRED.c.features,
                   _PRED.c.score, _PRED.c.scores, _PRED.c.prediction, _FEEDBACK.c.label)
            .select_from(_PRED.outerjoin(_FEEDBACK, _join()))
            .where(_PRED.c.model_id == model.id)
            .order_by(_PRED.c.ts, _PRED.c.prediction_id)
        )
        if start is not None:
            query = query.where(_PRED.c.ts >= start)
        if end is not None:
            query = query.where(_PRED.c.ts < end)
        with reading(self._engine) as conn:
            rows = conn.execute(query).all()
            layouts = {r.id: list(r.columns_json) for r in conn.execute(select(_LAYOUT))}
        return _to_frame(rows, layouts, classes).rename(columns=names or {})

    def labels(self, model: CapturedModel) -> pd.DataFrame:
        """Every label stored for *model*: ``prediction_id``, ``label``, ``received_at``."""
        with reading(self._engine) as conn:
            rows = conn.execute(
                select(_FEEDBACK.c.prediction_id, _FEEDBACK.c.label, _FEEDBACK.c.received_at)
                .where(_FEEDBACK.c.model_id == model.id)
                .order_by(_FEEDBACK.c.prediction_id)
            ).all()
        return pd.DataFrame(
            {"prediction_id": [r.prediction_id for r in rows],
             "label": pd.Series([json.loads(r.label) for r in rows], dtype=object),
             "received_at": pd.to_datetime(cast(Any, [_aware(r.received_at) for r in rows]), utc=True)}
        )

    def export(
        self,
        model: CapturedModel,
        path: Path,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        classes: Sequence[Any] | None = None,
        names: dict[str, str] | None = None,
    ) -> int:
        """Write the predictions of ``[start, end)`` with their labels to Parquet.

        The file is written atomically (complete or absent). Returns the number of rows.
        """
        frame = self.frame(model, start=start, end=end, classes=classes, names=names)
        atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))
        return len(frame)


def _join() -> Any:
    return and_(_FEEDBACK.c.model_id == _PRED.c.model_id,
                _FEEDBACK.c.prediction_id == _PRED.c.prediction_id)


def _decode_arrays(texts: Sequence[str]) -> list[list[Any]]:
    # One parse for all rows is several times faster than one json.loads per row.
    return list(json.loads("[" + ",".join(texts) + "]")) if texts else []


def _to_frame(
    rows: Sequence[Any], layouts: dict[str, list[str]], classes: Sequence[Any] | None
) -> pd.DataFrame:
    n = len(rows)
    data: dict[str, Any] = {
        "prediction_id": pd.Series([r.prediction_id for r in rows], dtype=object),
        "timestamp": pd.to_datetime(cast(Any, [_aware(r.ts) for r in rows]), utc=True),
    }
    feature_columns: dict[str, list[Any]] = {}
    by_layout: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_layout.setdefault(r.layout_id, []).append(i)
    for lid, positions in by_layout.items():
        names = layouts.get(lid, [])
        values = _decode_arrays([rows[i].features for i in positions])
        for j, name in enumerate(names):
            column = feature_columns.setdefault(name, [None] * n)
            for i, row_values in zip(positions, values, strict=True):
                column[i] = row_values[j]
    for name, column in feature_columns.items():
        series = pd.Series(column, dtype=object)
        converted = pd.to_numeric(series, errors="coerce")
        # numeric when every present value is a number (bools stay as they are)
        numeric = series.map(lambda v: v is None or (isinstance(v, int | float)
                                                     and not isinstance(v, bool))).all()
        data[name] = converted if numeric else series
    if any(r.scores is not None for r in rows) and classes is not None:
        matrix = [json.loads(r.scores) if r.scores is not None else [None] * len(classes)
                  for r in rows]
        for k, cls in enumerate(classes):
            data[f"score_{cls}"] = pd.to_numeric(
                pd.Series([m[k] for m in matrix], dtype=object), errors="coerce")
    else:
        data["score"] = pd.Series([r.score for r in rows], dtype="float64")
    data["prediction"] = pd.Series(
        [json.loads(r.prediction) if r.prediction is not None else None for r in rows],
        dtype=object)
    data["label"] = pd.Series(
        [json.loads(r.label) if r.label is not None else None for r in rows], dtype=object)
    return pd.DataFrame(data)
