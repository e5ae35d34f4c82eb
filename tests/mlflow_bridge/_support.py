"""Data, models and pacts the MLflow tests share."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

MLFLOW_WARNINGS = [
    # MLflow's SQLite store configures its mappers with an option SQLAlchemy 2.1 deprecates
    pytest.mark.filterwarnings(
        "ignore:The ``noload`` loader strategy is deprecated:sqlalchemy.exc.SADeprecationWarning"
    ),
    # MLflow's datasets and input examples call pandas in ways pandas 3.1 deprecates
    # (positional DataFrame.all, drop(inplace=...), comparing an index with a range); only
    # such warnings raised from MLflow's own modules
    pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning:mlflow"),
]

PACT = """\
name: churn
task: binary
positive_class: 1
columns: {target: y, score: p, id: id}
criteria:
  - {metric: roc_auc, at_least: 0.75}
  - {metric: accuracy, vs_baseline: improve, by: 0.05}
data: {min_rows: 100}
"""


def rows(n: int, *, seed: int = 0) -> pd.DataFrame:
    """Two informative features, a label, and an id."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    p = 1 / (1 + np.exp(-(2.0 * x[:, 0] - 1.0 * x[:, 1])))
    y = (rng.uniform(size=n) < p).astype(int)
    return pd.DataFrame({"id": np.arange(n), "x0": x[:, 0], "x1": x[:, 1], "y": y})


def fitted(train: pd.DataFrame, *, informative: bool = True) -> Any:
    """A logistic model on x0, x1; not informative: fitted on shuffled labels."""
    y = train["y"] if informative else train["y"].sample(frac=1.0, random_state=1).to_numpy()
    return LogisticRegression().fit(train[["x0", "x1"]], y)


def scored(frame: pd.DataFrame, model: Any) -> pd.DataFrame:
    """*frame* with the model's P(y=1) as column ``p``."""
    return frame.assign(p=model.predict_proba(frame[["x0", "x1"]])[:, 1])
