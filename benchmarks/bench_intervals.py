"""Speed of the interval engine at one million rows, against SciPy's bootstrap.

Times the intervals a verification of a binary model needs (ROC AUC by DeLong, F1 by the
count bootstrap, accuracy by Wilson, log loss by the CLT, a paired ROC AUC difference by
paired DeLong) and, in the same run, ``scipy.stats.bootstrap`` around scikit-learn's
``f1_score`` and ``roc_auc_score`` at the same number of resamples. SciPy's runs are timed on
a few resamples and extrapolated linearly (each resample is an independent metric call at
full n), which the output says. Also times the row-weight bootstraps, which have no
sufficient statistic and so cost O(resamples x rows): pr_auc, a bootstrapped roc_auc and the
one-vs-rest roc_auc_ovr of a three-class model.

Run from the repository root::

    .venv/bin/python benchmarks/bench_intervals.py            # 1,000,000 rows, 2,000 resamples
    .venv/bin/python benchmarks/bench_intervals.py --rows 100000 --scipy-resamples 20
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.stats import bootstrap as scipy_bootstrap
from scipy.stats import norm
from sklearn.metrics import f1_score, roc_auc_score

from modelpact.stats import Interval, metric_interval, paired_interval


class Timer:
    """Wall-clock and CPU seconds of named calls.

    On a shared machine wall time includes waiting for a core; CPU time does not.
    """

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}

    def __call__(self, func: Callable[[], Any], name: str) -> tuple[Any, float]:
        start, cpu = time.perf_counter(), time.process_time()
        out = func()
        self.cpu[name] = time.process_time() - cpu
        return out, time.perf_counter() - start


def make_data(n: int, seed: int) -> dict[str, Any]:
    """Binary labels (30% positive) and two correlated binormal models, AUC 0.85 and 0.83."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int64)
    e1, e2 = rng.normal(size=n), rng.normal(size=n)
    d_a, d_b = (np.sqrt(2.0) * norm.ppf(a) for a in (0.85, 0.83))
    score_a = d_a * y + e1
    score_b = d_b * y + 0.7 * e1 + np.sqrt(1 - 0.49) * e2
    proba = 1.0 / (1.0 + np.exp(-(score_a - 1.2)))
    return {
        "y": y,
        "proba": proba,
        "score_b": score_b,
        "label": (proba > 0.4).astype(np.int64),
    }


def make_multiclass(n: int, seed: int) -> tuple[Any, Any]:
    """Three classes (about 60/30/10%) with calibrated softmax probabilities."""
    rng = np.random.default_rng(seed + 1)
    logits = rng.normal(size=(n, 3)) * 1.5 + np.array([0.8, 0.0, -1.0])
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = (rng.random(n)[:, None] > np.cumsum(proba, axis=1)).sum(axis=1)
    return np.minimum(y, 2), proba


