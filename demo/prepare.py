"""Prepare the demo data from scikit-learn's built-in breast-cancer set.

Writes, into the output folder given as the only argument:
  train.csv, eval.csv   a stratified half/half split; size_group is a slice for the pact
  train_v2.csv          a later training snapshot that lost the large tumours
  reference.csv         a labelled period after sign-off where the model is known to be good
  production.csv        later production rows (no labels) whose second half drifts to larger
                        tumours; labels.csv holds the labels that arrived for the first 2,000
Production traffic is simulated by resampling the evaluation rows with 1% measurement noise:
the built-in set has only 569 patients.
  pact.yaml             the pact the team agreed on before any experiment
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

PACT = """\
# What "done" means for the tumour classifier, agreed before any experiment.
pact: 1
name: tumour-screening
task: binary
columns:
  target: malignant
  score: p_malignant
  id: patient_id
  slices: [size_group]
positive_class: 1
threshold: 0.5
baseline: {kind: prior}
confidence: 0.95
criteria:
  - {metric: roc_auc, at_least: 0.95}
  - {metric: roc_auc, vs_baseline: improve, by: 0.30}
  - {metric: recall, at_least: 0.90}
  - {metric: specificity, at_least: 0.90}
  - {metric: precision, at_least: 0.85}
  # no brier criterion: on 285 evaluation rows its per-row losses are too skewed for an
  # honest interval (a mean needs more than 25 x skewness^2 rows), so it could only ever be
  # inconclusive here
data:
  min_rows: 200
  min_rows_per_slice: 50
monitoring:
  chunk_size: 500
retraining:
  trainer: tumour_trainer:fit    # demo/tumour_trainer.py: the team's own code
  triggers: {alerts: [drift], min_drifted_features: 3}
  holdout_rows: 1000             # the newest labelled rows, never trained on
  metric: roc_auc
  margin: 0.01                   # no worse than the champion by more than 0.01 AUC
  auto_promote: true
"""


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    frame = load_breast_cancer(as_frame=True).frame
    frame = frame.rename(columns=lambda c: c.replace(" ", "_"))
    frame["malignant"] = 1 - frame.pop("target")  # scikit-learn codes benign as 1
    frame.insert(0, "patient_id", np.arange(len(frame)))
    sizes = pd.cut(frame["mean_radius"], [0, 12, 15, 100], labels=["small", "medium", "large"])
    frame["size_group"] = sizes.astype(str)
    train, evaluation = train_test_split(
        frame, test_size=0.5, random_state=0, stratify=frame["malignant"]
    )
    train.to_csv(out / "train.csv", index=False)
    evaluation.to_csv(out / "eval.csv", index=False)
    train[train["size_group"] != "large"].to_csv(out / "train_v2.csv", index=False)
    rng = np.random.default_rng(0)
    numeric = [c for c in frame.columns if c not in ("patient_id", "malignant", "size_group")]

    def traffic(rows: pd.DataFrame, first_id: int) -> pd.DataFrame:
        rows = rows.reset_index(drop=True)
        rows[numeric] = rows[numeric] * rng.normal(1.0, 0.01, (len(rows), len(numeric)))
        rows["patient_id"] = np.arange(first_id, first_id + len(rows))
        return rows

    reference = traffic(evaluation.sample(5000, replace=True, random_state=1), 100_000)
    stable = evaluation.sample(2500, replace=True, random_state=2)
    drifted = evaluation.sample(
        2500, replace=True, random_state=3, weights=evaluation["mean_radius"] ** 4
    )
    production = traffic(pd.concat([stable, drifted]), 200_000)
    reference.to_csv(out / "reference.csv", index=False)
    production[["patient_id", "malignant"]].head(2000).to_csv(out / "labels.csv", index=False)
    production.drop(columns="malignant").to_csv(out / "production.csv", index=False)
    (out / "pact.yaml").write_text(PACT)
    print(f"demo data written to {out.resolve()}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "demo-output"))
