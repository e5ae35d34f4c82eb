"""CBPE on 1,000,000 analysis rows: modelpact vs NannyML, side by side in one run.

Data: a binary classifier with overconfident scores (so calibration matters), a labelled
reference of 100,000 rows, and 1,000,000 analysis rows in 10 chunks of 100,000 whose feature
drifts chunk by chunk (covariate shift, no concept shift: the relation between scores and
labels holds, which is what CBPE assumes). The labels of the analysis rows are hidden from
both estimators and used only to score them.

Both sides get the same Parquet files. Timed: fit on the reference + estimate on the analysis
(data already in memory). NannyML runs in its own virtual environment as a subprocess.

Reported per side: wall time, per-metric mean absolute error of the chunk estimates against
the realized values, and the share of chunks whose band holds the realized value
(modelpact: 95% band; NannyML: its default ±3 standard errors).

Run::

    .venv/bin/python benchmarks/bench_cbpe.py [--rows 1000000] [--nannyml PYTHON]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from modelpact.monitor.cbpe import CBPE

METRICS = ["roc_auc", "accuracy", "f1", "precision", "recall", "specificity"]
REALIZED = {
    "roc_auc": lambda y, p, d: roc_auc_score(y, p),
    "accuracy": lambda y, p, d: accuracy_score(y, d),
    "f1": lambda y, p, d: f1_score(y, d),
    "precision": lambda y, p, d: precision_score(y, d),
    "recall": lambda y, p, d: recall_score(y, d),
    "specificity": lambda y, p, d: recall_score(1 - y, 1 - d),
}
_LOCAL = Path(__file__).resolve().parents[1] / ".venv-bench-nannyml" / "bin" / "python"
NANNYML = str(_LOCAL if _LOCAL.exists() else Path("/work/bench-venvs/nannyml/bin/python"))

NANNYML_SCRIPT = r'''
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
import nannyml as nml
ref = pd.read_parquet(sys.argv[1])
ana = pd.read_parquet(sys.argv[2]).drop(columns=["y"])
metrics = sys.argv[3].split(",")
chunk = int(sys.argv[4])
start = time.perf_counter()
est = nml.CBPE(
    y_pred_proba="p", y_pred="pred", y_true="y", problem_type="classification_binary",
    metrics=metrics, chunk_size=chunk,
)
est.fit(ref)
res = est.estimate(ana)
elapsed = time.perf_counter() - start
df = res.filter(period="analysis").to_df()
out = {"seconds": elapsed, "version": nml.__version__, "metrics": {}}
for m in metrics:
    out["metrics"][m] = {
        "value": df[(m, "value")].tolist(),
        "low": df[(m, "lower_confidence_boundary")].fillna(-1e9).tolist(),
        "high": df[(m, "upper_confidence_boundary")].fillna(1e9).tolist(),
    }
print(json.dumps(out))
'''


def make_data(rows: int, reference_rows: int, chunks: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and analysis frames: columns p (score), pred (0/1 decision), y (label)."""
    rng = np.random.default_rng(seed)

    def draw(n: int, shift: float | np.ndarray) -> pd.DataFrame:
        x = rng.normal(0.0, 1.0, n) + shift
        true_p = 1.0 / (1.0 + np.exp(-(1.3 * x - 0.8)))
        y = (rng.uniform(size=n) < true_p).astype(np.int64)
        logit = np.log(true_p / (1.0 - true_p))
        score = 1.0 / (1.0 + np.exp(-(1.8 * logit + 0.3)))  # overconfident, shifted
        return pd.DataFrame({"p": score, "pred": (score >= 0.5).astype(np.int64), "y": y})

    reference = draw(reference_rows, 0.0)
    per_chunk = rows // chunks
    shift = np.repeat(np.linspace(0.0, 0.8, chunks), per_chunk)
    analysis = draw(per_chunk * chunks, shift)
    return reference, analysis


