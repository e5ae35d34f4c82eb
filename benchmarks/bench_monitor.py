"""Univariate drift at scale: modelpact versus NannyML and Evidently, side by side in one run.

Data (seeded): a reference of 100,000 rows and an analysis period of 1,000,000 rows, 15 numeric
and 5 categorical features, cut into 10 chunks; three numeric and one categorical feature drift
in the second half. Every tool runs in a fresh process of its own, reads the same Parquet files
with ``pandas.read_parquet`` (not timed) and is timed on the same work, CPU seconds beside wall:

* modelpact: ``modelpact.monitor.monitor`` with univariate drift only (Jensen–Shannon and
  Wasserstein for numeric, Jensen–Shannon for categorical features), thresholds calibrated on
  the reference by leave-chunk-out (the analysis keeps its label column, so modelpact also
  measures realized accuracy per chunk: work NannyML's calculator does not do);
* NannyML: ``UnivariateDriftCalculator`` with the same methods, ``chunk_number=10``, fit on the
  reference then calculate on the analysis;
* Evidently: ``Report([DataDriftPreset()])`` run once per chunk against the reference (it has no
  chunking of its own), with its default per-column tests.

modelpact and NannyML alternate ``--repeats`` times (default 3); the headline is the median of
the CPU ratios of each pair. Each modelpact run also times the work's floor in the same process:
``np.sort`` of every numeric column and ``np.bincount`` of every categorical column's codes,
reference and analysis, the least any exact drift computation must do; the ratio to it makes a
regression visible whatever the machine.

The peers run in their own virtual environments as subprocesses, with usage tracking disabled:
``.venv-bench-<peer>/`` in the checkout (git-ignored), else ``/work/bench-venvs/<peer>``. Set
one up with::

    python3 -m venv .venv-bench-nannyml && .venv-bench-nannyml/bin/pip install nannyml==0.13.1

Run::

    .venv/bin/python benchmarks/bench_monitor.py [--rows 1000000] [--repeats 3] [--skip evidently]

``--scale 1000000 5000000`` instead times the whole ``monitor`` at its defaults (univariate and
multivariate drift, data quality) on Parquet files of each size, one fresh process per size,
and prints wall, user and system CPU seconds and the peak resident memory per analysed row.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
VENVS = (ROOT, Path("/work/bench-venvs"))
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
    t, c = time.perf_counter(), time.process_time()
    calc = nml.UnivariateDriftCalculator(
        column_names=cols, chunk_number=10,
        continuous_methods=["jensen_shannon", "wasserstein"],
        categorical_methods=["jensen_shannon"])
    calc.fit(ref)
    res = calc.calculate(ana).filter(period="analysis")
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    frame = res.to_df()
    alerts = int(sum(frame[k].sum() for k in frame.columns if k[-1] == "alert"))
    print(json.dumps({"seconds": seconds, "cpu": cpu, "alerts": alerts,
                      "version": nml.__version__}))
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
    t, c = time.perf_counter(), time.process_time()
    definition = DataDefinition(numerical_columns=num, categorical_columns=cat)
    reference = Dataset.from_pandas(ref[num + cat], data_definition=definition)
    bounds = np.linspace(0, len(ana), 11).round().astype(int)
    done = 0
    for s, e in list(zip(bounds[:-1], bounds[1:]))[:limit]:
        current = Dataset.from_pandas(ana.iloc[s:e][num + cat].reset_index(drop=True),
                                      data_definition=definition)
        Report([DataDriftPreset()]).run(current, reference)
        done += 1
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    print(json.dumps({"seconds": seconds, "cpu": cpu, "chunks_timed": done,
                      "version": evidently.__version__}))
""")


def peer_python(name: str) -> Path:
    """The peer's interpreter: ``.venv-bench-<name>`` here, else the shared bench venvs."""
    local = VENVS[0] / f".venv-bench-{name}" / "bin" / "python"
    return local if local.exists() else VENVS[1] / name / "bin" / "python"


