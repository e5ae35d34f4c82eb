"""The training window: the labelled rows a retraining learns from, and its temporal holdout.

Rows come from a :class:`WindowSource`: files given on the command line (:class:`FileSource`),
a DataFrame (:class:`FrameSource`), or the predictions the monitoring service captured for a
model, joined with the feedback labels that arrived for them (:class:`CaptureSource`). The window is always put in time order (the pact's time column, else the order the
source gives), so "the most recent rows" means the same thing everywhere: the holdout is the
newest labelled slice and is never trained on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from modelpact.data import load_frame, require_columns
from modelpact.errors import InvalidDataError
from modelpact.ledger import Store
from modelpact.ledger.capture import CapturedModel, CaptureStore
from modelpact.pact import Pact, RetrainWindow, period_seconds

__all__ = [
    "CaptureSource",
    "FileSource",
    "FrameSource",
    "TrainingWindow",
    "WindowSource",
    "load_window",
]


class WindowSource(Protocol):
    """Where the rows of a training window come from."""

    def load(self) -> pd.DataFrame:
        """Every row the source holds, labelled or not, in arrival order."""
        ...

    def describe(self) -> str:
        """A short description for reports and the ledger (file names, a table...)."""
        ...


class FileSource:
    """Rows from CSV/Parquet files, concatenated in the order given.

    Parameters
    ----------
    paths
        The files; they must share their columns.
    """

    def __init__(self, paths: Sequence[str | Path]) -> None:
        self.paths = [Path(p) for p in paths]

    def load(self) -> pd.DataFrame:
        """Read and concatenate the files; columns must match across files."""
        if not self.paths:
            raise InvalidDataError("no data files given; pass the training window with --data")
        frames: list[pd.DataFrame] = []
        for path in self.paths:
            frame, source = load_frame(path)
            if frames and list(frame.columns) != list(frames[0].columns):
                missing = [c for c in frames[0].columns if c not in frame.columns]
                extra = [c for c in frame.columns if c not in frames[0].columns]
                what = (
                    f"lacks column '{missing[0]}'"
                    if missing
                    else f"has an extra column '{extra[0]}'"
                    if extra
                    else "orders its columns differently"
                )
                raise InvalidDataError(f"{source}: {what} compared with {self.paths[0]}")
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def describe(self) -> str:
        """The file names, comma separated."""
        return ", ".join(str(p) for p in self.paths)


class FrameSource:
    """Rows already in memory (a pandas DataFrame), e.g. from a pipeline or a notebook.

    Parameters
    ----------
    frame
        The rows, oldest first unless the pact's time column says otherwise.
    name
        How to refer to them in messages and the ledger.
    """

    def __init__(self, frame: pd.DataFrame, name: str = "<DataFrame>") -> None:
        self.frame = frame
        self.name = name

    def load(self) -> pd.DataFrame:
        """The frame itself (checked to hold rows)."""
        frame, _ = load_frame(self.frame, name=self.name)
        return frame

    def describe(self) -> str:
        """The name given."""
        return self.name


class CaptureSource:
    """The labelled and unlabelled rows captured for a model, joined with their feedback.

    Columns carry the pact's names: its id column (``prediction_id`` without one), its time
    column (``timestamp`` without one), its target (the feedback label, missing until the
    label arrives) and the features. The champion's own outputs at capture time (scores,
    predictions) are left out: they are not evidence about the world to learn from.

    Parameters
    ----------
    store
        The ledger whose database holds the captured rows.
    project, model
        The captured model (see ``modelpact capture add-model``).
    pact
        Supplies the column names.
    """

    def __init__(self, store: Store, project: str, model: str, pact: Pact) -> None:
        self.store = store
        self.pact = pact
        self.model: CapturedModel = CaptureStore(store).get_model(project, model)

    @property
    def time_column(self) -> str:
        """The column holding each prediction's time."""
        return self.pact.columns.time or "timestamp"

    def load(self) -> pd.DataFrame:
        """Every captured row of the model, oldest first, labelled where feedback arrived."""
        columns = self.pact.columns
        names = {
            "prediction_id": columns.id or "prediction_id",
            "timestamp": self.time_column,
            "label": columns.target,
        }
        frame = CaptureStore(self.store).frame(self.model)
        outputs = [
            c
            for c in frame.columns
            if c in ("score", "prediction")
            or (c.startswith("score_") and isinstance(columns.score, dict))
        ]
        frame = frame.drop(columns=outputs).rename(columns=names)
        if frame.empty:
            raise InvalidDataError(f"{self.describe()}: no captured predictions")
        return frame

    def describe(self) -> str:
        """``captured model PROJECT/MODEL``."""
        return f"captured model {self.model.project}/{self.model.name}"

    def latest_monitoring(self, since: Any = None) -> dict[str, Any] | None:
        """The model's newest stored monitoring result, unless stored before *since*.

        A result older than the last retraining was already acted on; its alerts must not
        start the loop again.
        """
        from modelpact.ledger.monitoring import MonitoringStore

        latest = MonitoringStore(self.store).latest_result(self.model)
        if latest is None or (since is not None and latest.created_at < since):
            return None
        return latest.body


