"""Reading Parquet column by column gives exactly what pandas reads in one go."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from modelpact.data.io import read_table


def _mixed(n: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "x": rng.normal(size=n),
        "k": rng.integers(0, 5, size=n),
        "s": pd.Series(rng.choice(["a", "b", None], size=n), dtype="str"),
        "flag": rng.uniform(size=n) < 0.5,
        "when": pd.date_range("2024-01-01", periods=n, freq="h"),
        "cat": pd.Categorical(rng.choice(["u", "v"], size=n)),
        "nullable": pd.array([1, None] * (n // 2), dtype="Int64"),
    })
    frame.loc[3, "x"] = np.nan
    return frame


@pytest.mark.parametrize("index", ["default", "offset_range", "named"])
def test_same_frame_as_pandas(tmp_path, index):
    frame = _mixed()
    if index == "offset_range":
        frame.index = pd.RangeIndex(10, 10 + len(frame))
    elif index == "named":
        frame = frame.set_index("k")
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    pdt.assert_frame_equal(read_table(path), pd.read_parquet(path))
    pdt.assert_frame_equal(read_table(path, columns=["s", "x"]),
                           pd.read_parquet(path, columns=["s", "x"]))


def test_folder_of_files_still_reads(tmp_path):
    frame = _mixed()
    frame.iloc[:20].to_parquet(tmp_path / "a.parquet", index=False)
    frame.iloc[20:].to_parquet(tmp_path / "b.parquet", index=False)
    pdt.assert_frame_equal(read_table(tmp_path), pd.read_parquet(tmp_path))
