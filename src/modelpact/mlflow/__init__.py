"""modelpact where MLflow users already work (needs ``pip install 'modelpact[mlflow]'``).

* **Read**: every command that takes data or a model accepts ``runs:/<run_id>/<path>``
  (a Parquet or CSV prediction table logged to a run) and ``models:/<name>/<version>`` or
  ``models:/<name>@<alias>`` (a registered model, loaded through its scikit-learn or pyfunc
  flavour). Loading a model runs its code: name only models you trust.
* **Write**: :func:`log` records a verdict, comparison or monitoring result on a run (metrics,
  tags, and the HTML/JSON/Markdown reports as artifacts); ``--mlflow`` does the same from the
  command line.
* **Gate**: :func:`promote` sets the registry's ``champion`` alias only for a version with a
  ``signed_off`` verdict against the project's pact (``modelpact models promote models:/...``).
* **Evaluate**: ``mlflow.models.evaluate(..., evaluators=["modelpact"],
  evaluator_config={"pact": "pact.yaml"})`` runs the pact through the evaluator plugin.

Importing this package does not import MLflow; each function does when called, and tracking
settings (``MLFLOW_TRACKING_URI`` and friends) stay MLflow's own.
"""

from modelpact.mlflow.registry import Promotion, promote
from modelpact.mlflow.runs import log
from modelpact.mlflow.uris import is_artifact_uri, is_model_uri

__all__ = ["Promotion", "is_artifact_uri", "is_model_uri", "log", "promote"]
