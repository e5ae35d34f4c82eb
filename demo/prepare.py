"""Prepare the demo: train two models on scikit-learn's built-in breast-cancer data.

Writes, into the output folder given as the only argument:
  train.csv, eval.csv          the split (eval.csv also holds both models' scores)
  model_logreg.joblib          a scaled logistic regression (the candidate)
  model_forest.joblib          a random forest trained on the same rows (a second version)
  model_logreg_v2.joblib       the logistic regression retrained on train_v2.csv, where the
                               large tumours were dropped: same code, different data
  pred_logreg.csv, pred_forest.csv   each model's scores on the evaluation rows, with ids
  production.csv               later "production" rows, with a drifted feature
  pact.yaml                    the pact the team agreed on before the experiments
"""

from __future__ import annotations

import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

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
  - {metric: brier, at_most: 0.05}
data:
  min_rows: 200
  min_rows_per_slice: 50
"""


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    data = load_breast_cancer(as_frame=True)
    frame = data.frame.rename(columns=lambda c: c.replace(" ", "_"))
    frame["malignant"] = 1 - frame.pop("target")  # sklearn codes benign as 1
    frame.insert(0, "patient_id", np.arange(len(frame)))
    frame["size_group"] = pd.cut(
        frame["mean_radius"], [0, 12, 15, 100], labels=["small", "medium", "large"]
    ).astype(str)
    train, evaluation = train_test_split(
        frame, test_size=0.5, random_state=0, stratify=frame["malignant"]
    )
    features = [c for c in frame.columns if c not in ("patient_id", "malignant", "size_group")]
    candidates = {
        "logreg": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        "forest": RandomForestClassifier(n_estimators=200, random_state=0),
    }
    evaluation = evaluation.copy()
    for name, model in candidates.items():
        model.fit(train[features], train["malignant"])
        joblib.dump(model, out / f"model_{name}.joblib")
        p = model.predict_proba(evaluation[features])[:, 1]
        pd.DataFrame(
            {
                "patient_id": evaluation["patient_id"],
                "malignant": evaluation["malignant"],
                "p_malignant": p,
                "size_group": evaluation["size_group"],
            }
        ).to_csv(out / f"pred_{name}.csv", index=False)
    # A retrain on a data snapshot that lost the large tumours: no code change at all.
    train_v2 = train[train["size_group"] != "large"]
    v2 = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    v2.fit(train_v2[features], train_v2["malignant"])
    joblib.dump(v2, out / "model_logreg_v2.joblib")
    train_v2.to_csv(out / "train_v2.csv", index=False)
    evaluation["p_malignant"] = candidates["logreg"].predict_proba(evaluation[features])[:, 1]
    train.to_csv(out / "train.csv", index=False)
    evaluation.to_csv(out / "eval.csv", index=False)
    # "production": resampled evaluation rows whose later half comes from larger tumours
    rng = np.random.default_rng(0)
    stable = evaluation.sample(1500, replace=True, random_state=1)
    shifted = evaluation.sample(
        1500, replace=True, random_state=2, weights=evaluation["mean_radius"] ** 4
    )
    production = pd.concat([stable, shifted], ignore_index=True)
    production["patient_id"] = np.arange(10_000, 10_000 + len(production))
    production["p_malignant"] = candidates["logreg"].predict_proba(production[features])[:, 1]
    noise = rng.normal(0, 0.02, len(production))
    production["mean_texture"] = production["mean_texture"] * (1 + noise)
    production.to_csv(out / "production.csv", index=False)
    (out / "pact.yaml").write_text(PACT)
    print(f"demo data written to {out}/")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "demo-output"))
