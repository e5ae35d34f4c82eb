"""Benchmark: do the audit's learning-curve projections hold on data the audit never saw?

For ``adult-train.csv`` (scored on ``adult-test.csv``) and ``bank-marketing.csv`` (a seeded,
stratified 20% held out for scoring):

1. The rows are split once: an *audit pool* of 6,000 rows, from which the audited samples are
   drawn, and a *truth pool* with the rest, which the audits never see.
2. **Truth.** The audit's own quick model (same encoder, same settings) is trained on ``N``
   rows drawn from the truth pool, for ``N`` on a geometric grid up to the whole pool, five
   seeds each, and scored on the held-out test rows. The mean over seeds is the true
   learning curve; the *actual rows needed* for a threshold is where it first crosses it
   (log-linear interpolation between grid points).
3. **Projections.** Samples of 1,000 and 3,000 rows (several seeds) are audited with a pact
   whose thresholds lie between the true curve at the sample's size and at the full pool
   (``roc_auc``, ``accuracy``, ``recall``), plus ``roc_auc >= 0.90`` on adult.

It reports how often the projected interval of training rows contains the actual number,
how often the projection is bounded, and every "not reachable" claim (all thresholds are
reached by the full data, so each one would be false). ``--timing`` instead times the whole
audit on the synthetic 1,000,000-row table of ``bench_audit.py`` (wall and CPU seconds).

Usage::

    python benchmarks/bench_feasibility.py                     # 5 seeds per sample size
    python benchmarks/bench_feasibility.py --seeds 3 --cache /tmp/feas-truth
    python benchmarks/bench_feasibility.py --timing 1000000

Run by hand; never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from modelpact.audit import _models, audit
from modelpact.audit.checks.learnability import LearnabilityConfig
from modelpact.audit.context import prepare
from modelpact.pact import Pact
from modelpact.stats import get_metric

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "datasets"
METRICS = ("roc_auc", "accuracy", "recall")
FRACTIONS = (0.25, 0.5, 0.75, 0.9)
AUDIT_POOL = 6_000


def load(name: str) -> tuple[pd.DataFrame, pd.DataFrame, str, Any]:
    """(train, test, target, positive class) of a shared dataset."""
    if name == "adult":
        train = pd.read_csv(DATA / "adult-train.csv")
        test = pd.read_csv(DATA / "adult-test.csv")
        return train, test, "class", 1
    frame = pd.read_csv(DATA / "bank-marketing.csv")
    rng = np.random.default_rng(0)
    is_test = np.zeros(len(frame), dtype=bool)
    for value in frame["Class"].unique():
        members = np.flatnonzero(frame["Class"].to_numpy() == value)
        is_test[rng.choice(members, size=len(members) // 5, replace=False)] = True
    return frame[~is_test].reset_index(drop=True), frame[is_test].reset_index(drop=True), "Class", 2


def truth_curve(name: str, pool: pd.DataFrame, test: pd.DataFrame, target: str, positive: Any,
                seeds: int = 5) -> dict[str, Any]:
    """Mean test score of the quick model trained on N truth-pool rows, per metric."""
    both = pd.concat([pool, test], ignore_index=True)
    pact = Pact(name="truth", task="binary", positive_class=positive, columns={"target": target},
                criteria=[{"metric": "roc_auc", "at_least": 0.5}])
    ctx = prepare(both, source=name, target=target, pact=pact)
    X, y = ctx.X(np.arange(len(both))), ctx.y(np.arange(len(both))).astype(np.int64)
    pool_idx, test_idx = np.arange(len(pool)), np.arange(len(pool), len(both))
    sizes = np.unique(np.geomspace(250, len(pool), 16).round().astype(int))
    scores = {m: np.zeros((seeds, len(sizes))) for m in METRICS}
    for seed in range(seeds):
        order = np.random.default_rng(100 + seed).permutation(pool_idx)
        for j, n in enumerate(sizes):
            model = _models.quick_model("binary", ctx.encoder.categorical_mask, seed)
            model.fit(X[order[:n]], y[order[:n]])
            proba = model.predict_proba(X[test_idx])[:, 1]
            for m in METRICS:
                pred = proba if get_metric(m).input == "score" else (proba >= 0.5).astype(int)
                scores[m][seed, j] = get_metric(m).func(y[test_idx], pred)
    return {"sizes": sizes.tolist(), "mean": {m: v.mean(axis=0).tolist() for m, v in scores.items()},
            "sd": {m: v.std(axis=0, ddof=1).tolist() for m, v in scores.items()}}


def crossing(sizes: list[int], values: list[float], threshold: float) -> float:
    """Training rows where the (increasing) mean curve first reaches *threshold*; inf if never."""
    for j, v in enumerate(values):
        if v >= threshold:
            if j == 0:
                return float(sizes[0])
            v0, n0, n1 = values[j - 1], math.log(sizes[j - 1]), math.log(sizes[j])
            share = (threshold - v0) / (v - v0) if v > v0 else 1.0
            return float(math.exp(n0 + share * (n1 - n0)))
    return math.inf


def value_at(sizes: list[int], values: list[float], n: float) -> float:
    return float(np.interp(math.log(n), np.log(sizes), values))


def run_cases(name: str, truth: dict[str, Any], pool: pd.DataFrame, target: str, positive: Any,
              sample_sizes: list[int], seeds: int, level: float | None) -> list[dict[str, Any]]:
    sizes = truth["sizes"]
    rows: list[dict[str, Any]] = []
    for n in sample_sizes:
        train_rows = 0.8 * n  # the audit's curve ends at its 5-fold training size
        criteria: list[dict[str, Any]] = []
        for m in METRICS:
            lo, hi = value_at(sizes, truth["mean"][m], train_rows), truth["mean"][m][-1]
            for f in FRACTIONS:
                t = round(lo + f * (hi - lo), 3)
                if t > lo and t < hi and {"metric": m, "at_least": t} not in criteria:
                    criteria.append({"metric": m, "at_least": t})
        if name == "adult" and {"metric": "roc_auc", "at_least": 0.9} not in criteria:
            criteria.append({"metric": "roc_auc", "at_least": 0.9})
        pact = Pact(name=f"{name}-{n}", task="binary", positive_class=positive,
                    columns={"target": target}, criteria=criteria)
        for seed in range(seeds):
            sample = pool.sample(n, random_state=seed).reset_index(drop=True)
            t0, c0 = time.perf_counter(), time.process_time()
            result = audit(sample, pact=pact, checks=[LearnabilityConfig(level=level)], seed=seed)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            for row in result.learnability["criteria"]:
                actual = crossing(sizes, truth["mean"][row["metric"]], row["threshold"])
                rng_ = row.get("rows_needed_range") or [None, None]
                low = rng_[0] if rng_[0] is not None else math.inf
                high = rng_[1] if rng_[1] is not None else math.inf
                rows.append({
                    "dataset": name, "n": n, "seed": seed, "metric": row["metric"],
                    "threshold": row["threshold"], "status": row["status"], "actual": actual,
                    "low": low, "mid": row.get("rows_needed"), "high": high,
                    "verdict": result.verdict, "wall": wall, "cpu": cpu,
                    "message": row["message"],
                })
    return rows


def summarise(rows: list[dict[str, Any]]) -> str:
    frame = pd.DataFrame(rows)
    projected = frame[frame["status"].isin(["reachable", "needs_more_data", "cannot_tell"])]
    out = ["| dataset | sample | cases | met | projected | covered | bounded | bounded covered "
           "| median high/low (bounded) | not reachable (false) | borderline | audits NO-GO |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def line(label: str, n: str, f: pd.DataFrame) -> str:
        p = f[f["status"].isin(["reachable", "needs_more_data", "cannot_tell"])]
        covered = ((p["low"] <= p["actual"]) & (p["actual"] <= p["high"])).sum()
        bounded = p[np.isfinite(p["high"])]
        b_cov = ((bounded["low"] <= bounded["actual"]) & (bounded["actual"] <= bounded["high"])).sum()
        ratio = (bounded["high"] / bounded["low"].clip(lower=1)).median() if len(bounded) else float("nan")
        audits = f.drop_duplicates(["dataset", "n", "seed"])
        return (f"| {label} | {n} | {len(f)} | {(f['status'] == 'met').sum()} | {len(p)} | "
                f"{covered} ({covered / max(len(p), 1):.0%}) | {len(bounded)} | "
                f"{b_cov} ({b_cov / max(len(bounded), 1):.0%}) | {ratio:.1f} | "
                f"{(f['status'] == 'unreachable').sum()} | {(f['status'] == 'borderline').sum()} | "
                f"{(audits['verdict'] == 'no_go').sum()} of {len(audits)} |")

    for (d, n), f in frame.groupby(["dataset", "n"]):
        out.append(line(str(d), f"{int(n):,}", f))
    out.append(line("**all**", "", frame))
    del projected
    return "\n".join(out)


def timing(rows: int) -> None:
    """The whole audit on bench_audit.py's synthetic table: wall and CPU, and CPU per check."""
    sys.path.insert(0, str(HERE))
    from bench_audit import synthesize  # a sibling script, not a package

    path = Path(tempfile.mkdtemp(prefix="bench_feas_")) / "data.parquet"
    synthesize(rows).to_parquet(path, index=False)
    per_check: dict[str, float] = {}
    last: list[Any] = [None, time.process_time()]

    def progress(name: str, i: int, total: int) -> None:
        now = time.process_time()
        if last[0] is not None:
            per_check[last[0]] = round(now - last[1], 2)
        last[:] = [name, now]

    t0, c0 = time.perf_counter(), time.process_time()
    result = audit(str(path), target="target", split_column="split", time_column="event_time",
                   seed=0, progress=progress)
    print(f"audit of {rows:,} rows: {time.perf_counter() - t0:.1f} s wall, "
          f"{time.process_time() - c0:.1f} s CPU; verdict {result.verdict}")
    print("CPU seconds per check:", per_check)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--level", type=float, default=None,
                        help="projection interval level (default: the pact's confidence, 0.95)")
    parser.add_argument("--sizes", default="1000,3000")
    parser.add_argument("--datasets", default="adult,bank")
    parser.add_argument("--cache", default=None, help="directory to keep the truth curves in")
    parser.add_argument("--rows-out", default=None, help="write every case as JSON here")
    parser.add_argument("--timing", type=int, default=0, help="time the full audit on N rows")
    args = parser.parse_args()
    with threadpool_limits(1):
        if args.timing:
            timing(args.timing)
            return
        rows: list[dict[str, Any]] = []
        for name in args.datasets.split(","):
            train, test, target, positive = load(name)
            order = np.random.default_rng(7).permutation(len(train))
            pool = train.iloc[order[:AUDIT_POOL]].reset_index(drop=True)
            rest = train.iloc[order[AUDIT_POOL:]].reset_index(drop=True)
            cached = Path(args.cache) / f"{name}.json" if args.cache else None
            if cached is not None and cached.exists():
                truth = json.loads(cached.read_text())
            else:
                t = time.perf_counter()
                truth = truth_curve(name, rest, test, target, positive)
                print(f"{name}: truth curve in {time.perf_counter() - t:.0f} s", flush=True)
                if cached is not None:
                    cached.parent.mkdir(parents=True, exist_ok=True)
                    cached.write_text(json.dumps(truth))
            print(name, "truth at", truth["sizes"][-1], "rows:",
                  {m: round(v[-1], 4) for m, v in truth["mean"].items()}, flush=True)
            rows += run_cases(name, truth, pool, target, positive,
                              [int(s) for s in args.sizes.split(",")], args.seeds, args.level)
        if args.rows_out:
            Path(args.rows_out).write_text(json.dumps(rows, indent=1, default=float))
        print(summarise(rows))
        frame = pd.DataFrame(rows)
        print(f"audit time per sample: {frame.groupby(['dataset', 'n', 'seed'])['wall'].first().median():.1f} s "
              f"wall, {frame.groupby(['dataset', 'n', 'seed'])['cpu'].first().median():.1f} s CPU (median)")


if __name__ == "__main__":
    main()
