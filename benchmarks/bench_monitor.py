"""Univariate drift at scale: modelpact versus NannyML and Evidently, side by side in one run.

Data (seeded): a reference of 100,000 rows and an analysis period of 1,000,000 rows, 15 numeric
and 5 categorical features, cut into 10 chunks; three numeric and one categorical feature drift
in the second half. Every tool gets the same in-memory DataFrames; only the drift computation is
timed (reading the Parquet files is not):

* modelpact: ``modelpact.monitor.monitor`` with univariate drift only (Jensen–Shannon and
  Wasserstein for numeric, Jensen–Shannon for categorical features), thresholds calibrated on
  the reference by leave-chunk-out;
* NannyML: ``UnivariateDriftCalculator`` with the same methods, ``chunk_number=10``, fit on the
  reference then calculate on the analysis;
* Evidently: ``Report([DataDriftPreset()])`` run once per chunk against the reference (it has no
  chunking of its own), with its default per-column tests.

The peers run in their own virtual environments (``/work/bench-venvs/<peer>``) as
subprocesses, with usage tracking disabled. Run::

    .venv/bin/python benchmarks/bench_monitor.py [--rows 1000000] [--skip evidently]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

VENVS = Path("/work/bench-venvs")
N_NUMERIC, N_CATEGORICAL, N_CHUNKS = 15, 5, 10
NUMERIC = [f"num_{i:02d}" for i in range(N_NUMERIC)]
CATEGORICAL = [f"cat_{i}" for i in range(N_CATEGORICAL)]


def make_data(n: int, rng: np.random.Generator, *, drift: bool) -> pd.DataFrame:
    data: dict[str, object] = {}
    for i, name in enumerate(NUMERIC):
        kind = i % 3
        if kind == 0:
            col = rng.normal(size=n)
        elif kind == 1:
            col = rng.lognormal(size=n)
        else:
            col = rng.gamma(2.0, size=n)
        data[name] = col
    letters = list("abcdefghij")
    probs = np.array([0.25, 0.2, 0.15, 0.1, 0.08, 0.07, 0.06, 0.04, 0.03, 0.02])
    for name in CATEGORICAL:
        data[name] = rng.choice(letters, p=probs, size=n)
    frame = pd.DataFrame(data)
    if drift:
        half = slice(n // 2, None)
        frame.loc[frame.index[half], "num_00"] += 0.3
        frame.loc[frame.index[half], "num_01"] *= 1.2
        frame.loc[frame.index[half], "num_03"] += 0.1
        frame.loc[frame.index[half], "cat_0"] = rng.choice(letters, size=n - n // 2)
    frame["target"] = rng.integers(0, 2, size=n)
    return frame


NANNYML = textwrap.dedent("""
    import json, sys, time, warnings
    warnings.filterwarnings("ignore")
    import pandas as pd, nannyml as nml
    ref = pd.read_parquet(sys.argv[1]); ana = pd.read_parquet(sys.argv[2])
    cols = json.loads(sys.argv[3])
    t = time.perf_counter()
    calc = nml.UnivariateDriftCalculator(
        column_names=cols, chunk_number=10,
        continuous_methods=["jensen_shannon", "wasserstein"],
        categorical_methods=["jensen_shannon"])
    calc.fit(ref)
    res = calc.calculate(ana).filter(period="analysis")
    seconds = time.perf_counter() - t
    frame = res.to_df()
    alerts = int(sum(frame[c].sum() for c in frame.columns if c[-1] == "alert"))
    print(json.dumps({"seconds": seconds, "alerts": alerts, "version": nml.__version__}))
""")

EVIDENTLY = textwrap.dedent("""
    import json, sys, time, warnings
    warnings.filterwarnings("ignore")
    import numpy as np, pandas as pd, evidently
    from evidently import Dataset, DataDefinition, Report
    from evidently.presets import DataDriftPreset
    ref = pd.read_parquet(sys.argv[1]); ana = pd.read_parquet(sys.argv[2])
    num, cat = json.loads(sys.argv[3]), json.loads(sys.argv[4])
    limit = int(sys.argv[5])
    t = time.perf_counter()
    definition = DataDefinition(numerical_columns=num, categorical_columns=cat)
    reference = Dataset.from_pandas(ref[num + cat], data_definition=definition)
    bounds = np.linspace(0, len(ana), 11).round().astype(int)
    done = 0
    for s, e in list(zip(bounds[:-1], bounds[1:]))[:limit]:
        current = Dataset.from_pandas(ana.iloc[s:e][num + cat].reset_index(drop=True),
                                      data_definition=definition)
        Report([DataDriftPreset()]).run(current, reference)
        done += 1
    seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "chunks_timed": done,
                      "version": evidently.__version__}))
