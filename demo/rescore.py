"""Score production traffic with the project's current champion, as the serving system would
after a promotion. Its reference is the retraining's holdout (the newest 1,000 labelled rows
of window.csv), which the champion never trained on; its analysis is the traffic after those
rows, which it has never seen either. Writes reference_champion.csv and
production_champion.csv in the current directory.

The champion is loaded from the ledger the way every command loads a registered model: its
SHA-256 checked, and (a scikit-learn estimator stored in skops format) without unpickling.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from tumour_trainer import ROLES  # the team's trainer beside this script: same feature rule

from modelpact.ledger import open_store

with open_store(root=Path(".modelpact")) as store:
    version = store.get_model_version("tumour-screening@champion")
    model = store.load_model(version.ref)
holdout = pd.read_csv("window.csv").tail(1000)  # retraining.holdout_rows in the demo pact
production = pd.read_csv("production.csv")
later = production[~production["patient_id"].isin(pd.read_csv("window.csv")["patient_id"])]
for name, rows in (("reference", holdout.copy()), ("production", later.copy())):
    features = [c for c in rows.columns if c not in ROLES]
    rows["p_malignant"] = model.predict_proba(rows[features])[:, 1]
    rows.to_csv(f"{name}_champion.csv", index=False)
    print(f"{name}_champion.csv: {len(rows):,} rows scored by {version.ref}")
