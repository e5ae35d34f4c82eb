"""The experiment loop: every run tied to the data it saw, evaluated against the pact.

Trains three versions of the tumour classifier inside ``modelpact.start_run``; each run logs
its training data (fingerprinted), its model (registered as a candidate version) and its
verdict. Version 3 is version 1's code retrained on a changed data snapshot. Also writes the
models' scores next to the data, for the file-based commands of the demo.
"""

from __future__ import annotations

import joblib
import pandas as pd
from sklearn.base import ClassifierMixin, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import modelpact

train = pd.read_csv("train.csv")
train_v2 = pd.read_csv("train_v2.csv")
evaluation = pd.read_csv("eval.csv")
production = pd.read_csv("production.csv")
reference = pd.read_csv("reference.csv")
features = [c for c in train.columns if c not in ("patient_id", "malignant", "size_group")]
logreg = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
runs: list[tuple[str, ClassifierMixin, pd.DataFrame]] = [
    ("logreg", logreg, train),
    ("forest", RandomForestClassifier(n_estimators=200, random_state=0), train),
    ("logreg-v2", clone(logreg), train_v2),
]
for name, model, data in runs:
    with modelpact.start_run(project="tumour-screening", pact="pact.yaml", name=name) as run:
        run.log_params({"model": type(model).__name__, "training_rows": len(data)})
        run.log_dataset(data, role="train", name="train_v2.csv" if data is train_v2 else "train.csv")
        model.fit(data[features], data["malignant"])
        run.log_model(model, name=name)
        verdict = run.evaluate(model, evaluation, train=data)
    print(f"run {run.id[:8]} {name:<10} -> {verdict.verdict}")
    scores = model.predict_proba(evaluation[features])[:, 1]
    pd.DataFrame(
        {"patient_id": evaluation["patient_id"], "malignant": evaluation["malignant"],
         "p_malignant": scores, "size_group": evaluation["size_group"]}
    ).to_csv(f"pred_{name}.csv", index=False)
    joblib.dump(model, f"model_{name}.joblib")

# The files the later steps read: the logistic regression's scores on the evaluation rows
# (the candidate the team verifies next), the forest's on the reference and production rows
# (it is the model the demo promotes and monitors).
evaluation["p_malignant"] = runs[0][1].predict_proba(evaluation[features])[:, 1]
evaluation.to_csv("eval.csv", index=False)
for name, rows in (("reference", reference), ("production", production)):
    rows["p_malignant"] = runs[1][1].predict_proba(rows[features])[:, 1]
    rows.to_csv(f"{name}.csv", index=False)
