"""``verify`` on a million rows, timed as ratios against the floor of the same work.

The pact has the five criteria a typical binary sign-off carries: ROC AUC, F1, accuracy and
log loss against thresholds, and ROC AUC against a baseline model's scores on the same rows
(paired). The *floor* is what no implementation can skip on these columns: sorting each
score column once (``np.sort``) and counting the confusion table (``np.bincount``). Each
timing is printed as a multiple of that floor, so a regression shows whatever the machine's
speed that day.

Three timings, CPU seconds of this process (the machine is shared; wall is noisier):

* ``compute``: :func:`modelpact.verify` on the in-memory frame (the statistics and the
  checks; reading the file excluded);
* ``verify + read``: :func:`modelpact.verify` on the Parquet path;
* ``command``: ``modelpact verify`` as a whole process (import, read, compute, render),
  user + system CPU of the child from ``resource.getrusage``.

Run from the repository root (``PYTHONPATH=other/src`` times another checkout's code with
the same data and interpreter)::

    .venv/bin/python benchmarks/bench_verify.py               # 1,000,000 rows
    .venv/bin/python benchmarks/bench_verify.py --rows 200000 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from modelpact import verify
from modelpact.pact import parse_pact

PACT = """\
pact: 1
name: bench
task: binary
positive_class: 1
columns: {target: y, score: p}
baseline: {kind: column, column: p_base}
confidence: 0.95
criteria:
  - {metric: roc_auc, at_least: 0.80}
  - {metric: f1, at_least: 0.50}
  - {metric: accuracy, at_least: 0.70}
  - {metric: log_loss, at_most: 0.60}
  - {metric: roc_auc, vs_baseline: improve, by: 0.005}
"""


def make_frame(n: int, seed: int) -> pd.DataFrame:
    """30% positives; candidate AUC 0.85, correlated baseline AUC 0.83."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int64)
    e1, e2 = rng.normal(size=n), rng.normal(size=n)
    d_a, d_b = (np.sqrt(2.0) * norm.ppf(a) for a in (0.85, 0.83))
    p = 1.0 / (1.0 + np.exp(-(d_a * y + e1 - 1.2)))
    p_base = 1.0 / (1.0 + np.exp(-(d_b * y + 0.7 * e1 + np.sqrt(0.51) * e2 - 1.2)))
    return pd.DataFrame({"y": y, "p": p, "p_base": p_base})


def cpu(func: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median CPU and wall seconds of *repeats* calls, and the last result."""
    cpus, walls = [], []
    out = None
    for _ in range(repeats):
        c, w = time.process_time(), time.perf_counter()
        out = func()
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
    return statistics.median(cpus), statistics.median(walls), out


def floor(frame: pd.DataFrame) -> None:
    y = frame["y"].to_numpy()
    np.sort(frame["p"].to_numpy())
    np.sort(frame["p_base"].to_numpy())
    label = (frame["p"].to_numpy() >= 0.5).astype(np.int64)
    np.bincount(y * 2 + label, minlength=4)


def command_cpu(args: list[str], repeats: int) -> tuple[float, float]:
    """Median child CPU (user + system) and wall seconds of a command."""
    cpus, walls = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        w = time.perf_counter()
        subprocess.run(args, check=False, capture_output=True)
        walls.append(time.perf_counter() - w)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(cpus), statistics.median(walls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    frame = make_frame(args.rows, args.seed)
    pact = parse_pact(PACT)
    # The console script's entry point, run by this interpreter (so PYTHONPATH picks the code).
    exe = [sys.executable, "-c", "from modelpact.cli.app import main; main()"]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "eval.parquet"
        pact_file = Path(tmp) / "pact.yaml"
        frame.to_parquet(data)
        pact_file.write_text(PACT)
        floor_cpu, floor_wall, _ = cpu(lambda: floor(frame), args.repeats)
        compute_cpu, compute_wall, verdict = cpu(lambda: verify(pact, frame), args.repeats)
        read_cpu, read_wall, _ = cpu(lambda: verify(pact, str(data)), args.repeats)
        cmd = [*exe, "verify", str(data), "--pact", str(pact_file)]
        env_cmd = command_cpu(cmd, args.repeats)
        help_cpu = command_cpu([*exe, "--help"], args.repeats)
        check_cpu = command_cpu([*exe, "pact", "check", str(pact_file)], args.repeats)
    print(f"rows={args.rows:,}  repeats={args.repeats} (medians)  pid {os.getpid()}\n")
    print("| work | CPU s | wall s | x floor (CPU) | target |")
    print("|---|---:|---:|---:|---|")
    rows = [
        ("**modelpact verify, whole command**", *env_cmd, "<= 2.0 s CPU"),
        ("verify(), in-memory frame (compute)", compute_cpu, compute_wall, "<= 1.0 s CPU"),
        ("verify(), Parquet path", read_cpu, read_wall, ""),
        ("floor: np.sort of both score columns + bincount", floor_cpu, floor_wall, ""),
        ("modelpact --help", *help_cpu, "<= 0.5 s CPU"),
        ("modelpact pact check", *check_cpu, "<= 0.5 s CPU"),
    ]
    for name, c, w, target in rows:
        print(f"| {name} | {c:.3f} | {w:.3f} | {c / floor_cpu:.1f}x | {target} |")
    print("\nverdict:", verdict.verdict)
    for r in verdict.criteria:
        print(f"  {r.label}: {r.status} {r.estimate:.4f} [{r.ci[0]:.4f}, {r.ci[1]:.4f}] {r.method}")


if __name__ == "__main__":
    main()
