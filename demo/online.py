"""Gated online learning in the demo: a learner that learns every label, gated every 1,000 rows.

A second project, ``sensor-stream``: a stream whose concept turns slowly (which direction of
two sensor readings means "fault" rotates over time). A scikit-learn ``SGDClassifier`` fitted on
the first 500 rows is the first champion; ``OnlineLearner`` then serves it, learns every
labelled row after scoring it, and every 1,000 rows the pact's gate keeps the learning as a new
champion or rolls it back. Runs in the demo's ledger (the current directory's .modelpact/).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import SGDClassifier

from modelpact.ledger import open_store
from modelpact.pact import parse_pact
from modelpact.retrain import OnlineLearner

PROJECT = "sensor-stream"
FEATURES = ["sensor_a", "sensor_b"]
PACT = """
name: sensor-faults
task: binary
positive_class: 1
columns: {target: fault, time: t, features: [sensor_a, sensor_b]}
criteria:
  - {metric: accuracy, at_least: 0.7}
retraining:
  triggers: {every_rows: 1000}     # a gate every 1,000 labelled rows
  promotion: unless_worse          # keep the learning unless it is shown worse
  margin: 0.02
  auto_promote: true               # an online learner cannot wait for a person
"""


def stream(n: int, *, start: int, seed: int) -> pd.DataFrame:
    """Rows whose fault direction turns a quarter circle every 4,000 rows."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    angle = np.arange(start, start + n) / 16_000 * 2 * np.pi
    z = 4 * (np.cos(angle) * x[:, 0] + np.sin(angle) * x[:, 1])
    fault = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return pd.DataFrame(x, columns=FEATURES).assign(t=np.arange(start, start + n), fault=fault)


def main() -> None:
    early, rows = stream(500, start=-500, seed=1), stream(6000, start=0, seed=2)
    first = SGDClassifier(loss="log_loss", random_state=0)
    first.partial_fit(early[FEATURES], early["fault"], classes=[0, 1])
    with open_store() as store:
        store.ensure_project(PROJECT, parse_pact(PACT))  # the agreed pact, pinned
        version = store.register_model(project=PROJECT, model=first, name="sgd")
        store.set_stage(version.id, "champion", forced=True, reason="fitted on the first rows")
        served = []
        with OnlineLearner(store, PROJECT) as online:
            for s in range(0, len(rows), 100):  # labels arrive in batches of 100 rows
                batch = rows.iloc[s : s + 100]
                served.append(online.predict(batch))  # what production got
                for turn in online.learn(batch, batch["fault"]):  # scored, then learned
                    print(f"rows {s + 100 - turn.rows:>5,}-{s + 100:>5,}: {turn.summary()}")
    y = rows["fault"].to_numpy()
    online_accuracy = float((np.concatenate(served) == y).mean())
    frozen_accuracy = float((first.predict(rows[FEATURES]) == y).mean())
    print(f"accuracy on the 6,000 rows: the first learner frozen {frozen_accuracy:.3f}, "
          f"learning online under the gate {online_accuracy:.3f}")


if __name__ == "__main__":
    main()