def run_peer(name: str, script: str, args: list[str]) -> dict[str, object]:
    python = peer_python(name)
    if not python.exists():
        return {"error": f"{python} not found"}
    env = {**os.environ, "NML_DISABLE_USAGE_LOGGING": "1", "DO_NOT_TRACK": "1"}
    proc = subprocess.run([str(python), "-c", script, *args], capture_output=True, text=True,
                          env=env, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


SCALE = textwrap.dedent("""
    import json, resource, sys, time

    def high_water_mb():
        # VmHWM is this process's own peak; ru_maxrss survives exec and reports the parent's
        with open("/proc/self/status") as f:
            line = next(x for x in f if x.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    from modelpact.monitor import monitor
    from modelpact.pact import Pact
    pact = Pact.model_validate(json.loads(sys.argv[3]))
    imported = high_water_mb()
    t = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    result = monitor(pact, sys.argv[1], sys.argv[2], chunks=10)
    after = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"wall": time.perf_counter() - t,
                      "user": after.ru_utime - before.ru_utime,
                      "system": after.ru_stime - before.ru_stime,
                      "peak_mb": high_water_mb(), "import_mb": imported,
                      "alerts": len(result.alerts), "chunks": len(result.chunks)}))
""")


def bench_pact() -> dict[str, object]:
    return {"name": "bench", "task": "binary", "positive_class": 1,
            "columns": {"target": "target", "features": NUMERIC + CATEGORICAL},
            "criteria": [{"metric": "accuracy", "at_least": 0.5}]}


def run_scale(sizes: list[int], reference_rows: int) -> None:
    """The whole monitor at its defaults, one fresh process per analysis size."""
    rng = np.random.default_rng(0)
    rows_out = []
    with tempfile.TemporaryDirectory() as tmp:
        ref_path = Path(tmp) / "ref.parquet"
        make_data(reference_rows, rng, drift=False).to_parquet(ref_path, index=False)
        for n in sizes:
            ana_path = Path(tmp) / f"ana-{n}.parquet"
            make_data(n, np.random.default_rng(n), drift=True).to_parquet(ana_path, index=False)
            proc = subprocess.run(
                [sys.executable, "-c", SCALE, str(ref_path), str(ana_path),
                 json.dumps(bench_pact())], capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                raise SystemExit(1)
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            r["rows"] = n
            rows_out.append(r)
            print(json.dumps(r), flush=True)
            ana_path.unlink()
    print(f"\nmonitor at defaults, reference {reference_rows:,} rows, 10 chunks, "
          f"{N_NUMERIC} numeric + {N_CATEGORICAL} categorical features")
    print(f"{'rows':>10}{'wall s':>9}{'user s':>9}{'sys s':>8}{'CPU s':>8}{'peak MB':>9}"
          f"{'B/row':>7}{'B/row*':>8}{'CPU/1st':>9}   (* less the imports' memory)")
    base = rows_out[0]["user"] + rows_out[0]["system"]
    for r in rows_out:
        cpu = r["user"] + r["system"]
        print(f"{r['rows']:>10,}{r['wall']:>9.2f}{r['user']:>9.2f}{r['system']:>8.2f}"
              f"{cpu:>8.2f}{r['peak_mb']:>9.0f}{r['peak_mb'] * 2**20 / r['rows']:>7.0f}"
              f"{(r['peak_mb'] - r['import_mb']) * 2**20 / r['rows']:>8.0f}"
              f"{cpu / base:>8.2f}x")


MODELPACT = textwrap.dedent("""
    import json, sys, time
    import numpy as np, pandas as pd
    from modelpact.monitor import monitor
    from modelpact.pact import Pact
    ref = pd.read_parquet(sys.argv[1]); ana = pd.read_parquet(sys.argv[2])
    pact = Pact.model_validate(json.loads(sys.argv[3]))
    t, c = time.perf_counter(), time.process_time()
    result = monitor(pact, ref, ana, chunks=10, multivariate=False, estimate_performance=False)
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    drifted = sorted({a.feature for a in result.alerts if a.kind == "drift" and a.feature})
    # the floor: sort every numeric column, count every categorical column's codes
    numeric, categorical = json.loads(sys.argv[4]), json.loads(sys.argv[5])
    columns = [(f[c].to_numpy(), c in categorical) for f in (ref, ana)
               for c in numeric + categorical]
    columns = [(pd.factorize(x)[0] if cat else x, cat) for x, cat in columns]
    floor = []
    for _ in range(3):
        f = time.process_time()
        for x, cat in columns:
            np.bincount(x) if cat else np.sort(x)
        floor.append(time.process_time() - f)
    print(json.dumps({"seconds": seconds, "cpu": cpu, "floor": min(floor),
                      "alerts": len(result.alerts), "drifted": drifted}))
""")


def load_average() -> float:
    return os.getloadavg()[0]


def run_modelpact(ref_path: Path, ana_path: Path) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", MODELPACT, str(ref_path), str(ana_path), json.dumps(bench_pact()),
         json.dumps(NUMERIC), json.dumps(CATEGORICAL)], capture_output=True, text=True,
        check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reference-rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3,
                        help="modelpact / NannyML pairs, run alternately.")
    parser.add_argument("--skip", action="append", default=[], choices=["nannyml", "evidently"])
    parser.add_argument("--evidently-chunks", type=int, default=N_CHUNKS,
                        help="Chunks Evidently is timed on (the rest extrapolated linearly).")
    parser.add_argument("--scale", type=int, nargs="+", metavar="ROWS",
                        help="Time the whole monitor at these analysis sizes instead.")
    args = parser.parse_args()
    if args.scale:
        run_scale(args.scale, args.reference_rows)
        return
    rng = np.random.default_rng(0)
    ref = make_data(args.reference_rows, rng, drift=False)
    ana = make_data(args.rows, rng, drift=True)
    pairs: list[tuple[dict[str, object], dict[str, object] | None]] = []
    evidently: dict[str, object] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        ref_path, ana_path = Path(tmp) / "ref.parquet", Path(tmp) / "ana.parquet"
        ref.to_parquet(ref_path, index=False)
        ana.to_parquet(ana_path, index=False)
        del ref, ana
        for rep in range(args.repeats):
            ours = run_modelpact(ref_path, ana_path) | {"load": load_average()}
            print(f"[{rep + 1}] modelpact", ours, flush=True)
            peer = None
            if "nannyml" not in args.skip:
                peer = run_peer("nannyml", NANNYML, [
                    str(ref_path), str(ana_path), json.dumps(NUMERIC + CATEGORICAL)]) | {
                    "load": load_average()}
                print(f"[{rep + 1}] nannyml  ", peer, flush=True)
            pairs.append((ours, peer))
        if "evidently" not in args.skip:
            evidently = run_peer("evidently", EVIDENTLY, [
                str(ref_path), str(ana_path), json.dumps(NUMERIC), json.dumps(CATEGORICAL),
                str(args.evidently_chunks)])
            if "seconds" in evidently and evidently.get("chunks_timed", N_CHUNKS) != N_CHUNKS:
                scale = N_CHUNKS / float(evidently["chunks_timed"])  # type: ignore[arg-type]
                evidently["seconds"] = float(evidently["seconds"]) * scale  # type: ignore[arg-type]
                evidently["cpu"] = float(evidently["cpu"]) * scale  # type: ignore[arg-type]
                evidently["extrapolated"] = True
            print("evidently", evidently, flush=True)
    report(args, pairs, evidently)


