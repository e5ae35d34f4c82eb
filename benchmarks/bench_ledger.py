"""Logging 100 runs with 10,000 evaluation predictions each: modelpact's ledger vs MLflow.

The same work for both tools, in the same process, interleaved: per run, 10 parameters,
5 metrics and the evaluation predictions (id, target, score, slice) written as a Parquet
artifact. MLflow logs through ``log_params``, ``log_metric`` (once per metric) and
``log_artifact``; modelpact through ``start_run`` / ``log_metrics`` / ``log_predictions``.
Both use a SQLite backend in a fresh temporary directory; creating the store (migrations)
is outside the timing for both.

Run it where both are installed (MLflow is a peer, never a modelpact dependency)::

    MLFLOW_ENABLE_TELEMETRY=false DO_NOT_TRACK=1 \\
        /work/bench-venvs/mlflow/bin/python benchmarks/bench_ledger.py --runs 100 --rows 10000
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

# Peers must not phone home during a benchmark.
os.environ.setdefault("MLFLOW_ENABLE_TELEMETRY", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


def make_work(runs: int, rows: int, seed: int = 0) -> list[tuple[dict, dict, pd.DataFrame]]:
    """Per run: parameters, metrics and a predictions frame (built once, outside timing)."""
    rng = np.random.default_rng(seed)
    work = []
    ids = np.arange(rows)
    y = rng.integers(0, 2, rows)
    group = rng.choice(["a", "b", "c"], rows)
    for i in range(runs):
        params = {f"param_{k}": float(rng.uniform()) for k in range(9)} | {"run_index": i}
        metrics = {f"metric_{k}": float(rng.uniform()) for k in range(5)}
        p = np.clip(0.3 + 0.4 * y + rng.normal(0, 0.2, rows), 0, 1)
        frame = pd.DataFrame({"id": ids, "y": y, "p": p, "group": group})
        work.append((params, metrics, frame))
    return work


def bench_modelpact(work: list[tuple[dict, dict, pd.DataFrame]], root: Path) -> float:
    from modelpact import tracking
    from modelpact.ledger import open_store

    with open_store(f"sqlite:///{root / 'ledger.db'}", root=root) as store:
        store.ensure_project("bench")
        start = time.perf_counter()
        for params, metrics, frame in work:
            with tracking.start_run("bench", store=store, params=params) as run:
                run.log_metrics(metrics)
                run.log_predictions(frame)
        elapsed = time.perf_counter() - start
        logged = store.list_runs("bench")
        assert len(logged) == len(work), "modelpact lost runs"
        assert len(store.run_predictions(logged[0].id)) == len(work[0][2])
    return elapsed


def bench_mlflow(work: list[tuple[dict, dict, pd.DataFrame]], root: Path) -> float:
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{root / 'mlflow.db'}")
    # Artifacts beside the database (MLflow's default is ./mlruns in the working directory);
    # creating the schema and the experiment is outside the timing.
    mlflow.create_experiment("bench", artifact_location=(root / "mlartifacts").as_uri())
    mlflow.set_experiment("bench")
    scratch = root / "scratch"
    scratch.mkdir()
    start = time.perf_counter()
    for params, metrics, frame in work:
        with mlflow.start_run():
            mlflow.log_params(params)
            for key, value in metrics.items():
                mlflow.log_metric(key, value)
            path = scratch / "predictions.parquet"
            frame.to_parquet(path, index=False)
            mlflow.log_artifact(str(path))
    elapsed = time.perf_counter() - start
    found = mlflow.search_runs(experiment_names=["bench"])
    assert len(found) == len(work), "MLflow lost runs"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    work = make_work(args.runs, args.rows)
    tools: dict[str, Callable[[list[tuple[dict, dict, pd.DataFrame]], Path], float]] = {
        "modelpact": bench_modelpact,
        "mlflow": bench_mlflow,
    }
    times: dict[str, list[float]] = {name: [] for name in tools}
    for _ in range(args.repeats):
        for name, func in tools.items():  # interleaved, so machine load hits both alike
            with tempfile.TemporaryDirectory() as tmp:
                times[name].append(func(work, Path(tmp)))

    import mlflow

    import modelpact

    print(
        f"logging {args.runs} runs x {args.rows:,} predictions "
        f"(10 params, 5 metrics, Parquet artifact), median of {args.repeats}"
    )
    print(f"modelpact {modelpact.__version__}, mlflow {mlflow.__version__}, SQLite backends")
    print(f"{'tool':<10} {'median s':>9} {'per run ms':>11}  all runs (s)")
    for name, values in times.items():
        med = statistics.median(values)
        shown = ", ".join(f"{v:.2f}" for v in values)
        print(f"{name:<10} {med:>9.2f} {med / args.runs * 1000:>11.1f}  {shown}")
    ratio = statistics.median(times["mlflow"]) / statistics.median(times["modelpact"])
    print(f"ratio mlflow / modelpact = {ratio:.2f}x")


if __name__ == "__main__":
    main()
