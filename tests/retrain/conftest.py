"""A synthetic time-ordered binary stream, a ledger with a champion, and a pact to retrain it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from modelpact.ledger import Store, open_store
from modelpact.pact import Pact, parse_pact

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ["x1", "x2", "x3"]

PACT = """
name: churn
task: binary
positive_class: 1
columns: {{target: y, time: t}}
criteria:
  - {{metric: accuracy, at_least: 0.65}}
retraining:
  trainer: tests.retrain.trainers:{trainer}
  holdout_rows: 2000
  auto_promote: {auto}
  promotion: {rule}
  margin: 0.02
  timeout: {timeout}
  triggers: {{min_new_labels: 1000}}
"""


def make_pact(
    trainer: str = "fit",
    *,
    auto: bool = True,
    rule: str = "non_inferiority",
    timeout: float = 120,
    extra: str = "",
) -> Pact:
    """The churn pact with its retraining section filled in."""
    text = PACT.format(trainer=trainer, auto=str(auto).lower(), rule=rule, timeout=timeout)
    return parse_pact(text + extra)


def stream(n: int, seed: int = 0, start: int = 0) -> pd.DataFrame:
    """Rows of a fixed logistic relation, in time order (``t``)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    p = 1 / (1 + np.exp(-(1.5 * x[:, 0] - x[:, 1] + 0.5 * x[:, 2])))
    y = (rng.random(n) < p).astype(int)
    return pd.DataFrame(x, columns=FEATURES).assign(t=np.arange(start, start + n), y=y)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Store]:
    """A SQLite ledger whose project 'churn' has a champion fitted on 1,000 early rows."""
    with open_store(f"sqlite:///{tmp_path / 'ledger.db'}", root=tmp_path) as store:
        store.ensure_project("churn", make_pact())
        early = stream(1000, seed=99)
        champion = LogisticRegression().fit(early[FEATURES], early["y"])
        version = store.register_model(project="churn", model=champion, name="first")
        store.set_stage(version.id, "champion", forced=True, reason="the first model")
        yield store


@pytest.fixture
def window(tmp_path: Path) -> Path:
    """8,000 fresh labelled rows."""
    path = tmp_path / "window.csv"
    stream(8000, seed=1).to_csv(path, index=False)
    return path
