"""Coverage of modelpact's 95% intervals, by simulation from scenarios with known truth.

For each scenario (a metric, its interval method and a data-generating process whose
population value of the metric is known in closed form or by quadrature) and each n in
{100, 1000, 10000}, draws ``--reps`` evaluation sets, computes the interval on each and
reports the share that covers the true value (target 93.5-96.5%; with 1000 repetitions the
Monte Carlo standard error of a coverage of 95% is 0.7 points) and the mean width.

Run from the repository root (two worker processes; see RESULTS.md for the time)::

    .venv/bin/python benchmarks/coverage.py
    .venv/bin/python benchmarks/coverage.py --reps 200 --sizes 100 1000   # quick look

Bootstraps whose resamples touch every row (pr_auc, ece, r2, median_ae) use
``--kernel-resamples`` (500 by default) instead of 2000 to keep the run short: fewer
resamples add Monte Carlo noise to each bound but do not bias coverage much. Bootstraps on
confusion counts (f1, f1_macro) use 2000.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.progress import Progress
from scipy.integrate import quad
from scipy.stats import norm

from modelpact.stats import Interval, metric_interval, paired_interval

Draw = Callable[[np.random.Generator, int], tuple[Any, ...]]


@dataclass(frozen=True)
class Scenario:
    label: str
    metric: str
    truth: float
    draw: Draw
    kernel: bool = False  # bootstrap over row weights: use the reduced resample count
    paired: bool = False


def binormal(auc: float, prevalence: float) -> Draw:
    d = math.sqrt(2.0) * norm.ppf(auc)

    def draw(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
        y = (rng.random(n) < prevalence).astype(np.int64)
        return y, d * y + rng.normal(size=n)

    return draw


def binormal_ap(auc: float, prevalence: float) -> float:
    """Population average precision of a binormal score: E_pos[precision at own score]."""
    d = math.sqrt(2.0) * norm.ppf(auc)

    def precision(s: float) -> float:
        tpr, fpr = norm.sf(s - d), norm.sf(s)
        return prevalence * tpr / (prevalence * tpr + (1 - prevalence) * fpr)

    return quad(lambda s: precision(s) * norm.pdf(s - d), d - 12, d + 12, limit=200)[0]


def calibrated(shift: float = 0.0) -> Draw:
    """Probabilities p ~ U(0.05, 0.90); outcomes ~ Bernoulli(p + shift)."""

    def draw(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
        p = rng.uniform(0.05, 0.90, n)
        return (rng.random(n) < p + shift).astype(np.int64), p

    return draw


def labels(prevalence: float, recall: float, fpr: float) -> Draw:
    def draw(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
        y = (rng.random(n) < prevalence).astype(np.int64)
        hit = np.where(y == 1, rng.random(n) < recall, rng.random(n) < fpr)
        return y, hit.astype(np.int64)

    return draw


def regression(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
    y = rng.normal(0.0, 2.0, n)
    return y, y + rng.normal(0.0, 1.0, n)


def multiclass(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
    """Three balanced classes, 70% right, errors spread evenly: every per-class F1 is 0.7."""
    y = rng.integers(0, 3, n)
    wrong = (y + rng.integers(1, 3, n)) % 3
    return y, np.where(rng.random(n) < 0.7, y, wrong)


def paired_auc(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
    d_a, d_b = (math.sqrt(2.0) * norm.ppf(a) for a in (0.80, 0.75))
    y = (rng.random(n) < 0.4).astype(np.int64)
    e1, e2 = rng.normal(size=n), rng.normal(size=n)
    return y, d_a * y + e1, d_b * y + 0.6 * e1 + 0.8 * e2


def paired_accuracy(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
    y = rng.integers(0, 2, n)
    u = rng.random(n)
    ok_a, ok_b = u < 0.85, (u < 0.75) | ((u >= 0.85) & (u < 0.90))
    return y, np.where(ok_a, y, 1 - y), np.where(ok_b, y, 1 - y)


def entropy(p: float) -> float:
    return -(p * math.log(p) + (1 - p) * math.log(1 - p))


def scenarios() -> list[Scenario]:
    f1_tp, f1_fn, f1_fp = 0.3 * 0.7, 0.3 * 0.3, 0.7 * 0.1
    return [
        Scenario("accuracy (Wilson)", "accuracy", 0.8 * 0.3 + 0.9 * 0.7, labels(0.3, 0.8, 0.1)),
        Scenario("recall (Wilson), prevalence 0.3", "recall", 0.7, labels(0.3, 0.7, 0.1)),
        Scenario("roc_auc (DeLong, logit), AUC 0.80", "roc_auc", 0.80, binormal(0.80, 0.3)),
        Scenario("roc_auc (DeLong, logit), AUC 0.95", "roc_auc", 0.95, binormal(0.95, 0.3)),
        Scenario("log_loss (CLT)", "log_loss", quad(entropy, 0.05, 0.90)[0] / 0.85, calibrated()),
        Scenario(
            "brier (CLT)", "brier", quad(lambda p: p * (1 - p), 0.05, 0.90)[0] / 0.85, calibrated()
        ),
        Scenario("mae (CLT)", "mae", math.sqrt(2.0 / math.pi), regression),
        Scenario("rmse (CLT, delta method)", "rmse", 1.0, regression),
        Scenario(
            "f1 (bootstrap BCa)",
            "f1",
            2 * f1_tp / (2 * f1_tp + f1_fp + f1_fn),
            labels(0.3, 0.7, 0.1),
        ),
        Scenario("f1_macro, 3 classes (bootstrap BCa)", "f1_macro", 0.7, multiclass),
        Scenario(
            "pr_auc (bootstrap BCa), AUC 0.80",
            "pr_auc",
            binormal_ap(0.80, 0.3),
            binormal(0.80, 0.3),
            kernel=True,
        ),
        Scenario(
            "ece, miscalibrated by 0.05 (bootstrap BCa)", "ece", 0.05, calibrated(0.05), kernel=True
        ),
        Scenario("r2 (bootstrap BCa)", "r2", 0.75, regression, kernel=True),
        Scenario(
            "median_ae (bootstrap BCa)", "median_ae", float(norm.ppf(0.75)), regression, kernel=True
        ),
        Scenario("roc_auc A - B (paired DeLong)", "roc_auc", 0.05, paired_auc, paired=True),
        Scenario("accuracy A - B (Newcombe)", "accuracy", 0.05, paired_accuracy, paired=True),
    ]


def run(index: int, n: int, reps: int, resamples: int, seed: int) -> tuple[float, float]:
    """Coverage and mean width of scenario *index* at size *n* (runs in a worker process)."""
    sc = scenarios()[index]
    rng = np.random.default_rng([seed, n, index])
    hits, width = 0, 0.0
    for rep in range(reps):
        data = sc.draw(rng, n)
        interval = paired_interval if sc.paired else metric_interval
        iv: Interval = interval(sc.metric, *data, n_resamples=resamples, seed=rep)
        hits += iv.low <= sc.truth <= iv.high
        width += iv.high - iv.low
    return hits / reps, width / reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--kernel-resamples", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    plan = scenarios()
    results: dict[tuple[str, int], tuple[float, float]] = {}
    start = time.perf_counter()
    with Progress() as progress, ProcessPoolExecutor(args.jobs) as pool:
        task = progress.add_task("coverage cells", total=len(plan) * len(args.sizes))
        futures = {
            pool.submit(
                run,
                i,
                n,
                args.reps,
                args.kernel_resamples if sc.kernel else args.resamples,
                args.seed,
            ): (sc.label, n)
            for i, sc in enumerate(plan)
            for n in args.sizes
        }
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            progress.advance(task)
    elapsed = time.perf_counter() - start

    print(
        f"\n{args.reps} repetitions per cell; coverage of 95% intervals in % "
        "(mean width); * = outside 93.5-96.5\n"
    )
    print("| scenario | truth | " + " | ".join(f"n={n:,}" for n in args.sizes) + " |")
    print("|---|---:|" + "---:|" * len(args.sizes))
    for sc in plan:
        cells = []
        for n in args.sizes:
            cov, width = results[sc.label, n]
            flag = "" if 0.935 <= cov <= 0.965 else "*"
            cells.append(f"{100 * cov:.1f}{flag} ({width:.3g})")
        print(f"| {sc.label} | {sc.truth:.4f} | " + " | ".join(cells) + " |")
    print(
        f"\nresamples: {args.resamples} (confusion-count bootstraps), "
        f"{args.kernel_resamples} (row-weight bootstraps); {args.jobs} processes; "
        f"elapsed {elapsed / 60:.1f} min"
    )


if __name__ == "__main__":
    main()
