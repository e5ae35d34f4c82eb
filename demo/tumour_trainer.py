"""The team's trainer, named in the demo pact (``retraining: {trainer: tumour_trainer:fit}``).

``modelpact retrain`` calls it in a child process with the training window's rows (target
included) and gates the model it returns against the pact and the champion.
"""

from __future__ import annotations

import pandas as pd
from sklearn.ensemble import RandomForestClassifier

ROLES = ("patient_id", "malignant", "size_group", "p_malignant")


def fit(frame: pd.DataFrame) -> RandomForestClassifier:
    """The forest of the experiments, refit on the rows it is given."""
    features = [c for c in frame.columns if c not in ROLES]
    model = RandomForestClassifier(n_estimators=200, random_state=0)
    return model.fit(frame[features], frame["malignant"])
