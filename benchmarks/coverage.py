"""One-sided misses of the bounds ``verify`` decides on, by simulation from known truths.

``verify`` decides a criterion at confidence c on the two-sided interval at level 2c - 1
(90% for the default 95%): an ``at_least`` criterion passes when the lower bound clears the
threshold, an ``at_most`` one when the upper bound does, and a comparison with a baseline or
champion (superiority or non-inferiority; only the threshold on the difference differs) when
the matching bound of the paired difference does. With the truth exactly on the threshold a
*miss* of a bound is a false pass (or a false fail): nominally 5% on each side, target at
most 6.5% (coverage of the two-sided interval 93.5-96.5% once both sides are in).

For each cell (a scenario: metric, criterion kind and data-generating process, at
n = 100, 1,000 and 10,000 rows) the study draws evaluation sets, computes the interval as
``verify`` does and counts how often each bound lies on the wrong side of the truth. Draws
on which no method can be trusted (``Interval.untrusted``: ``verify`` makes them
``inconclusive`` by design) cannot produce a wrong verdict and are counted apart. Truths are
closed-form, by quadrature, or the mean of 16 draws of 4,000,000 rows of the same process.

Run from the repository root (two worker processes unless ``--jobs``)::

    .venv/bin/python benchmarks/coverage.py --record cov.jsonl --resume  # the recorded study
    .venv/bin/python benchmarks/coverage.py --reps 200 --reps-other 100 --sizes 100 1000

Cells marked critical (the edges: few positives, skewed losses, ECE, paired F1) run
``--reps`` repetitions, the others ``--reps-other`` (both 1,000 by default: Monte Carlo SE of
a 5% miss rate 0.7 points); ``--reps-large`` sets the repetitions of every cell at
n = 10,000. Bootstraps over row weights (pr_auc, r2, median_ae, roc_auc_ovr) take
``--kernel-resamples`` resamples, the bootstrap-t ``--t-resamples`` and the count bootstraps
``--resamples`` (each 2,000 by default, as in verify; lower them only to save time). With
``--record FILE --resume`` each finished cell is appended to FILE and a restarted run skips
the cells FILE holds.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.integrate import quad
from scipy.stats import binom, f, norm

from modelpact.stats import get_metric, metric_interval, paired_interval
from modelpact.stats.wilson import wilson_interval

Draw = Callable[[np.random.Generator, int], tuple[Any, ...]]
LEVEL = 0.90  # the two-sided level verify reads its one-sided 95% bounds from
TRUTH_ROWS = 4_000_000
# Where no closed form is at hand the truth is the mean of this many draws of TRUTH_ROWS rows:
# one draw alone leaves a Monte Carlo error of sqrt(10,000 / 4M) = 0.05 SE at n = 10,000, which
# moves a one-sided miss rate by about half a point.
TRUTH_DRAWS = 16
SQRT_2_PI = math.sqrt(2.0 / math.pi)


@dataclass(frozen=True)
class Scenario:
    label: str
    metric: str
    kind: str  # "absolute" or "paired" (superiority and non-inferiority)
    draw: Draw
    truth: float | None = None  # None: the mean over large draws of the same process
    critical: bool = False
    resamples: str = "count"  # which resample budget: count | kernel | t


def binormal(auc: float, prevalence: float) -> Draw:
    d = math.sqrt(2.0) * norm.ppf(auc)

    def draw(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
        y = (rng.random(n) < prevalence).astype(np.int64)
        return y, d * y + rng.normal(size=n)

    return draw


def paired_binormal(auc_a: float, auc_b: float, prevalence: float, rho: float = 0.6) -> Draw:
    d_a, d_b = (math.sqrt(2.0) * norm.ppf(a) for a in (auc_a, auc_b))

    def draw(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
        y = (rng.random(n) < prevalence).astype(np.int64)
        e1, e2 = rng.normal(size=n), rng.normal(size=n)
        return y, d_a * y + e1, d_b * y + rho * e1 + math.sqrt(1 - rho * rho) * e2

    return draw


def calibrated(prevalence: float) -> Draw:
    """Calibrated probabilities: logit ~ N(mu, 1) with mu set for the prevalence."""
    mu = {0.05: -3.4, 0.5: 0.0}[prevalence]

    def draw(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
        p = 1.0 / (1.0 + np.exp(-(mu + rng.normal(size=n))))
        return (rng.random(n) < p).astype(np.int64), p

    return draw


def paired_probabilities(prevalence: float) -> Draw:
    """A calibrated model against an over-confident one on the same rows."""
    base = calibrated(prevalence)

    def draw(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
        y, p = base(rng, n)
        logit = np.log(p / (1 - p))
        return y, p, 1.0 / (1.0 + np.exp(-1.4 * logit))

    return draw


def labels(prevalence: float, recall: float, fpr: float) -> Draw:
    def draw(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
        y = (rng.random(n) < prevalence).astype(np.int64)
        hit = np.where(y == 1, rng.random(n) < recall, rng.random(n) < fpr)
        return y, hit.astype(np.int64)

    return draw


def paired_labels(prevalence: float) -> Draw:
    """Two threshold classifiers on correlated binormal scores."""
    scores = paired_binormal(0.90, 0.87, prevalence)

    def draw(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
        y, a, b = scores(rng, n)
        cut = 1.2
        return y, (a > cut).astype(np.int64), (b > cut).astype(np.int64)

    return draw


def miscalibrated(shift: float) -> Draw:
    """Probabilities p ~ U(0.05, 0.90); outcomes ~ Bernoulli(p + shift): ECE = |shift|."""

    def draw(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
        p = rng.uniform(0.05, 0.90, n)
        return (rng.random(n) < p + shift).astype(np.int64), p

    return draw


def multiclass_labels(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
    """Three classes (60/30/10%), 75% right, errors spread evenly."""
    y = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    wrong = (y + rng.integers(1, 3, n)) % 3
    return y, np.where(rng.random(n) < 0.75, y, wrong)


def multiclass_proba(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
    """Calibrated softmax probabilities over three classes."""
    logits = rng.normal(size=(n, 3)) * 1.5 + np.array([0.8, 0.0, -1.0])
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    u = rng.random(n)[:, None]
    y = (u > np.cumsum(proba, axis=1)).sum(axis=1).astype(np.int64)
    return np.minimum(y, 2), proba


def regression(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
    y = rng.normal(0.0, 2.0, n)
    return y, y + rng.normal(0.0, 1.0, n)


def heteroscedastic(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
    """Noise SD 0.5 + |x|: squared errors with skewness about 7."""
    x = rng.normal(size=n)
    return x, x + rng.normal(size=n) * (0.5 + np.abs(x))


def paired_regression(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
    y, a = heteroscedastic(rng, n)
    return y, a, y + 0.8 * (a - y) + rng.normal(0.0, 0.5, n)


def gauss_mean(f: Callable[[Any], Any]) -> float:
    """E f(Z) for Z ~ N(0, 1) by 200-point Gauss-Hermite quadrature."""
    z, w = hermegauss(200)
    return float(np.sum(w * f(z)) / np.sum(w))


def calibrated_truths(prevalence: float) -> tuple[float, float, float]:
    """Expected log loss and Brier of :func:`calibrated`, and Brier A - B of the pair."""
    mu = {0.05: -3.4, 0.5: 0.0}[prevalence]

    def p(z: Any) -> Any:
        return 1.0 / (1.0 + np.exp(-(mu + z)))

    def q(z: Any) -> Any:
        return 1.0 / (1.0 + np.exp(-1.4 * (mu + z)))

    log_loss = gauss_mean(lambda z: -(p(z) * np.log(p(z)) + (1 - p(z)) * np.log1p(-p(z))))
    brier = gauss_mean(lambda z: p(z) * (1 - p(z)))
    # Given p: E(y - p)^2 - E(y - q)^2 = -(p - q)^2.
    return log_loss, brier, gauss_mean(lambda z: -((p(z) - q(z)) ** 2))


def label_truths(prevalence: float, recall: float, fpr: float) -> dict[str, float]:
    tp, fn, fp = prevalence * recall, prevalence * (1 - recall), (1 - prevalence) * fpr
    return {
        "accuracy": 1.0 - fn - fp,
        "recall": recall,
        "precision": tp / (tp + fp),
        "f1": 2 * tp / (2 * tp + fp + fn),
    }


def paired_label_truths(prevalence: float) -> dict[str, float]:
    """Both models of :func:`paired_labels` are threshold rules on binormal scores."""
    a, b = (
        label_truths(
            prevalence, float(norm.sf(1.2 - math.sqrt(2.0) * norm.ppf(auc))), float(norm.sf(1.2))
        )
        for auc in (0.90, 0.87)
    )
    return {k: a[k] - b[k] for k in a}


def binormal_average_precision(auc: float, prevalence: float) -> float:
    """Population average precision: the integral of precision over the recall curve."""
    d = math.sqrt(2.0) * norm.ppf(auc)

    def integrand(t: float) -> float:
        tp, fp = prevalence * norm.sf(t - d), (1 - prevalence) * norm.sf(t)
        return float(tp / (tp + fp) * norm.pdf(t - d)) if tp > 0 else 0.0

    return float(quad(integrand, d - 12.0, d + 12.0, limit=200)[0])


def multiclass_f1_macro() -> float:
    """:func:`multiclass_labels`: recall 0.75 per class, each error split between the others."""
    prior = np.array([0.6, 0.3, 0.1])
    tp, fn = 0.75 * prior, 0.25 * prior
    fp = 0.125 * (1.0 - prior)
    return float(np.mean(2 * tp / (2 * tp + fp + fn)))


def paired_mae_truth() -> float:
    """MAE of A minus MAE of B in :func:`paired_regression` (noise SD s = 0.5 + |x|)."""

    def mae_b(x: float) -> float:
        s = 0.5 + abs(x)
        return float(norm.pdf(x)) * math.sqrt(0.64 * s * s + 0.25)

    mae_a = SQRT_2_PI * (0.5 + SQRT_2_PI)
    return mae_a - SQRT_2_PI * float(quad(mae_b, -np.inf, np.inf)[0])


@functools.cache
def scenarios() -> list[Scenario]:
    s: list[Scenario] = []
    for prev in (0.05, 0.5):
        tag = f"prev {prev:.0%}"
        crit = prev == 0.05
        log_loss, brier, brier_ab = calibrated_truths(prev)
        lab, pair = label_truths(prev, 0.7, 0.1), paired_label_truths(prev)
        s += [
            Scenario(
                f"roc_auc AUC 0.80, {tag}", "roc_auc", "absolute", binormal(0.80, prev), 0.80, crit
            ),
            Scenario(
                f"roc_auc AUC 0.95, {tag}", "roc_auc", "absolute", binormal(0.95, prev), 0.95, crit
            ),
            Scenario(
                f"roc_auc A-B 0.80-0.75, {tag}",
                "roc_auc",
                "paired",
                paired_binormal(0.80, 0.75, prev),
                0.05,
                crit,
            ),
            Scenario(
                f"roc_auc A-B 0.95-0.92, {tag}",
                "roc_auc",
                "paired",
                paired_binormal(0.95, 0.92, prev),
                0.03,
                crit,
            ),
            Scenario(
                f"log_loss, {tag}", "log_loss", "absolute", calibrated(prev), log_loss, crit, "t"
            ),
            Scenario(f"brier, {tag}", "brier", "absolute", calibrated(prev), brier, crit, "t"),
            Scenario(
                f"brier A-B, {tag}",
                "brier",
                "paired",
                paired_probabilities(prev),
                brier_ab,
                crit,
                "t",
            ),
            Scenario(
                f"accuracy, {tag}", "accuracy", "absolute", labels(prev, 0.7, 0.1), lab["accuracy"]
            ),
            Scenario(f"recall, {tag}", "recall", "absolute", labels(prev, 0.7, 0.1), 0.7),
            Scenario(
                f"precision, {tag}",
                "precision",
                "absolute",
                labels(prev, 0.7, 0.1),
                lab["precision"],
            ),
            Scenario(f"f1, {tag}", "f1", "absolute", labels(prev, 0.7, 0.1), lab["f1"]),
            Scenario(f"f1 A-B, {tag}", "f1", "paired", paired_labels(prev), pair["f1"], crit),
            Scenario(
                f"accuracy A-B, {tag}",
                "accuracy",
                "paired",
                paired_labels(prev),
                pair["accuracy"],
            ),
            Scenario(
                f"pr_auc AUC 0.80, {tag}",
                "pr_auc",
                "absolute",
                binormal(0.80, prev),
                binormal_average_precision(0.80, prev),
                resamples="kernel",
            ),
            Scenario(
                f"ece calibrated (truth 0), {tag}", "ece", "absolute", calibrated(prev), 0.0, True
            ),
        ]
    s += [
        Scenario("ece miscalibrated by 0.05", "ece", "absolute", miscalibrated(0.05), 0.05, True),
        Scenario("ece miscalibrated by 0.02", "ece", "absolute", miscalibrated(0.02), 0.02, True),
        Scenario("multiclass accuracy", "accuracy", "absolute", multiclass_labels, 0.75),
        Scenario(
            "multiclass f1_macro", "f1_macro", "absolute", multiclass_labels, multiclass_f1_macro()
        ),
        Scenario("multiclass log_loss", "log_loss", "absolute", multiclass_proba, None, False, "t"),
        Scenario(
            "multiclass roc_auc_ovr",
            "roc_auc_ovr",
            "absolute",
            multiclass_proba,
            resamples="kernel",
        ),
        Scenario(
            "regression mae", "mae", "absolute", regression, math.sqrt(2.0 / math.pi), False, "t"
        ),
        Scenario("regression rmse", "rmse", "absolute", regression, 1.0, False, "t"),
        Scenario(
            "regression rmse, heteroscedastic",
            "rmse",
            "absolute",
            heteroscedastic,
            math.sqrt(1.25 + SQRT_2_PI),  # E(0.5 + |x|)^2 = 1.25 + E|x|
            True,
            "t",
        ),
        Scenario(
            "regression mae A-B, heteroscedastic",
            "mae",
            "paired",
            paired_regression,
            paired_mae_truth(),
            False,
            "t",
        ),
        Scenario("regression r2", "r2", "absolute", regression, 0.75, resamples="kernel"),
        Scenario(
            "regression median_ae",
            "median_ae",
            "absolute",
            regression,
            float(norm.ppf(0.75)),
            resamples="kernel",
        ),
    ]
    return s


@functools.cache
def truth_of(index: int) -> float:
    """The scenario's truth: closed form or quadrature, else the mean over large draws."""
    sc = scenarios()[index]
    if sc.truth is not None:
        return sc.truth
    rng = np.random.default_rng(987_654 + index)
    m = get_metric(sc.metric)
    values = []
    for _ in range(TRUTH_DRAWS):
        data = sc.draw(rng, TRUTH_ROWS)
        paired = sc.kind == "paired"
        values.append(m(data[0], data[1]) - m(data[0], data[2]) if paired else m(*data))
    return float(np.mean(values))


