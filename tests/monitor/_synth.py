"""Seeded synthetic production data for monitoring tests: a logistic model and its scores."""

from __future__ import annotations

import numpy as np
import pandas as pd

from modelpact.pact import Pact

FEATURES = ["x0", "x1", "x2", "x3", "segment"]


def make_rows(rng: np.random.Generator, n: int, *, shift: float = 0.0, spread: float = 1.0,
              start_id: int = 0) -> pd.DataFrame:
    """Rows with features, the model's score, the true label and an id.

    ``shift`` moves ``x0`` (in standard deviations); ``spread`` scales the informative
    features, so ``spread < 1`` pushes scores towards 0.5 and accuracy down.
    """
    x = rng.normal(size=(n, 4))
    x[:, 0] = x[:, 0] * spread + shift
    x[:, 1] *= spread
    logit = 1.8 * x[:, 0] - 1.2 * x[:, 1] + 0.3 * x[:, 2]
    p = 1.0 / (1.0 + np.exp(-logit))
    y = (rng.uniform(size=n) < p).astype(int)
    frame = pd.DataFrame(x, columns=FEATURES[:4])
    frame["segment"] = rng.choice(["retail", "sme", "corporate"], p=[0.6, 0.3, 0.1], size=n)
    frame["score"] = p
    frame["label"] = np.where(y == 1, "yes", "no")
    frame["id"] = np.arange(start_id, start_id + n)
    return frame


def make_pact(**monitoring: object) -> Pact:
    """A binary pact on the synthetic rows."""
    return Pact.model_validate({
        "name": "synthetic",
        "task": "binary",
        "positive_class": "yes",
        "columns": {"target": "label", "score": "score", "id": "id"},
        "criteria": [{"metric": "roc_auc", "at_least": 0.8},
                     {"metric": "accuracy", "at_least": 0.75}],
        "monitoring": monitoring,
    })