def run_modelpact(reference: pd.DataFrame, analysis: pd.DataFrame, chunk: int) -> dict[str, object]:
    scores_ref = reference["p"].to_numpy()
    y_ref = reference["y"].to_numpy()
    scores = analysis["p"].to_numpy()
    start = time.perf_counter()
    cbpe = CBPE(task="binary", metrics=METRICS).fit(y_ref, scores_ref)
    estimates = [cbpe.estimate(scores[i : i + chunk]) for i in range(0, len(scores), chunk)]
    elapsed = time.perf_counter() - start
    return {
        "seconds": elapsed,
        "calibrated": cbpe.calibrated_,
        "metrics": {
            m: {
                "value": [e[m].value for e in estimates],
                "low": [e[m].low for e in estimates],
                "high": [e[m].high for e in estimates],
            }
            for m in METRICS
        },
    }


def run_nannyml(python: str, ref_path: Path, ana_path: Path, chunk: int) -> dict[str, object]:
    env = {**os.environ, "NML_DISABLE_USAGE_LOGGING": "1", "DO_NOT_TRACK": "1"}
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(NANNYML_SCRIPT)
    try:
        done = subprocess.run(
            [python, handle.name, str(ref_path), str(ana_path), ",".join(METRICS), str(chunk)],
            capture_output=True, text=True, env=env, check=True,
        )
    finally:
        os.unlink(handle.name)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def score(side: dict[str, object], realized: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    out = {}
    metrics = side["metrics"]
    assert isinstance(metrics, dict)
    for m in METRICS:
        est = metrics[m]
        value, low, high = (np.asarray(est[k], dtype=float) for k in ("value", "low", "high"))
        truth = np.asarray(realized[m])
        out[m] = {
            "mae": float(np.mean(np.abs(value - truth))),
            "coverage": float(np.mean((low <= truth) & (truth <= high))),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reference-rows", type=int, default=100_000)
    parser.add_argument("--chunks", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--nannyml", default=NANNYML, help="python of the NannyML venv")
    args = parser.parse_args()
    chunk = args.rows // args.chunks
    reference, analysis = make_data(args.rows, args.reference_rows, args.chunks, args.seed)
    y, p, d = (analysis[c].to_numpy() for c in ("y", "p", "pred"))
    realized = {
        m: [f(y[i : i + chunk], p[i : i + chunk], d[i : i + chunk]) for i in range(0, len(y), chunk)]
        for m, f in REALIZED.items()
    }
    with tempfile.TemporaryDirectory() as tmp:
        ref_path, ana_path = Path(tmp) / "reference.parquet", Path(tmp) / "analysis.parquet"
        reference.to_parquet(ref_path)
        analysis.to_parquet(ana_path)
        ours = run_modelpact(reference, analysis, chunk)
        theirs = run_nannyml(args.nannyml, ref_path, ana_path, chunk)
    our_score, their_score = score(ours, realized), score(theirs, realized)
    print(f"CBPE: reference {len(reference):,} rows, analysis {len(analysis):,} rows in "
          f"{args.chunks} chunks of {chunk:,}; seed {args.seed}")
    print(f"modelpact  {ours['seconds']:8.2f} s   (calibrated: {ours['calibrated']})")
    print(f"NannyML    {theirs['seconds']:8.2f} s   (nannyml {theirs['version']})")
    ratio = float(theirs["seconds"]) / float(ours["seconds"])  # type: ignore[arg-type]
    print(f"speed-up   {ratio:8.1f}x")
    print()
    print(f"{'metric':<12} {'MAE modelpact':>14} {'MAE NannyML':>12} "
          f"{'cover mp (95%)':>15} {'cover NML (3se)':>16}")
    for m in METRICS:
        print(f"{m:<12} {our_score[m]['mae']:>14.5f} {their_score[m]['mae']:>12.5f} "
              f"{our_score[m]['coverage']:>15.2f} {their_score[m]['coverage']:>16.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
