"""Benchmark: ``compare`` over 10 runs x 1,000,000 evaluation rows (Parquet prediction files).

There is no peer tool that computes a paired, multiplicity-adjusted leaderboard, so the
reference is the same leaderboard assembled by hand from scikit-learn metrics and
``scipy.stats.bootstrap`` (percentile intervals; ``paired=True`` for differences). Running it at
full size would take hours, so its cost per resample is measured on two subsamples, fitted
linearly in rows and **extrapolated** to the full size and resample count (an underestimate
for ROC AUC, whose cost grows as n log n).

Usage::

    python benchmarks/bench_compare.py                   # 10 runs x 1,000,000 rows
    python benchmarks/bench_compare.py --rows 100000     # quicker
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def make_runs(folder: Path, runs: int, rows: int, seed: int = 0) -> dict[str, Path]:
    """Prediction files of *runs* models of slowly increasing quality on the same rows."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, rows).astype(np.int8)
    latent = rng.normal(size=rows) + 1.0 * y
    paths = {}
    for k in range(runs):
        noise = 1.2 - 0.02 * k
        score = 1 / (1 + np.exp(-(latent + rng.normal(0, noise, rows) - 0.5)))
        frame = pd.DataFrame({"id": np.arange(rows, dtype=np.int64), "y": y, "p": score})
        path = folder / f"run{k:02d}.parquet"
        frame.to_parquet(path)
        paths[f"run{k:02d}"] = path
    return paths


METRICS = ["roc_auc", "log_loss", "brier", "accuracy", "f1"]


def time_modelpact(paths: dict[str, Path], resamples: int) -> tuple[float, object]:
    from modelpact.evaluate.compare import compare

    start = time.perf_counter()
    result = compare(
        paths, target="y", score="p", id="id", metrics=METRICS, n_resamples=resamples, seed=0
    )
    return time.perf_counter() - start, result


def time_reference(
    paths: dict[str, Path],
    sizes: tuple[int, int],
    resamples: int,
    full_rows: int,
    full_resamples: int,
) -> tuple[float, float]:
    """The same leaderboard with scikit-learn metrics + ``scipy.stats.bootstrap``, extrapolated.

    For each metric, one single-model interval and one paired-difference interval are timed
    at two subsample sizes; the cost per resample is fitted as ``a + b * rows`` and
    extrapolated to *full_rows* and *full_resamples*, times the number of intervals the
    leaderboard needs (runs + baseline single intervals; runs - 1 against the best and runs
    against the baseline). Returns (seconds spent measuring, extrapolated seconds).
    """
    from scipy.stats import bootstrap
    from sklearn.metrics import accuracy_score, brier_score_loss, f1_score, log_loss, roc_auc_score

    frames = [pd.read_parquet(v) for v in list(paths.values())[:2]]
    y_all = frames[0]["y"].to_numpy()
    a_all, b_all = frames[0]["p"].to_numpy(), frames[1]["p"].to_numpy()
    funcs = {
        "roc_auc": lambda t, p: roc_auc_score(t, p),
        "log_loss": lambda t, p: log_loss(t, p, labels=[0, 1]),
        "brier": lambda t, p: brier_score_loss(t, p),
        "accuracy": lambda t, p: accuracy_score(t, p >= 0.5),
        "f1": lambda t, p: f1_score(t, p >= 0.5, zero_division=0.0),
    }
    runs = len(paths)
    n_single, n_paired = runs + 1, (runs - 1) + runs
    rng = np.random.default_rng(0)
    measuring = time.perf_counter()
    total = 0.0
    for f in funcs.values():
        costs = []
        for n in sizes:
            take = rng.choice(y_all.size, n, replace=False)
            y, a, b = y_all[take], a_all[take], b_all[take]
            t = time.perf_counter()
            bootstrap(
                (y, a),
                f,
                paired=True,
                vectorized=False,
                n_resamples=resamples,
                method="percentile",
                random_state=rng,
            )
            single = (time.perf_counter() - t) / resamples
            t = time.perf_counter()
            bootstrap(
                (y, a, b),
                lambda t_, a_, b_, f=f: f(t_, a_) - f(t_, b_),
                paired=True,
                vectorized=False,
                n_resamples=resamples,
                method="percentile",
                random_state=rng,
            )
            paired = (time.perf_counter() - t) / resamples
            costs.append((single, paired))
        (s1, p1), (s2, p2) = costs
        n1, n2 = sizes
        slope_s, slope_p = (s2 - s1) / (n2 - n1), (p2 - p1) / (n2 - n1)
        single_full = max(s2 + slope_s * (full_rows - n2), s2)
        paired_full = max(p2 + slope_p * (full_rows - n2), p2)
        total += (n_single * single_full + n_paired * paired_full) * full_resamples
    return time.perf_counter() - measuring, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--reference-sizes", type=int, nargs=2, default=[20_000, 80_000])
    parser.add_argument("--reference-resamples", type=int, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        paths = make_runs(Path(tmp), args.runs, args.rows)
        print(
            f"wrote {args.runs} Parquet files x {args.rows:,} rows in {time.perf_counter() - t0:.1f}s"
        )
        seconds, result = time_modelpact(paths, args.resamples)
        board = result.board("roc_auc")  # type: ignore[attr-defined]
        print(
            f"modelpact compare: {seconds:.1f}s wall for {args.runs} runs x {args.rows:,} rows, "
            f"{len(METRICS)} metrics, {args.resamples} resamples where bootstrapped "
            f"(best {board.best}, {len(board.indistinguishable_from_best)} indistinguishable)"
        )
        methods = sorted(
            {e.method for b in result.boards for e in b.estimates}  # type: ignore[attr-defined]
            | {d.method for b in result.boards for d in b.vs_best}
        )  # type: ignore[attr-defined]
        print(f"  interval methods used: {', '.join(methods)}")
        measured, extrapolated = time_reference(
            paths,
            tuple(args.reference_sizes),
            args.reference_resamples,
            args.rows,
            args.resamples,
        )
        print(
            f"reference (scikit-learn + scipy.stats.bootstrap, percentile): cost per resample "
            f"measured on {args.reference_sizes[0]:,} and {args.reference_sizes[1]:,} rows "
            f"({args.reference_resamples} resamples each, {measured:.1f}s), fitted linearly in "
            f"rows and EXTRAPOLATED to {args.rows:,} rows x {args.resamples} resamples for the "
            f"same {len(METRICS)}-metric leaderboard: {extrapolated:,.0f}s "
            f"({extrapolated / 3600:.1f} h)"
        )
        print(f"ratio (extrapolated reference / modelpact): {extrapolated / seconds:,.0f}x")
        print(f"cpu count: {os.cpu_count()}")


if __name__ == "__main__":
    main()