def run(
    index: int, n: int, reps: int, budget: dict[str, int], seed: int, truth: float
) -> dict[str, Any]:
    """Misses of each bound, untrusted and skipped draws of one cell, as a record."""
    sc = scenarios()[index]
    cpu = time.process_time()
    rng = np.random.default_rng([seed, n, index])
    low_miss = high_miss = untrusted = skipped = 0
    for rep in range(reps):
        data = sc.draw(rng, n)
        interval = paired_interval if sc.kind == "paired" else metric_interval
        try:
            iv = interval(
                sc.metric, *data, confidence=LEVEL, n_resamples=budget[sc.resamples], seed=rep
            )
        except Exception:  # e.g. no positive in a draw: verify stops with an input error
            skipped += 1
            continue
        if iv.untrusted is not None:
            untrusted += 1
            continue
        low_miss += iv.low > truth
        high_miss += iv.high < truth
    return {
        "label": sc.label,
        "n": n,
        "reps": reps,
        "resamples": budget[sc.resamples],
        "seed": seed,
        "low": low_miss,
        "high": high_miss,
        "untrusted": untrusted,
        "skipped": skipped,
        "truth": truth,
        "cpu_s": round(time.process_time() - cpu, 1),
    }


def cell_text(r: dict[str, Any]) -> str:
    used = r["reps"] - r["skipped"]
    if used == 0:
        return "no usable draw"
    lo, hi = 100 * r["low"] / used, 100 * r["high"] / used
    flag = "*" if max(lo, hi) > 6.5 else ""
    extra = f" [u {100 * r['untrusted'] / used:.0f}%]" if r["untrusted"] else ""
    extra += f" (skip {r['skipped']})" if r["skipped"] else ""
    return f"{lo:.1f} / {hi:.1f}{flag}{extra}"