def row(name: str, cpu: float, seconds: float, iv: Interval | None = None, note: str = "") -> str:
    ci = f"{iv.estimate:.4f} [{iv.low:.4f}, {iv.high:.4f}]" if iv is not None else ""
    method = iv.method if iv is not None else ""
    return f"| {name} | {method} | {seconds:8.3f} | {cpu:8.3f} | {ci} | {note} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument(
        "--scipy-resamples",
        type=int,
        default=10,
        help="resamples actually run by scipy.stats.bootstrap (extrapolated)",
    )
    parser.add_argument(
        "--slow-resamples",
        type=int,
        default=None,
        help="resamples of the row-weight bootstraps (pr_auc, roc_auc, roc_auc_ovr; default: "
        "--resamples)",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n, b = args.rows, args.resamples
    d = make_data(n, args.seed)
    y, proba, label = d["y"], d["proba"], d["label"]
    timed = Timer()
    cpu_of = timed.cpu

    print(f"rows={n:,}  resamples={b:,}  (seconds; wall clock and CPU of this process)\n")
    print("| interval | method | wall s | CPU s | estimate [95% CI] | note |")
    print("|---|---|---:|---:|---|---|")
    engine: list[tuple[str, Callable[[], Interval]]] = [
        ("roc_auc", lambda: metric_interval("roc_auc", y, proba)),
        ("f1", lambda: metric_interval("f1", y, label, n_resamples=b)),
        ("accuracy", lambda: metric_interval("accuracy", y, label)),
        ("log_loss", lambda: metric_interval("log_loss", y, proba)),
        ("roc_auc A - B", lambda: paired_interval("roc_auc", y, proba, d["score_b"])),
    ]
    wall = cpu = 0.0
    for name, call in engine:
        iv, s = timed(call, name)
        wall += s
        cpu += cpu_of[name]
        print(row(name, cpu_of[name], s, iv))
    print(f"| **total (five intervals)** | | **{wall:.3f}** | **{cpu:.3f}** | | target < 5 s |")

    bp = args.slow_resamples or b
    iv, s = timed(lambda: metric_interval("pr_auc", y, proba, n_resamples=bp), "pr_auc")
    print(row("pr_auc", cpu_of["pr_auc"], s, iv, f"{bp:,} resamples, O(resamples x rows)"))
    # The like-for-like comparison with SciPy's bootstrap of roc_auc_score.
    iv, s = timed(
        lambda: metric_interval("roc_auc", y, proba, method="bootstrap", n_resamples=bp),
        "roc_auc bootstrap",
    )
    print(
        row(
            "roc_auc (bootstrap)",
            cpu_of["roc_auc bootstrap"],
            s,
            iv,
            f"{bp:,} resamples, not the default",
        )
    )

    mc_y, mc_proba = make_multiclass(n, args.seed)
    iv, s = timed(
        lambda: metric_interval("roc_auc_ovr", mc_y, mc_proba, n_resamples=bp), "roc_auc_ovr"
    )
    print(
        row(
            "roc_auc_ovr (3 classes)",
            cpu_of["roc_auc_ovr"],
            s,
            iv,
            f"{bp:,} resamples, one-vs-rest, O(resamples x rows)",
        )
    )

    # SciPy's bootstrap: percentile, because BCa's jackknife would need n more metric calls.
    k = args.scipy_resamples
    scipy_runs: list[tuple[str, Callable[[Any, Any], float], Any, list[str]]] = [
        ("f1", f1_score, label, ["f1"]),
        ("roc_auc", roc_auc_score, proba, ["roc_auc", "roc_auc bootstrap"]),
    ]
    print()
    print(
        "| scipy.stats.bootstrap + sklearn | resamples run | CPU s run | "
        f"CPU s extrapolated to {b:,} | modelpact | modelpact CPU s | speed-up (CPU) |"
    )
    print("|---|---:|---:|---:|---|---:|---:|")
    for name, func, pred, ours in scipy_runs:
        timed(
            lambda f=func, p=pred: scipy_bootstrap(  # type: ignore[misc]
                (y, p),
                f,
                paired=True,
                vectorized=False,
                n_resamples=k,
                method="percentile",
                random_state=np.random.default_rng(args.seed),
            ),
            "scipy " + name,
        )
        full = cpu_of["scipy " + name] * b / k
        for key in ours:
            mine = cpu_of[key] * (b / bp if key.endswith("bootstrap") else 1.0)
            print(
                f"| {name} ({func.__name__}) | {k} | {cpu_of['scipy ' + name]:.2f} | {full:,.0f} "
                f"| {key} | {mine:.3f} | {full / mine:,.0f}x |"
            )
    print(f"\nSciPy times are extrapolated linearly from {k} resamples to {b:,}.")
    print("roc_auc is compared both with modelpact's default (DeLong, analytic) and with")
    print("modelpact's own bootstrap of roc_auc (like for like).")


if __name__ == "__main__":
    main()
