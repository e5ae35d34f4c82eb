"""Chunking by size, count and period, and the incomplete last chunk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modelpact.errors import ConfigurationError, InvalidDataError
from modelpact.monitor.chunking import make_chunks, parse_period


def test_size_chunks_cover_all_rows_and_flag_the_short_last_one():
    frame = pd.DataFrame({"x": np.arange(1030)})
    _, chunks = make_chunks(frame, size=250)
    assert [c.n_rows for c in chunks] == [250, 250, 250, 250, 30]
    assert [c.complete for c in chunks] == [True] * 4 + [False]
    assert [c.alertable for c in chunks] == [True] * 4 + [False]  # 30 < 0.5 * 250
    assert chunks[0].start == 0 and chunks[-1].stop == 1030


def test_count_chunks_are_nearly_equal():
    _, chunks = make_chunks(pd.DataFrame({"x": np.arange(103)}), count=10)
    sizes = [c.n_rows for c in chunks]
    assert len(chunks) == 10 and sum(sizes) == 103 and max(sizes) - min(sizes) <= 1


def test_period_chunks_follow_calendar_weeks_after_sorting_by_time():
    times = pd.date_range("2024-01-03", periods=24 * 20, freq="h")  # a Wednesday, 20 days
    frame = pd.DataFrame({"t": times[::-1], "x": np.arange(len(times))})
    ordered, chunks = make_chunks(frame, period="1w", time_column="t")
    assert ordered["t"].is_monotonic_increasing
    # Jan 3-22: 5 days of the first week, two whole weeks, one day of the fourth
    assert [c.key for c in chunks] == ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22"]
    assert [c.n_rows for c in chunks] == [24 * 5, 24 * 7, 24 * 7, 24]
    assert [c.alertable for c in chunks] == [True, True, True, False]


def test_period_chunks_by_month_and_a_thin_last_month_is_not_alertable():
    times = pd.to_datetime(["2024-01-05"] * 50 + ["2024-02-10"] * 60 + ["2024-03-01"] * 5)
    _, chunks = make_chunks(pd.DataFrame({"t": times}), period="1m", time_column="t")
    assert [c.key for c in chunks] == ["2024-01", "2024-02", "2024-03"]
    assert [c.alertable for c in chunks] == [True, True, False]


def test_period_needs_a_time_column():
    with pytest.raises(InvalidDataError, match="needs the pact's time column"):
        make_chunks(pd.DataFrame({"x": [1, 2]}), period="1w")


def test_bad_period_and_bad_timestamps_are_clear():
    with pytest.raises(ConfigurationError, match="'fortnight' is not understood"):
        parse_period("fortnight")
    with pytest.raises(InvalidDataError, match="time column 't' has values that are not"):
        make_chunks(pd.DataFrame({"t": ["2024-01-01", "soon"]}), period="1d", time_column="t")


def test_exactly_one_way_of_chunking():
    with pytest.raises(ConfigurationError, match="exactly one"):
        make_chunks(pd.DataFrame({"x": [1]}), size=1, count=1)