def print_table(records: list[dict[str, Any]], sizes: list[int]) -> None:
    """The study's table; a later record of the same cell replaces an earlier one."""
    cells = {(r["label"], r["n"]): r for r in records}
    print(
        "One-sided misses in % of the lower / upper bound of the 90% interval (nominal 5% "
        "each; * = above 6.5); [u%] = draws inconclusive by design; repetitions and "
        "resamples per cell in the last columns\n"
    )
    print("| scenario | kind | truth | " + " | ".join(f"n={n:,}" for n in sizes) + " | reps | B |")
    print("|---|---|---:|" + "---|" * len(sizes) + "---:|---:|")
    for sc in scenarios():
        row = [cells.get((sc.label, n)) for n in sizes]
        found = [r for r in row if r is not None]
        if not found:
            continue
        text = [cell_text(r) if r is not None else "not run" for r in row]
        reps = "/".join(str(r["reps"]) if r is not None else "-" for r in row)
        resamples = sorted({r["resamples"] for r in found})
        budget = "/".join(str(b) for b in resamples) if sc.resamples != "count" else "-"
        print(
            f"| {sc.label} | {sc.kind} | {found[0]['truth']:.4f} | "
            + " | ".join(text)
            + f" | {reps} | {budget} |"
        )


def exact_wilson_misses(n: int, q: float, p: float) -> tuple[float, float]:
    """Exact one-sided misses (%) of the Wilson bounds, without Monte Carlo error.

    A proportion with ``trials ~ Binomial(n, q)`` and ``successes ~ Binomial(trials, p)``
    (recall: trials are the positives; precision: the predicted positives); draws without a
    trial are counted as no miss (``verify`` cannot decide on them).
    """
    low = high = 0.0
    for trials in range(1, n + 1):
        weight = float(binom.pmf(trials, n, q))
        if weight < 1e-13:
            continue
        k = np.arange(trials + 1)
        pk = binom.pmf(k, trials, p)
        bounds = np.array([wilson_interval(float(x), float(trials), LEVEL) for x in k])
        low += weight * float(pk[bounds[:, 0] > p].sum())
        high += weight * float(pk[bounds[:, 1] < p].sum())
    return 100 * low, 100 * high


