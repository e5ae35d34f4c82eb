"""The training window of the demo's retraining: every labelled row so far.

The reference period, then the production rows whose labels have arrived (labels.csv), in
the order they came. Writes window.csv in the current directory.
"""

from __future__ import annotations

import pandas as pd

reference = pd.read_csv("reference.csv")
production = pd.read_csv("production.csv").merge(pd.read_csv("labels.csv"), on="patient_id")
window = pd.concat([reference, production[reference.columns]], ignore_index=True)
window.to_csv("window.csv", index=False)
print(f"window.csv: {len(window):,} labelled rows ({len(production):,} from production)")
