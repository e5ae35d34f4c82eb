"""Snapshots are keyed by content: same data, same fingerprint; any changed cell, another."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from modelpact.data import fingerprint_frame
from modelpact.ledger import open_store

cells = st.one_of(
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.text(max_size=5),
)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n_rows = draw(st.integers(1, 8))
    n_cols = draw(st.integers(1, 4))
    data = {}
    for j in range(n_cols):
        kind = draw(st.sampled_from(["int", "float", "str"]))
        if kind == "int":
            values = draw(st.lists(st.integers(-1000, 1000), min_size=n_rows, max_size=n_rows))
        elif kind == "float":
            values = draw(
                st.lists(
                    st.floats(allow_nan=False, allow_infinity=False, width=64),
                    min_size=n_rows,
                    max_size=n_rows,
                )
            )
        else:
            values = draw(st.lists(st.text(max_size=5), min_size=n_rows, max_size=n_rows))
        data[f"c{j}"] = values
    return pd.DataFrame(data)


@given(frame=frames())
def test_same_data_same_fingerprint(frame: pd.DataFrame) -> None:
    copy = pd.DataFrame({c: list(frame[c]) for c in frame.columns})
    copy.index = pd.RangeIndex(100, 100 + len(frame))  # the index is not data
    assert fingerprint_frame(copy) == fingerprint_frame(frame)


@given(frame=frames(), data=st.data())
def test_any_changed_cell_changes_the_fingerprint(frame: pd.DataFrame, data: st.DataObject) -> None:
    row = data.draw(st.integers(0, len(frame) - 1))
    col = data.draw(st.sampled_from(list(frame.columns)))
    old = frame.at[row, col]
    if isinstance(old, str):
        new: object = data.draw(st.text(max_size=5).filter(lambda v: v != old))
    elif isinstance(old, (int, np.integer)):
        new = data.draw(st.integers(-1000, 1000).filter(lambda v: v != old))
    else:
        new = data.draw(
            st.floats(allow_nan=False, allow_infinity=False, width=64).filter(
                lambda v: v != old and not (v == 0 and old == 0)
            )
        )
    changed = frame.copy()
    changed.at[row, col] = new
    assert fingerprint_frame(changed) != fingerprint_frame(frame)


def test_schema_is_part_of_the_fingerprint() -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    assert fingerprint_frame(frame) != fingerprint_frame(frame.rename(columns={"a": "z"}))
    assert fingerprint_frame(frame) != fingerprint_frame(frame.astype({"a": "float64"}))
    assert fingerprint_frame(frame) != fingerprint_frame(frame[["b", "a"]])
    assert fingerprint_frame(frame) != fingerprint_frame(frame.iloc[:1])


def test_the_store_keeps_one_snapshot_per_content(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'fp.db'}", root=tmp_path) as store:

        @settings(max_examples=25, deadline=None)
        @given(frame=frames())
        def check(frame: pd.DataFrame) -> None:
            first = store.log_dataset(frame, name="a", keep_rows=False)
            second = store.log_dataset(frame.copy(), name="b", keep_rows=False)
            assert first.id == second.id
            assert first.fingerprint == fingerprint_frame(frame)

        check()