def _sortable_time(series: pd.Series, source: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return series
    parsed = pd.to_datetime(series, errors="coerce", utc=True, format="mixed")
    bad = parsed.isna() & series.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InvalidDataError(
            f"{source}: column '{series.name}' (the time column) holds {series.iloc[row]!r} at "
            f"row {row + 2}, which is not a time"
        )
    return parsed


@dataclass(frozen=True)
class TrainingWindow:
    """The labelled, time-ordered rows of one retraining, and everything the source held.

    ``rows`` are the labelled rows inside the window (the pact's ``retraining.window``);
    ``all_rows`` every row the source gave, time-ordered, for counting what is new since the
    last retraining; ``labelled`` marks which of them carry a label. ``times`` holds the
    comparable time values of ``all_rows`` (None without a time column).
    """

    rows: pd.DataFrame
    all_rows: pd.DataFrame
    times: pd.Series | None
    source: str
    labelled: np.ndarray[Any, np.dtype[np.bool_]]

    @property
    def n_labelled(self) -> int:
        """Labelled rows in the window."""
        return len(self.rows)

    def split(self, holdout_rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(train, holdout)``: the holdout is the newest *holdout_rows* labelled rows.

        Raises
        ------
        InvalidDataError
            When the holdout would leave fewer than 10 rows to train on.
        """
        n = len(self.rows)
        if holdout_rows < 1 or n - holdout_rows < 10:
            raise InvalidDataError(
                f"{self.source}: {n:,} labelled rows in the training window cannot hold a "
                f"holdout of {holdout_rows:,} rows and still leave rows to train on; give more "
                "data or set retraining.holdout_rows lower"
            )
        cut = n - holdout_rows
        return (
            self.rows.iloc[:cut].reset_index(drop=True),
            self.rows.iloc[cut:].reset_index(drop=True),
        )

    def watermark(self) -> Any:
        """The newest time seen in the source (a JSON-friendly value), or None."""
        if self.times is None or self.times.dropna().empty:
            return None
        value = self.times.dropna().iloc[-1]
        return value.isoformat() if hasattr(value, "isoformat") else value.item()

    def rows_after(self, watermark: Any, *, labelled: bool) -> int:
        """Rows (labelled ones only, with *labelled*) newer than *watermark*."""
        if self.times is None or watermark is None:
            return 0
        times = self.times
        bound: Any = watermark
        if pd.api.types.is_datetime64_any_dtype(times):
            bound = pd.Timestamp(watermark)
            if bound.tzinfo is None and getattr(times.dt, "tz", None) is not None:
                bound = bound.tz_localize("UTC")
        newer = (times > bound).to_numpy()
        if labelled:
            newer = newer & self.labelled
        return int(newer.sum())


def load_window(
    source: WindowSource, pact: Pact, window: RetrainWindow | None = None
) -> TrainingWindow:
    """Load, time-order and cut the training window from *source*.

    Parameters
    ----------
    source
        Where the rows come from.
    pact
        Supplies the target and time columns.
    window
        ``last`` period or ``last_rows``; default the pact's ``retraining.window``.
    """
    name = source.describe()
    frame = source.load()
    require_columns(frame, [pact.columns.target], source=name, role="target")
    window = window or (pact.retraining.window if pact.retraining else RetrainWindow())
    times: pd.Series | None = None
    time = pact.columns.time or getattr(source, "time_column", None)
    if time is not None and time in frame.columns:
        times = _sortable_time(frame[time], name)
        order = np.argsort(times.to_numpy(), kind="stable")
        frame = frame.iloc[order].reset_index(drop=True)
        times = times.iloc[order].reset_index(drop=True)
    elif window.last is not None:
        raise InvalidDataError(
            f"{name}: no column '{time}' (the pact's time column), which retraining.window.last "
            "needs"
        )
    labelled = frame[pact.columns.target].notna().to_numpy()
    keep = labelled.copy()
    if window.last is not None and times is not None:
        newest = times.dropna().iloc[-1]
        seconds = period_seconds(window.last)
        if pd.api.types.is_datetime64_any_dtype(times):
            start = newest - pd.Timedelta(seconds=seconds)
        else:
            start = newest - seconds  # numeric times are taken to count seconds
        keep &= (times >= start).to_numpy()
    rows = frame.loc[keep]
    if rows[pact.columns.target].dtype == object:
        # labels that were JSON values beside missing ones (captured feedback): once the
        # missing are gone, integer classes are integers again, not floats
        rows = rows.assign(**{pact.columns.target: rows[pact.columns.target].infer_objects()})
    if window.last_rows is not None:
        rows = rows.iloc[-window.last_rows :]
    if rows.empty:
        raise InvalidDataError(f"{name}: no labelled rows in the training window")
    return TrainingWindow(
        rows=rows.reset_index(drop=True),
        all_rows=frame,
        times=times,
        source=name,
        labelled=labelled,
    )
