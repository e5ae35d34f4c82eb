"""modelpact as an MLflow evaluator: ``mlflow.models.evaluate(..., evaluators=["modelpact"])``.

Registered under MLflow's ``mlflow.model_evaluator`` entry-point group, so teams get the pact's
intervals and three-valued verdict without changing their evaluation code::

    result = mlflow.models.evaluate(
        "models:/churn/3", eval_df, targets="churned", model_type="classifier",
        evaluators="modelpact", evaluator_config={"pact": "pact.yaml"},
    )
    result.artifacts["modelpact_verdict"].content["verdict"]   # 'signed_off' | ...

With a list of evaluators, MLflow takes one configuration per evaluator:
``evaluators=["default", "modelpact"], evaluator_config={"modelpact": {"pact": "pact.yaml"}}``.

``evaluator_config`` takes ``pact`` (a path; required), and optionally ``train`` (data to learn
constant baselines from), ``baseline``, ``champion``, ``seed`` and ``resamples``, as
``modelpact verify`` does. The evaluation data's target column (``targets``) becomes the pact's
target column. With a model, modelpact predicts with it (scikit-learn models give scores);
without one, the ``predictions`` column is read as the pact's score column. The verdict is
logged to the evaluation's run as :func:`modelpact.mlflow.log` logs it.

MLflow asks for ``model_type`` ("classifier" or "regressor"); this evaluator only answers when
the configuration names a pact, so default evaluations are unaffected.

The class implements MLflow's ``ModelEvaluator`` interface (``can_evaluate``, ``evaluate``)
without inheriting it, which MLflow's registry does not require: importing this module then
imports nothing of MLflow, whose pyfunc module warns at import time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from modelpact.errors import ConfigurationError

__all__ = ["PactEvaluator"]

_MODEL_TYPES = ("classifier", "regressor")


class PactEvaluator:
    """Decides the pact on MLflow's evaluation data and logs the verdict to the run.

    Examples
    --------
    >>> PactEvaluator.can_evaluate(model_type="classifier", evaluator_config={"pact": "p.yaml"})
    True
    >>> PactEvaluator.can_evaluate(model_type="classifier", evaluator_config={})
    False
    """

    @classmethod
    def can_evaluate(cls, *, model_type: Any, evaluator_config: Any, **kwargs: Any) -> bool:
        """Only classifiers and regressors, and only when a pact is configured."""
        return model_type in _MODEL_TYPES and bool((evaluator_config or {}).get("pact"))

    def evaluate(
        self,
        *,
        model_type: Any,
        dataset: Any,
        run_id: Any,
        evaluator_config: Any,
        model: Any = None,
        predictions: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Verify the pact on *dataset* and log the verdict to *run_id*."""
        from mlflow.models.evaluation import EvaluationResult
        from mlflow.models.evaluation.artifacts import JsonEvaluationArtifact

        from modelpact.evaluate import verify
        from modelpact.mlflow.runs import ARTIFACT_DIR, log
        from modelpact.pact import load_pact

        config = dict(evaluator_config or {})
        pact = load_pact(config["pact"])
        frame = _frame(dataset, pact.columns.target)
        if pact.columns.id is not None and pact.columns.id not in frame.columns:
            # MLflow's evaluation rows carry no ids of their own: their positions are the ids
            frame[pact.columns.id] = np.arange(len(frame))
        candidate = None
        if model is not None:
            candidate = _raw_model(model)
        elif dataset.predictions_data is not None:
            score = pact.columns.score if isinstance(pact.columns.score, str) else None
            column = score or pact.columns.prediction
            if column is None:
                raise ConfigurationError(
                    "the pact names no score or prediction column to hold the predictions"
                )
            frame[column] = np.asarray(dataset.predictions_data)
        verdict = verify(
            pact,
            frame,
            model=candidate,
            baseline=config.get("baseline"),
            champion=config.get("champion"),
            train=config.get("train"),
            seed=int(config.get("seed", 0)),
            n_resamples=int(config.get("resamples", 2000)),
        )
        log(verdict, run_id, pact=pact)
        from modelpact.mlflow._payload import payload_for

        metrics = payload_for(verdict).values()
        metrics["modelpact.signed_off"] = float(verdict.signed_off)
        uri = f"runs:/{run_id}/{ARTIFACT_DIR}/verdict.json"
        artifacts = {"modelpact_verdict": JsonEvaluationArtifact(uri=uri, content=verdict.to_dict())}
        return EvaluationResult(metrics=metrics, artifacts=artifacts, run_id=run_id)


def _frame(dataset: Any, target: str) -> pd.DataFrame:
    """Features and labels of MLflow's evaluation dataset as one table."""
    features = dataset.features_data
    if isinstance(features, pd.DataFrame):
        frame = features.reset_index(drop=True).copy()
    else:
        frame = pd.DataFrame(np.asarray(features), columns=list(dataset.feature_names))
    if dataset.labels_data is None:
        raise ConfigurationError("the modelpact evaluator needs labels: pass targets=COLUMN")
    frame[target] = np.asarray(dataset.labels_data)
    return frame


def _raw_model(model: Any) -> Any:
    """The native model behind MLflow's pyfunc wrapper, when its flavour exposes one."""
    from modelpact.mlflow.uris import PyfuncAdapter

    try:
        raw = model.get_raw_model()
    except Exception:  # flavours without a native object (custom pyfunc models)
        raw = None
    if raw is not None and hasattr(raw, "predict"):
        return raw
    return PyfuncAdapter(model)
