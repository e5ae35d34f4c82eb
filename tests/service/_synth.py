"""A captured model with a labelled reference week, then drift and decay (seeded)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from modelpact.ledger import open_store
from modelpact.ledger.capture import CaptureStore
from modelpact.ledger.keys import KeyStore
from modelpact.pact import Pact
from modelpact.service.validation import validate_feedback, validate_predictions

START = datetime(2026, 3, 1, tzinfo=UTC)
REFERENCE_DAYS = 7
DRIFT_DAY = 11  # from this day on, x shifts and the labels stop following the score
DAYS = 15
ROWS_PER_DAY = 400

PACT = Pact.model_validate({
    "name": "churn", "task": "binary", "positive_class": 1,
    "columns": {"target": "churned", "score": "p", "id": "rid", "time": "ts",
                "features": ["x", "plan"]},
    "criteria": [{"metric": "roc_auc", "at_least": 0.7}],
    "monitoring": {"chunk_period": "1d", "multivariate": False},
})


def frames(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predictions of DAYS days plus a few rows of the next; and every label."""
    rng = np.random.default_rng(seed)
    n = DAYS * ROWS_PER_DAY + 20
    ts = [START + timedelta(seconds=float(s)) for s in
          np.sort(rng.uniform(0, DAYS * 86400, n - 20))]
    ts += [START + timedelta(days=DAYS, minutes=i) for i in range(20)]
    day = np.array([(t - START).days for t in ts])
    drifted = day >= DRIFT_DAY
    x = rng.normal(0, 1, n) + np.where(drifted, 1.5, 0.0)
    p = 1 / (1 + np.exp(-2 * x))
    truth = rng.uniform(size=n) < np.where(drifted, 0.5, p)  # after the shift: coin flips
    predictions = pd.DataFrame({
        "rid": [f"r{i}" for i in range(n)], "ts": pd.to_datetime(ts, utc=True),
        "x": x, "plan": rng.choice(["basic", "gold"], n), "p": p})
    labels = pd.DataFrame({"rid": predictions["rid"], "churned": truth.astype(int)})
    return predictions, labels


def prepare(url: str, root: Path, *, labels_until_day: int = DAYS) -> str:
    """Ledger with project churn, model gbm (reference: the first week), data; a churn key."""
    predictions, labels = frames()
    with open_store(url, root=root) as store:
        store.ensure_project("churn", PACT)
        capture = CaptureStore(store)
        model = capture.ensure_model("churn", "gbm", reference_start=START,
                                     reference_end=START + timedelta(days=REFERENCE_DAYS))
        capture.add_predictions(model, validate_predictions(predictions, PACT))
        known = predictions["ts"] < pd.Timestamp(START + timedelta(days=labels_until_day))
        batch = validate_feedback(labels[known.to_numpy()], PACT)
        capture.add_feedback(model, batch.ids, batch.labels)
        _, key = KeyStore(store).create("churn")
    return key