def print_exact_wilson(sizes: list[int]) -> None:
    print("| proportion | n | exact misses, lower / upper (%) |\n|---|---:|---|")
    for prev in (0.05, 0.5):
        tp, fp = prev * 0.7, (1 - prev) * 0.1
        cases = {
            "accuracy": (1.0, 1.0 - prev * 0.3 - fp),
            "recall": (prev, 0.7),
            "precision": (tp + fp, tp / (tp + fp)),
        }
        for name, (q, p) in cases.items():
            for n in sizes:
                lo, hi = exact_wilson_misses(n, q, p)
                print(f"| {name}, prev {prev:.0%} | {n:,} | {lo:.2f} / {hi:.2f} |")


def print_r2_exact(sizes: list[int], seed: int, reps: int) -> None:
    """Misses of the interval that is exact under normality, on the study's own R^2 draws.

    In :func:`regression` the errors are independent of the target, so
    ``SSE / SST = rho * F(n, n - 1) * n / (n - 1)`` with ``rho = 1 - R^2``: its bounds miss
    exactly 5% of the time over all draws, and their misses on the study's *reps* draws (the
    same draws as the cell run with the same seed and repetitions) say how far those draws
    alone put a cell from 5%.
    """
    index = next(i for i, sc in enumerate(scenarios()) if sc.label == "regression r2")
    sc = scenarios()[index]
    for n in sizes:
        rng = np.random.default_rng([seed, n, index])
        q05, q95 = (float(f.ppf(q, n, n - 1)) * n / (n - 1) for q in (0.05, 0.95))
        low = high = 0
        for _ in range(reps):
            y, p = sc.draw(rng, n)
            ratio = float(np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2))
            low += 1.0 - ratio / q05 > 0.75
            high += 1.0 - ratio / q95 < 0.75
        lo, hi = 100 * low / reps, 100 * high / reps
        print(f"| regression r2, exact under normality | {n:,} | {lo:.1f} / {hi:.1f} |")


