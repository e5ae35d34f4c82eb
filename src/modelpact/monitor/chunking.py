"""Cutting the analysis period into chunks: by size, by count, or by time period.

Chunks are consecutive row ranges of the analysis table in time order (sorted by the pact's
time column when it has one, else in file order), so profiles of all chunks come from one
vectorised pass (:func:`modelpact.monitor.profile.profile_ranges`).

The incomplete chunk
--------------------
Chunking by size leaves a last chunk with fewer rows; periods leave a partly covered first or
last period. Every chunk carries ``complete`` (it has the nominal number of rows: the chunk size,
or for periods and counts at least ``min_share`` of the median chunk) and ``alertable``. A chunk
with fewer than ``min_share`` (default 0.5) of the nominal rows is reported — its statistics and
thresholds are computed, thresholds being calibrated to its own size — but it raises no alert:
its estimates are too noisy to page anyone about, and the next run will see it whole.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from modelpact.errors import ConfigurationError, InvalidDataError

__all__ = ["Chunk", "make_chunks", "parse_period"]


@dataclass(frozen=True)
class Chunk:
    """One chunk: rows ``start:stop`` of the time-ordered analysis table."""

    index: int
    key: str
    start: int
    stop: int
    complete: bool
    alertable: bool
    start_time: str | None = None
    end_time: str | None = None

    @property
    def n_rows(self) -> int:
        """Rows in the chunk."""
        return self.stop - self.start

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"index": self.index, "key": self.key, "start_row": self.start,
                "stop_row": self.stop, "n_rows": self.n_rows, "complete": self.complete,
                "alertable": self.alertable, "start_time": self.start_time,
                "end_time": self.end_time}


_PERIOD = re.compile(r"^\s*(\d+)\s*(min|h|d|w|m|mo|q|y)\s*$", re.IGNORECASE)


def parse_period(text: str) -> tuple[int, str]:
    """Parse ``'1w'``, ``'7d'``, ``'12h'``, ``'1m'`` (month), ``'1q'``, ``'1y'``.

    Examples
    --------
    >>> parse_period("2w")
    (2, 'w')
    """
    match = _PERIOD.match(text)
    if not match or int(match.group(1)) < 1:
        raise ConfigurationError(
            f"chunk period '{text}' is not understood; use a count and a unit, e.g. 1w, 7d, "
            "12h, 30min, 1m (month), 1q, 1y")
    unit = match.group(2).lower()
    return int(match.group(1)), "m" if unit == "mo" else unit


def make_chunks(
    frame: pd.DataFrame,
    *,
    size: int | None = None,
    count: int | None = None,
    period: str | None = None,
    time_column: str | None = None,
    min_share: float = 0.5,
    source: str = "analysis",
) -> tuple[pd.DataFrame, list[Chunk]]:
    """Order *frame* in time and cut it into chunks; exactly one of size, count, period.

    Returns the ordered frame (index reset) and its chunks.

    Examples
    --------
    >>> f = pd.DataFrame({"x": range(25)})
    >>> _, chunks = make_chunks(f, size=10)
    >>> [(c.n_rows, c.complete, c.alertable) for c in chunks]
    [(10, True, True), (10, True, True), (5, False, True)]
    """
    given = [v is not None for v in (size, count, period)]
    if sum(given) != 1:
        raise ConfigurationError("give exactly one of chunk size, chunk count or chunk period")
    if len(frame) == 0:
        raise InvalidDataError(f"{source}: the table has no rows to monitor")
    times: pd.Series | None = None
    if time_column is not None and time_column in frame.columns:
        times = _parse_times(frame[time_column], time_column, source)
        order = np.argsort(times.to_numpy(), kind="stable")
        if not np.array_equal(order, np.arange(len(frame))):
            frame = frame.iloc[order]
            times = times.iloc[order]
        frame = _plain_index(frame)
        times = times.reset_index(drop=True)
    elif period is not None:
        raise InvalidDataError(
            f"{source}: chunking by period needs the pact's time column"
            + (f" '{time_column}', which is missing" if time_column else
               " (columns.time is not set)"))
    else:
        frame = _plain_index(frame)
    n = len(frame)
    if size is not None:
        if size < 1:
            raise ConfigurationError("chunk size must be at least 1")
        bounds = np.unique(np.r_[np.arange(0, n, size), n])
        nominal = float(size)
    elif count is not None:
        if count < 1:
            raise ConfigurationError("chunk count must be at least 1")
        bounds = np.unique(np.linspace(0, n, min(count, n) + 1).round().astype(np.int64))
        nominal = float(np.ceil(n / min(count, n)))
    else:
        assert times is not None and period is not None
        steps, namer = _period_steps(times, period)
        change = np.flatnonzero(steps[1:] != steps[:-1]) + 1
        bounds = np.r_[0, change, n]
        nominal = float(np.median(np.diff(bounds)))
    chunks: list[Chunk] = []
    for i, (start, stop) in enumerate(itertools.pairwise(bounds)):
        rows = int(stop - start)
        complete = rows >= nominal if size is not None else rows >= min_share * nominal
        t0 = t1 = None
        if times is not None:
            t0, t1 = str(times.iloc[start]), str(times.iloc[stop - 1])
        if period is not None and times is not None:
            key = namer(int(steps[start]))
        elif times is not None:
            key = f"{t0} – {t1}"
        else:
            key = f"rows {start}–{stop - 1}"
        chunks.append(Chunk(i, key, int(start), int(stop), bool(complete),
                            bool(rows >= min_share * nominal), t0, t1))
    return frame, chunks


def _plain_index(frame: pd.DataFrame) -> pd.DataFrame:
    # chunks are positions; a frame already indexed 0..n-1 is not copied (1M rows: 100s of MB)
    index = frame.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return frame
    return frame.reset_index(drop=True)


def _parse_times(series: pd.Series, column: str, source: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series.dtype) or pd.api.types.is_numeric_dtype(
            series.dtype):
        parsed = series if not pd.api.types.is_object_dtype(series.dtype) else None
    else:
        parsed = None
    if parsed is None:
        try:
            parsed = pd.to_datetime(series, errors="raise", format="mixed")
        except (ValueError, TypeError) as exc:
            raise InvalidDataError(
                f"{source}: time column '{column}' has values that are not timestamps ({exc})"
            ) from None
    if parsed.isna().any():
        row = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise InvalidDataError(f"{source}: time column '{column}' is empty at row {row}")
    return parsed


def _period_steps(times: pd.Series, period: str) -> tuple[np.ndarray[Any, Any], Any]:
    # integer period number of every row, and a function naming a period from its number
    amount, unit = parse_period(period)
    if not pd.api.types.is_datetime64_any_dtype(times.dtype):
        raise InvalidDataError("chunking by period needs a time column of timestamps")
    if unit in ("m", "q", "y"):
        freq = {"m": "M", "q": "Q", "y": "Y"}[unit]
        ordinals = pd.PeriodIndex(times.dt.to_period(freq)).asi8
        base = int(ordinals.min())
        steps = (ordinals - base) // amount

        def name(step: int) -> str:
            return str(pd.Period(ordinal=base + step * amount, freq=freq))

        return steps, name
    delta = pd.Timedelta(minutes=amount * {"min": 1, "h": 60, "d": 1440, "w": 10080}[unit])
    origin = times.min().normalize()
    if unit == "w":
        origin -= pd.Timedelta(days=origin.weekday())  # weeks start on Monday
    steps = ((times - origin) // delta).to_numpy()

    def name_t(step: int) -> str:
        start = origin + step * delta
        return str(start.date()) if unit in ("d", "w") else str(start)

    return steps, name_t