""")


def run_peer(name: str, script: str, args: list[str]) -> dict[str, object]:
    python = VENVS / name / "bin" / "python"
    if not python.exists():
        return {"error": f"{python} not found"}
    env = {**os.environ, "NML_DISABLE_USAGE_LOGGING": "1", "DO_NOT_TRACK": "1"}
    proc = subprocess.run([str(python), "-c", script, *args], capture_output=True, text=True,
                          env=env, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def run_modelpact(ref: pd.DataFrame, ana: pd.DataFrame) -> dict[str, object]:
    from modelpact.monitor import monitor
    from modelpact.pact import Pact

    pact = Pact.model_validate({
        "name": "bench", "task": "binary", "positive_class": 1,
        "columns": {"target": "target", "features": NUMERIC + CATEGORICAL},
        "criteria": [{"metric": "accuracy", "at_least": 0.5}],
    })
    t = time.perf_counter()
    result = monitor(pact, ref, ana, chunks=N_CHUNKS, multivariate=False,
                     estimate_performance=False)
    seconds = time.perf_counter() - t
    drifted = sorted({a.feature for a in result.alerts if a.kind == "drift" and a.feature})
    return {"seconds": seconds, "alerts": len(result.alerts), "drifted": drifted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reference-rows", type=int, default=100_000)
    parser.add_argument("--skip", action="append", default=[], choices=["nannyml", "evidently"])
    parser.add_argument("--evidently-chunks", type=int, default=N_CHUNKS,
                        help="Chunks Evidently is timed on (the rest extrapolated linearly).")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    ref = make_data(args.reference_rows, rng, drift=False)
    ana = make_data(args.rows, rng, drift=True)
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        ref_path, ana_path = Path(tmp) / "ref.parquet", Path(tmp) / "ana.parquet"
        ref.to_parquet(ref_path, index=False)
        ana.to_parquet(ana_path, index=False)
        # modelpact reads the same files, so every tool starts from identical frames
        ref_in, ana_in = pd.read_parquet(ref_path), pd.read_parquet(ana_path)
        results["modelpact"] = run_modelpact(ref_in, ana_in)
        print("modelpact", results["modelpact"], flush=True)
        if "nannyml" not in args.skip:
            results["nannyml"] = run_peer("nannyml", NANNYML, [
                str(ref_path), str(ana_path), json.dumps(NUMERIC + CATEGORICAL)])
            print("nannyml", results["nannyml"], flush=True)
        if "evidently" not in args.skip:
            results["evidently"] = run_peer("evidently", EVIDENTLY, [
                str(ref_path), str(ana_path), json.dumps(NUMERIC), json.dumps(CATEGORICAL),
                str(args.evidently_chunks)])
            ev = results["evidently"]
            if "seconds" in ev and ev.get("chunks_timed", N_CHUNKS) != N_CHUNKS:
                ev["seconds_extrapolated"] = float(ev["seconds"]) * N_CHUNKS / float(
                    ev["chunks_timed"])  # type: ignore[arg-type]
            print("evidently", ev, flush=True)
    ours = float(results["modelpact"]["seconds"])  # type: ignore[arg-type]
    print(f"\nreference {args.reference_rows:,} rows, analysis {args.rows:,} rows, "
          f"{N_NUMERIC} numeric + {N_CATEGORICAL} categorical, {N_CHUNKS} chunks")
    print(f"{'tool':<12}{'seconds':>10}{'ratio':>10}")
    print(f"{'modelpact':<12}{ours:>10.2f}{1.0:>10.1f}")
    for peer in ("nannyml", "evidently"):
        r = results.get(peer)
        if not r or "error" in r:
            print(f"{peer:<12}{'n/a':>10}  {r.get('error') if r else 'skipped'}")
            continue
        secs = float(r.get("seconds_extrapolated", r["seconds"]))  # type: ignore[arg-type]
        print(f"{peer:<12}{secs:>10.2f}{secs / ours:>10.1f}x")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
