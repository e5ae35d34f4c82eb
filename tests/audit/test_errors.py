"""Bad input: clear errors naming the file, column and problem."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from modelpact.audit import audit
from modelpact.errors import ColumnNotFoundError, ConfigurationError, InvalidDataError


def test_missing_target_suggests_closest(frame: pd.DataFrame) -> None:
    data = frame.rename(columns={"y": "label"})
    with pytest.raises(ColumnNotFoundError, match=r"no column 'lable' \(the target\); did you mean 'label'"):
        audit(data, target="lable")


def test_one_class_target(frame: pd.DataFrame) -> None:
    with pytest.raises(InvalidDataError, match="target column 'y' has one class only"):
        audit(frame.assign(y=1), target="y")


def test_time_column_that_is_not_a_time(frame: pd.DataFrame) -> None:
    with pytest.raises(InvalidDataError, match="time column 'cat' is not a time"):
        audit(frame, target="y", time_column="cat")


def test_unparseable_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"this is not parquet")
    with pytest.raises(InvalidDataError, match=r"bad\.parquet"):
        audit(bad, target="y")


def test_test_and_split_column_together(frame: pd.DataFrame) -> None:
    with pytest.raises(ConfigurationError, match="either a test table or a split column"):
        audit(frame, target="y", test=frame, split_column="cat")


def test_split_column_needs_two_values(frame: pd.DataFrame) -> None:
    with pytest.raises(InvalidDataError, match="split column 'cat' must hold exactly two values"):
        audit(frame, target="y", split_column="cat")


def test_split_column_takes_the_test_side(frame: pd.DataFrame) -> None:
    data = frame.assign(part=["test" if i % 4 == 0 else "train" for i in range(len(frame))])
    result = audit(data, target="y", split_column="part", checks=["split_drift"])
    assert result.n_test_rows == len(frame) // 4
    assert result.n_rows == len(frame) - len(frame) // 4
    assert "part" not in result.features
