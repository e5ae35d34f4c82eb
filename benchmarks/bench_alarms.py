"""False alarms and power of ``modelpact monitor`` on seeded synthetic streams.

Stable streams: a reference and an analysis period drawn from one distribution (four numeric
features, a categorical segment, a logistic model's score), every check at the defaults
(univariate drift on every column and the score, domain classifier, PCA reconstruction error,
missing values), ``false_alarm_rate`` 0.01. Counted: the share of chunks with any alert (the
documented per-chunk budget) and the share of runs with any alert (bounded by ``K α``), and
which family raised them. Shifted streams: the same, with ``x0`` moved by ``--shift`` standard
deviations in the second half of the analysis; counted: the share of shifted chunks caught.

Run::

    .venv/bin/python benchmarks/bench_alarms.py --seeds 40 [--reference-rows 100000]
        [--chunk-rows 10000] [--chunks 10] [--shift 0.2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.monitor._synth import make_pact, make_rows

from modelpact.monitor import monitor


def one_run(seed: int, args: argparse.Namespace, shift: float) -> dict[str, object]:
    rng = np.random.default_rng(10_000 + seed)
    reference = make_rows(rng, args.reference_rows)
    rows = args.chunk_rows * args.chunks
    half = rows // 2
    stable = make_rows(rng, half, start_id=10**7)
    moved = make_rows(rng, rows - half, shift=shift, start_id=2 * 10**7)
    import pandas as pd

    analysis = pd.concat([stable, moved], ignore_index=True).drop(columns="label")
    result = monitor(make_pact(false_alarm_rate=args.alpha), reference, analysis,
                     chunk_size=args.chunk_rows, seed=seed, estimate_performance=False)
    families = {"univariate": set(), "domain_classifier": set(), "pca": set(),
                "data_quality": set()}
    for chunk in result.chunks:
        i = chunk.chunk.index
        if any(d.alert for d in chunk.drift):
            families["univariate"].add(i)
        for m in chunk.multivariate:
            if m.alert:
                families["domain_classifier" if m.method.startswith("domain") else "pca"].add(i)
    for a in result.alerts:
        if a.kind == "data_quality" and a.chunk is not None:
            families["data_quality"].add(a.chunk)
    alerted = {a.chunk for a in result.alerts}
    first_shifted = half // args.chunk_rows
    return {"alerted": alerted, "families": families, "first_shifted": first_shifted,
            "budget": result.to_dict()["alarm_budget"]}


def study(args: argparse.Namespace, shift: float) -> None:
    chunks = alerted_runs = 0
    alerted_chunks = 0
    caught = shifted = 0
    per_family = dict.fromkeys(("univariate", "domain_classifier", "pca", "data_quality"), 0)
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    budget: dict[str, object] = {}
    for seed in range(args.seeds):
        out = one_run(seed, args, shift)
        budget = out["budget"]  # type: ignore[assignment]
        alerted: set[int] = out["alerted"]  # type: ignore[assignment]
        first = int(out["first_shifted"])  # type: ignore[arg-type]
        if shift == 0.0:
            chunks += args.chunks
            alerted_chunks += len(alerted)
            alerted_runs += bool(alerted)
            for name, where in out["families"].items():  # type: ignore[attr-defined]
                per_family[name] += len(where)
        else:
            shifted += args.chunks - first
            caught += len({c for c in alerted if c >= first})
            chunks += first
            alerted_chunks += len({c for c in alerted if c < first})
    wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    print(f"\nshift {shift:g} SD, {args.seeds} seeds, reference {args.reference_rows:,} rows, "
          f"{args.chunks} chunks of {args.chunk_rows:,} rows ({wall:.0f} s wall, "
          f"{cpu:.0f} s CPU)")
    print(f"alarm budget: {budget}")
    print(f"stable chunks with an alert: {alerted_chunks}/{chunks} "
          f"({alerted_chunks / max(chunks, 1):.2%}; budget {args.alpha:.2%})")
    if shift == 0.0:
        print(f"runs with an alert: {alerted_runs}/{args.seeds} "
              f"({alerted_runs / args.seeds:.1%}; bound {min(1.0, args.chunks * args.alpha):.0%})")
        print("chunks alerted by family: " + ", ".join(f"{k} {v}" for k, v in per_family.items()))
    else:
        print(f"shifted chunks caught: {caught}/{shifted} ({caught / max(shifted, 1):.1%})")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--reference-rows", type=int, default=100_000)
    parser.add_argument("--chunk-rows", type=int, default=10_000)
    parser.add_argument("--chunks", type=int, default=10)
    parser.add_argument("--alpha", type=float, default=0.01)
    parser.add_argument("--shift", type=float, default=0.2)
    args = parser.parse_args()
    study(args, 0.0)
    if args.shift:
        study(args, args.shift)


if __name__ == "__main__":
    main()
