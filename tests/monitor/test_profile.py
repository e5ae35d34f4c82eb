"""Mergeable profiles: merge equals profiling the concatenation, against a NumPy reference."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelpact.errors import InvalidDataError
from modelpact.monitor.profile import (
    CategoricalProfile,
    NumericProfile,
    ProfileSpec,
    ReferenceProfile,
    profile_frame,
    profile_ranges,
)

REF = pd.DataFrame({
    "x": np.random.default_rng(0).normal(size=500),
    "c": np.random.default_rng(1).choice(["a", "b", "c"], size=500),
})
SPEC = ProfileSpec.from_reference(REF, ["x", "c"], n_bins=16)

values = st.lists(
    st.one_of(st.floats(-5, 5, allow_nan=False), st.just(math.nan), st.just(math.inf)),
    min_size=0, max_size=60)
cats = st.lists(st.one_of(st.sampled_from(["a", "b", "c", "zz", "q"]), st.none()),
                min_size=0, max_size=60)


def _frame(xs: list[float], cs: list[str | None]) -> pd.DataFrame:
    n = min(len(xs), len(cs))
    return pd.DataFrame({"x": np.asarray(xs[:n], dtype=float),
                         "c": pd.Series(cs[:n], dtype=object)})


def _numpy_numeric(x: np.ndarray, edges: np.ndarray) -> dict[str, object]:
    """Independent reference: np.histogram on edges extended by +-inf."""
    ok = x[np.isfinite(x)]
    full = np.concatenate([[-np.inf], edges, [np.inf]])
    counts, _ = np.histogram(ok, bins=full)
    sums, _ = np.histogram(ok, bins=full, weights=ok)
    return {"counts": counts, "sums": sums, "missing": int((~np.isfinite(x)).sum()), "n": ok.size,
            "mean": ok.mean() if ok.size else math.nan,
            "m2": ((ok - ok.mean()) ** 2).sum() if ok.size else 0.0,
            "min": ok.min() if ok.size else math.nan, "max": ok.max() if ok.size else math.nan}


def _assert_numeric_equal(p: NumericProfile, ref: dict[str, object]) -> None:
    np.testing.assert_array_equal(p.counts, ref["counts"])
    assert p.missing == ref["missing"]
    assert p.n == ref["n"]
    np.testing.assert_allclose([p.mean, p.m2], [ref["mean"], ref["m2"]], rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal([p.min, p.max], [ref["min"], ref["max"]])


@settings(max_examples=60, deadline=None)
@given(values, cats, values, cats)
def test_merge_equals_profile_of_concatenation(xa, ca, xb, cb):
    a, b = _frame(xa, ca), _frame(xb, cb)
    both = pd.concat([a, b], ignore_index=True)
    merged = profile_frame(SPEC, a).merge(profile_frame(SPEC, b))
    whole = profile_frame(SPEC, both)
    assert merged.n_rows == whole.n_rows == len(both)
    ref = _numpy_numeric(both["x"].to_numpy(), SPEC.numeric["x"])
    _assert_numeric_equal(merged.columns["x"], ref)  # type: ignore[arg-type]
    _assert_numeric_equal(whole.columns["x"], ref)  # type: ignore[arg-type]
    # categorical: counts per reference category, then everything unseen, plus missing
    col = both["c"]
    expected = [int((col == k).sum()) for k in SPEC.categorical["c"]]
    expected.append(int((col.notna() & ~col.isin(SPEC.categorical["c"])).sum()))
    for p in (merged.columns["c"], whole.columns["c"]):
        assert isinstance(p, CategoricalProfile)
        assert p.counts.tolist() == expected
        assert p.missing == int(col.isna().sum())


@settings(max_examples=30, deadline=None)
@given(values, values, values)
def test_merge_is_associative(xa, xb, xc):
    pa, pb, pc = (profile_frame(SPEC, pd.DataFrame({"x": np.asarray(v, dtype=float)}))
                  for v in (xa, xb, xc))
    left = pa.merge(pb).merge(pc).columns["x"]
    right = pa.merge(pb.merge(pc)).columns["x"]
    assert isinstance(left, NumericProfile) and isinstance(right, NumericProfile)
    np.testing.assert_array_equal(left.counts, right.counts)
    np.testing.assert_allclose(left.sums, right.sums, rtol=1e-9, atol=1e-9)
    assert (left.n, left.missing) == (right.n, right.missing)
    np.testing.assert_allclose([left.mean, left.m2], [right.mean, right.m2],
                               rtol=1e-9, atol=1e-9, equal_nan=True)


def test_ranges_equal_separate_profiles_and_subtract_inverts_merge():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x": rng.normal(size=1000), "c": rng.choice(list("abcd"), 1000)})
    bounds = np.array([0, 100, 100, 450, 1000])  # includes an empty range
    parts = profile_ranges(SPEC, frame, bounds)
    for p, (s, e) in zip(parts, itertools.pairwise(bounds), strict=True):
        single = profile_frame(SPEC, frame.iloc[s:e]) if e > s else None
        if single is None:
            assert p.n_rows == 0
            continue
        np.testing.assert_array_equal(p.columns["x"].counts, single.columns["x"].counts)
        assert p.columns["x"].mean == pytest.approx(single.columns["x"].mean)
    total = parts[0].merge(parts[2]).merge(parts[3])
    rest = total.subtract(parts[2])
    again = parts[0].merge(parts[3])
    np.testing.assert_array_equal(rest.columns["c"].counts, again.columns["c"].counts)
    assert rest.columns["x"].mean == pytest.approx(again.columns["x"].mean)
    assert rest.columns["x"].m2 == pytest.approx(again.columns["x"].m2)


def test_quantile_sketch_within_documented_bound():
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"x": rng.gamma(2.0, size=20000)})
    spec = ProfileSpec.from_reference(ref, ["x"], n_bins=128)
    data = rng.gamma(2.0, size=5000)
    p = profile_frame(spec, pd.DataFrame({"x": data})).columns["x"]
    assert isinstance(p, NumericProfile)
    edges = spec.numeric["x"]
    grid = np.concatenate([[p.min], edges, [p.max]])
    for q in (0.01, 0.1, 0.5, 0.9, 0.99):
        est = p.quantile(q, edges)
        exact = float(np.quantile(data, q))
        i = int(np.searchsorted(grid, exact, side="right")) - 1
        width = grid[min(i + 1, grid.size - 1)] - grid[max(i, 0)]
        assert abs(est - exact) <= width + 1e-12, q


def test_reference_profile_round_trips_through_json(tmp_path):
    ref = ReferenceProfile.from_frame(REF, SPEC, n_chunks=5)
    path = ref.save(tmp_path / "ref.json")
    back = ReferenceProfile.load(path)
    assert back.to_dict() == ref.to_dict()
    assert len(back.chunks) == 5
    merged = back.chunks[0]
    for c in back.chunks[1:]:
        merged = merged.merge(c)
    np.testing.assert_array_equal(merged.columns["x"].counts, back.total.columns["x"].counts)


def test_reference_profile_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "other"}')
    with pytest.raises(InvalidDataError, match=r"bad\.json: not a modelpact reference profile"):
        ReferenceProfile.load(bad)
    with pytest.raises(InvalidDataError, match="not found"):
        ReferenceProfile.load(tmp_path / "nope.json")


def test_integer_and_float_categories_match():
    spec = ProfileSpec.from_reference(pd.DataFrame({"k": [1, 2, 2, 3]}), ["k"],
                                      categorical=["k"])
    p = profile_frame(spec, pd.DataFrame({"k": [2.0, 3.0, np.nan, 7.0]})).columns["k"]
    assert isinstance(p, CategoricalProfile)
    assert p.counts.tolist() == [1, 0, 1, 1]  # order: 2 (most frequent), 1, 3, unseen
    assert p.missing == 1


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=400),
       st.lists(st.floats(-2e6, 2e6, allow_nan=False), min_size=0, max_size=400),
       st.integers(16, 200))
def test_bin_index_equals_binary_search(reference, values, n_edges):
    from modelpact.monitor.profile import bin_index

    edges = np.unique(np.quantile(np.asarray(reference), np.linspace(0, 1, n_edges)))
    x = np.concatenate([np.asarray(values, dtype=float), edges, np.nextafter(edges, -np.inf)])
    np.testing.assert_array_equal(bin_index(x, edges), np.searchsorted(edges, x, side="right"))


def test_bin_index_fast_path_on_large_skewed_data():
    from modelpact.monitor.profile import bin_index

    rng = np.random.default_rng(5)
    for sample in (rng.lognormal(size=50_000), rng.normal(size=50_000),
                   rng.poisson(3, size=50_000).astype(float)):
        edges = np.unique(np.quantile(sample[:5000], np.linspace(0, 1, 129)[1:-1]))
        np.testing.assert_array_equal(bin_index(sample, edges),
                                      np.searchsorted(edges, sample, side="right"))


def test_ranges_spanning_many_blocks_equal_a_numpy_reference():
    # long ranges are streamed block by block: counts, moments and extremes must not depend
    # on where the blocks fall, nor on missing values or infinities straddling them
    from modelpact.monitor.profiling import BLOCK_ROWS

    rng = np.random.default_rng(11)
    n = 3 * BLOCK_ROWS + 17
    x = rng.lognormal(3.0, 1.0, size=n)
    x[rng.choice(n, 500, replace=False)] = np.nan
    x[[0, BLOCK_ROWS - 1, BLOCK_ROWS, n - 1]] = [np.inf, np.nan, -np.inf, np.nan]
    x[2 * BLOCK_ROWS:2 * BLOCK_ROWS + BLOCK_ROWS] = np.nan  # a block with no value at all
    ref = pd.DataFrame({"x": rng.lognormal(3.0, 1.0, size=5000)})
    spec = ProfileSpec.from_reference(ref, ["x"])
    bounds = np.array([0, 5, BLOCK_ROWS + 3, n], dtype=np.int64)
    parts = profile_ranges(spec, pd.DataFrame({"x": x}), bounds)
    for (lo, hi), part in zip(itertools.pairwise(bounds), parts, strict=True):
        _assert_numeric_equal(part.columns["x"],  # type: ignore[arg-type]
                              _numpy_numeric(x[lo:hi], spec.numeric["x"]))
        np.testing.assert_allclose(part.columns["x"].sums,  # type: ignore[union-attr]
                                   _numpy_numeric(x[lo:hi], spec.numeric["x"])["sums"],
                                   rtol=1e-9)


@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]", "string[python]", "category"])
def test_categorical_profiles_equal_whatever_the_string_storage(dtype):
    # Arrow-backed strings take a set lookup instead of a factorisation: same counts
    rng = np.random.default_rng(12)
    values = rng.choice(["a", "b", "c", "zz", "q"], size=3 * 70_000).astype(object)
    values[rng.choice(values.size, 999, replace=False)] = None
    frame = pd.DataFrame({"c": pd.Series(values, dtype=object)})
    typed = pd.DataFrame({"c": frame["c"].astype(dtype)})
    bounds = np.array([0, 1, 100_000, values.size], dtype=np.int64)
    expected = profile_ranges(SPEC, frame, bounds)
    got = profile_ranges(SPEC, typed, bounds)
    for (lo, hi), e, g in zip(itertools.pairwise(bounds), expected, got, strict=True):
        col = pd.Series(values[lo:hi])
        counts = [int((col == k).sum()) for k in SPEC.categorical["c"]]
        counts.append(int((col.notna() & ~col.isin(SPEC.categorical["c"])).sum()))
        for p in (e.columns["c"], g.columns["c"]):
            assert isinstance(p, CategoricalProfile)
            assert p.counts.tolist() == counts
            assert p.missing == int(col.isna().sum())


def test_threaded_profiles_equal_single_threaded_ones(monkeypatch):
    # the thread pool only overlaps columns: same profiles, gathered in the spec's order
    from modelpact.engines import LocalEngine
    from modelpact.monitor import profiling

    monkeypatch.setattr(profiling, "_THREADS_FROM_CELLS", 0)  # thread even this small table

    rng = np.random.default_rng(13)
    n = 120_000
    frame = pd.DataFrame({f"x{i}": rng.lognormal(size=n) for i in range(4)}
                         | {"c": rng.choice(list("abcq"), size=n)})
    spec = ProfileSpec.from_reference(frame.iloc[:5000], list(frame.columns))
    bounds = np.array([0, 7, 60_000, n], dtype=np.int64)
    one = LocalEngine().profile_ranges(spec, frame, bounds)
    four = LocalEngine(threads=4).profile_ranges(spec, frame, bounds)
    assert len(one) == len(four) == 3
    for a, b in zip(one, four, strict=True):
        assert list(a.columns) == list(b.columns) == spec.columns
        for name in spec.columns:
            assert a.columns[name].to_dict() == b.columns[name].to_dict()
    with pytest.raises(ValueError, match="at least 1"):
        LocalEngine(threads=0)
