"""Benchmark: the full data audit on 1,000,000 rows x 30 mixed columns, beside Deepchecks.

Synthesises a seeded table (numbers, counts, heavy tails, categories up to 1,000 levels,
booleans, a timestamp, gaps, 0.5% duplicate rows, 2% flipped labels, a train/test split
column), writes it to Parquet, then runs in separate subprocesses (so peak memory is each
run's own maximum resident set size):

* ``modelpact audit`` (every check: the split column gives train/test, the timestamp drives
  temporal drift);
* Deepchecks' ``data_integrity`` + ``train_test_validation`` suites on the same data, in the
  virtual environment ``--peer-venv`` (Deepchecks needs older NumPy/pandas/scikit-learn than
  modelpact, so it cannot share modelpact's environment). When the peer would take too long
  at full size it runs on ``--peer-rows`` rows and its time is extrapolated linearly, which
  flatters the peer (several of its checks are superlinear).

Usage::

    python benchmarks/bench_audit.py                      # 1M rows, peer on 100k, extrapolated
    python benchmarks/bench_audit.py --rows 200000 --peer-rows 200000

Run by hand; never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def synthesize(n: int, seed: int = 0) -> pd.DataFrame:
    """A seeded 30-column table with a learnable binary target and a few real problems."""
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {}
    for i in range(10):
        cols[f"num_{i}"] = rng.normal(loc=i, scale=1 + i / 5, size=n)
    for i in range(4):
        cols[f"amount_{i}"] = np.round(rng.lognormal(mean=3, sigma=1.2, size=n), 2)
    for i in range(3):
        cols[f"count_{i}"] = rng.poisson(lam=2 + i, size=n)
    cards = [3, 5, 12, 30, 100, 400, 1000]
    for i, k in enumerate(cards):
        levels = np.array([f"c{i}_{j}" for j in range(k)], dtype=object)
        weights = 1 / np.arange(1, k + 1)
        cols[f"cat_{i}"] = levels[rng.choice(k, size=n, p=weights / weights.sum())]
    cols["flag_0"] = rng.random(n) < 0.3
    cols["flag_1"] = rng.random(n) < 0.05
    start = np.datetime64("2024-01-01T00:00:00")
    cols["event_time"] = start + np.sort(rng.integers(0, 365 * 86_400, size=n)).astype("timedelta64[s]")
    cols["customer_id"] = np.char.add("cust-", rng.permutation(n).astype(str)).astype(object)
    frame = pd.DataFrame(cols)
    # gaps in a few columns
    for c in ("num_3", "amount_1", "cat_2"):
        frame.loc[rng.random(n) < 0.05, c] = np.nan
    # slow drift over the year in one feature
    frame["num_5"] += np.linspace(0, 1.5, n)
    logit = (0.8 * frame["num_0"] - 0.5 * (frame["num_1"] - 1) + 0.3 * np.log1p(frame["amount_0"])
             - 0.4 * frame["count_0"] + 0.9 * (frame["cat_0"] == "c0_0") + 0.6 * frame["flag_0"]
             - 2.0)
    y = rng.random(n) < 1 / (1 + np.exp(-logit.fillna(0).to_numpy()))
    flip = rng.random(n) < 0.02
    frame["target"] = np.where(y ^ flip, "yes", "no")
    frame["split"] = np.where(rng.random(n) < 0.2, "test", "train")
    # 0.5% exact duplicate rows
    dup = rng.choice(n, size=n // 200, replace=False)
    frame.iloc[dup[: len(dup) // 2]] = frame.iloc[dup[len(dup) // 2:]].to_numpy()
    assert frame.shape[1] == 30, frame.shape
    return frame


def _child(code: str, python: str, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run *code* in a fresh interpreter; return its wall time and peak RSS (GB)."""
    wrapper = (
        "import resource, time, json\n"
        "t0 = time.perf_counter()\n" + code + "\n"
        "wall = time.perf_counter() - t0\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024\n"
        "print('__BENCH__' + json.dumps({'seconds': wall, 'peak_gb': peak}))\n"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([python, "-c", wrapper], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=False)
    del before
    line = next((x for x in proc.stdout.splitlines() if x.startswith("__BENCH__")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"benchmark child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(line[len("__BENCH__"):])  # type: ignore[no-any-return]


MODELPACT = """
from modelpact.audit import audit
result = audit({path!r}, target="target", split_column="split", time_column="event_time", seed=0)
print("verdict", result.verdict, len(result.findings), "findings")
"""

DEEPCHECKS = """
import warnings
warnings.filterwarnings("ignore")
import pandas as pd
from deepchecks.tabular import Dataset
from deepchecks.tabular.suites import data_integrity, train_test_validation
frame = pd.read_parquet({path!r})
cats = [c for c in frame.columns if c.startswith(("cat_", "flag_"))]
train = frame[frame["split"] == "train"].drop(columns="split")
test = frame[frame["split"] == "test"].drop(columns="split")
kw = dict(label="target", cat_features=cats, datetime_name="event_time")
ds_train, ds_test = Dataset(train, **kw), Dataset(test, **kw)
r1 = data_integrity().run(ds_train)
r2 = train_test_validation().run(ds_train, ds_test)
print("deepchecks ran", len(r1.results) + len(r2.results), "checks")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--peer-rows", type=int, default=100_000)
    parser.add_argument("--peer-venv", default="/work/bench-venvs/deepchecks")
    parser.add_argument("--skip-peer", action="store_true")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench_audit_"))
    t = time.perf_counter()
    frame = synthesize(args.rows)
    path = workdir / "data.parquet"
    frame.to_parquet(path, index=False)
    peer_path = workdir / "peer.parquet"
    frame.iloc[: args.peer_rows].to_parquet(peer_path, index=False)
    print(f"synthesized {args.rows:,} x {frame.shape[1]} in {time.perf_counter() - t:.1f}s -> {path}")
    del frame

    ours = _child(MODELPACT.format(path=str(path)), sys.executable)
    print(f"modelpact audit      {args.rows:>9,} rows: {ours['seconds']:7.1f} s, "
          f"peak {ours['peak_gb']:.2f} GB")
    if args.skip_peer:
        return
    python = str(Path(args.peer_venv) / "bin" / "python")
    env = {"DO_NOT_TRACK": "1", "NML_DISABLE_USAGE_LOGGING": "1"}
    try:
        peer = _child(DEEPCHECKS.format(path=str(peer_path)), python, env)
    except (RuntimeError, FileNotFoundError) as exc:
        print(f"peer failed: {exc}")
        return
    scale = args.rows / args.peer_rows
    peer_full = peer["seconds"] * scale
    print(f"deepchecks suites    {args.peer_rows:>9,} rows: {peer['seconds']:7.1f} s, "
          f"peak {peer['peak_gb']:.2f} GB"
          + (f"; linear extrapolation to {args.rows:,}: {peer_full:.0f} s" if scale != 1 else ""))
    print(f"ratio (peer / modelpact, at {args.rows:,} rows): {peer_full / ours['seconds']:.1f}x")


if __name__ == "__main__":
    main()