def read_records(paths: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in paths:
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                out += [json.loads(line) for line in fh if line.strip()]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000, help="repetitions, critical cells")
    parser.add_argument("--reps-other", type=int, default=1000, help="repetitions, other cells")
    parser.add_argument(
        "--reps-large", type=int, default=None, help="repetitions of every cell at n >= 10,000"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--kernel-resamples", type=int, default=2000)
    parser.add_argument("--t-resamples", type=int, default=2000)
    parser.add_argument(
        "--only", nargs="*", default=[], help="run only scenarios whose label contains one of these"
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--record", default=None, help="append each finished cell to this JSON-lines file"
    )
    parser.add_argument(
        "--resume", action="store_true", help="skip cells the --record file already holds"
    )
    parser.add_argument(
        "--table",
        nargs="+",
        default=None,
        metavar="RECORD",
        help="print the table of these record files and run nothing",
    )
    parser.add_argument(
        "--exact-wilson",
        action="store_true",
        help="print the exact misses of the Wilson cells and run nothing",
    )
    parser.add_argument(
        "--r2-exact",
        action="store_true",
        help="print the misses of R^2's exact interval on the study's draws (--reps-other of "
        "them) and run nothing",
    )
    args = parser.parse_args()
    if args.r2_exact:
        print_r2_exact(args.sizes, args.seed, args.reps_other)
        return
    if args.exact_wilson:
        print_exact_wilson(args.sizes)
        return
    if args.table is not None:
        print_table(read_records(args.table), args.sizes)
        return
    budget = {"count": args.resamples, "kernel": args.kernel_resamples, "t": args.t_resamples}
    done = {(r["label"], r["n"]) for r in read_records([args.record] if args.resume else [])}

    def reps_of(sc: Scenario, n: int) -> int:
        if n >= 10_000 and args.reps_large is not None:
            return int(args.reps_large)
        return int(args.reps if sc.critical else args.reps_other)

    # Critical cells first, so that an interrupted run has them.
    order = sorted(
        (
            (i, sc, n)
            for i, sc in enumerate(scenarios())
            for n in args.sizes
            if (not args.only or any(part in sc.label for part in args.only))
            and (sc.label, n) not in done
        ),
        key=lambda c: not c[1].critical,
    )
    indices = sorted({i for i, _, _ in order})
    records: list[dict[str, Any]] = []
    start = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        truths = dict(zip(indices, pool.map(truth_of, indices), strict=True))
        futures = [
            pool.submit(run, i, n, reps_of(sc, n), budget, args.seed, truths[i])
            for i, sc, n in order
        ]
        for future in as_completed(futures):
            record = future.result()
            records.append(record)
            print(f"done: {json.dumps(record)}", flush=True)
            if args.record:
                with open(args.record, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(record) + "\n")
    elapsed = time.perf_counter() - start
    print()
    print_table(records, args.sizes)
    cpu = sum(r["cpu_s"] or 0.0 for r in records)
    print(
        f"\n{args.jobs} processes; elapsed {elapsed / 60:.1f} min wall, "
        f"{cpu / 60:.1f} min CPU in the cells"
    )


if __name__ == "__main__":
    main()
