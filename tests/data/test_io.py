from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelpact.data import fingerprint_frame, load_frame, read_table, require_columns
from modelpact.errors import ColumnNotFoundError, InvalidDataError


def test_reads_csv_and_parquet_alike(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_parquet(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(
        read_table(tmp_path / "t.csv"), read_table(tmp_path / "t.parquet"), check_dtype=False
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "no such file"),
        ("t.xlsx", b"a,b\n1,2\n", "unsupported file type '.xlsx'"),
        ("empty.csv", b"a,b\n", "has a header but no rows"),
        ("blank.csv", b"", "cannot be parsed"),
        ("bad.parquet", b"not parquet", "cannot be read"),
    ],
)
def test_errors_name_the_file(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InvalidDataError, match=message) as info:
        read_table(path)
    assert str(path) in str(info.value)


def test_usecols_missing_suggests(tmp_path: Path) -> None:
    pd.DataFrame({"score": [0.1]}).to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(ColumnNotFoundError, match="did you mean 'score'"):
        read_table(tmp_path / "t.csv", columns=["scroe"])


def test_load_frame_accepts_frames_and_rejects_others() -> None:
    frame, source = load_frame(pd.DataFrame({"a": [1]}))
    assert source == "<DataFrame>" and len(frame) == 1
    with pytest.raises(InvalidDataError, match="cannot use an object of type list"):
        load_frame([1, 2, 3])


def test_require_columns_role() -> None:
    with pytest.raises(ColumnNotFoundError, match=r"x\.csv: no column 'y' \(the target\)"):
        require_columns(pd.DataFrame({"a": [1]}), ["y"], source="x.csv", role="target")


@given(
    st.lists(st.tuples(st.integers(-5, 5), st.text(max_size=3)), min_size=1, max_size=30),
    st.data(),
)
@settings(max_examples=60, deadline=None)
def test_fingerprint_changes_with_any_cell(
    rows: list[tuple[int, str]], data: st.DataObject
) -> None:
    frame = pd.DataFrame(rows, columns=["n", "s"])
    assert fingerprint_frame(frame) == fingerprint_frame(frame.copy())
    i = data.draw(st.integers(0, len(frame) - 1))
    changed = frame.copy()
    changed.loc[i, "n"] = int(changed.loc[i, "n"]) + 1
    assert fingerprint_frame(changed) != fingerprint_frame(frame)
    swapped = frame.rename(columns={"n": "s", "s": "n"})
    assert fingerprint_frame(swapped) != fingerprint_frame(frame)