def _f(r: dict[str, object], key: str) -> float:
    return float(r[key])  # type: ignore[arg-type]


def report(args: argparse.Namespace, pairs: list[tuple[dict[str, object],
                                                     dict[str, object] | None]],
           evidently: dict[str, object] | None) -> None:
    print(f"\nreference {args.reference_rows:,} rows, analysis {args.rows:,} rows, "
          f"{N_NUMERIC} numeric + {N_CATEGORICAL} categorical, {N_CHUNKS} chunks; "
          "CPU = process CPU seconds of the timed work")
    print(f"{'run':<5}{'load':>6}{'ours wall':>11}{'ours CPU':>10}{'floor CPU':>11}"
          f"{'vs floor':>10}{'NannyML wall':>14}{'NannyML CPU':>13}{'ratio wall':>12}"
          f"{'ratio CPU':>11}")
    ratios, floors = [], []
    for i, (ours, peer) in enumerate(pairs, 1):
        if "error" in ours:
            print(f"{i:<5}modelpact failed: {ours['error']}")
            continue
        vs_floor = _f(ours, "cpu") / max(_f(ours, "floor"), 1e-9)
        floors.append(vs_floor)
        line = (f"{i:<5}{_f(ours, 'load'):>6.1f}{_f(ours, 'seconds'):>11.2f}"
                f"{_f(ours, 'cpu'):>10.3f}{_f(ours, 'floor'):>11.3f}{vs_floor:>9.1f}x")
        if peer and "error" not in peer:
            ratio = _f(peer, "cpu") / _f(ours, "cpu")
            ratios.append(ratio)
            line += (f"{_f(peer, 'seconds'):>14.2f}{_f(peer, 'cpu'):>13.3f}"
                     f"{_f(peer, 'seconds') / _f(ours, 'seconds'):>11.1f}x{ratio:>10.1f}x")
        elif peer:
            line += f"   NannyML failed: {peer['error']}"
        print(line)
    if ratios:
        print(f"\nwhole drift work, NannyML / modelpact by CPU: median {np.median(ratios):.1f}x "
              f"(runs: {', '.join(f'{r:.1f}x' for r in ratios)})")
    if floors:
        print(f"modelpact / its floor (np.sort + np.bincount of the same columns) by CPU: "
              f"median {np.median(floors):.1f}x")
    if evidently and "error" not in evidently:
        ours_cpu = float(np.median([_f(o, "cpu") for o, _ in pairs if "error" not in o]))
        print(f"Evidently: {_f(evidently, 'seconds'):.1f} s wall, {_f(evidently, 'cpu'):.1f} s "
              f"CPU{' (extrapolated)' if evidently.get('extrapolated') else ''}: "
              f"{_f(evidently, 'cpu') / ours_cpu:.0f}x modelpact's median CPU")
    elif evidently:
        print(f"Evidently failed: {evidently['error']}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
