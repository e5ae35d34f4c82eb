"""Logging modelpact's verdicts, comparisons and monitoring results to MLflow runs.

The tracking server is MLflow's own business: ``MLFLOW_TRACKING_URI`` (or
``mlflow.set_tracking_uri``) says where runs live, ``MLFLOW_EXPERIMENT_NAME`` /
``MLFLOW_EXPERIMENT_ID`` which experiment a new run goes to, and ``MLFLOW_RUN_ID`` or an
active ``mlflow.start_run()`` which run to log to when none is named.
"""

from __future__ import annotations

from typing import Any

from modelpact.errors import ConfigurationError
from modelpact.mlflow.uris import require_mlflow
from modelpact.pact import Pact

__all__ = ["ARTIFACT_DIR", "check_run", "log"]

#: Reports are logged under this artifact directory of the run.
ARTIFACT_DIR = "modelpact"
# MLflow accepts at most 1000 metrics and 100 tags in one batch
_METRIC_BATCH = 1000
_TAG_BATCH = 100


def check_run(run_id: str) -> None:
    """Raise :class:`ConfigurationError` unless the run exists and can take new data.

    Commands call this before computing anything, so a mistyped ``--mlflow-run-id`` stops them
    before they write a single report.
    """
    mlflow = require_mlflow("--mlflow")
    try:
        run = mlflow.tracking.MlflowClient().get_run(run_id)
    except Exception as exc:
        message = str(getattr(exc, "message", "") or exc).strip().splitlines()
        raise ConfigurationError(
            f"MLflow run '{run_id}' cannot be used: {message[0] if message else exc}"
        ) from None
    if run.info.lifecycle_stage == "deleted":
        raise ConfigurationError(f"MLflow run '{run_id}' is deleted; restore it or name another")


def log(
    result: Any,
    run_id: str | None = None,
    *,
    pact: Pact | None = None,
    reports: bool = True,
    model_uri: str | None = None,
) -> str:
    """Log a modelpact result to an MLflow run and return the run's id.

    A verdict logs each criterion's estimate and bounds as metrics, each criterion's status and
    the overall verdict as tags; a comparison logs every model's interval per metric; a
    monitoring result logs alert counts and per-chunk values. With *reports*, the JSON, Markdown
    and HTML reports are logged as artifacts under ``modelpact/``.

    Parameters
    ----------
    result
        A :class:`~modelpact.evaluate.Verdict`, a comparison from ``modelpact compare``, or a
        monitoring result.
    run_id
        The run to log to. Default: the active run, else ``MLFLOW_RUN_ID``, else a new run in
        the current experiment (ended once logged).
    pact
        The pact the verdict was decided against; its content hash is tagged
        (``modelpact.pact_sha256``), which is what promotion in MLflow's registry checks.
    reports
        Also log the JSON, Markdown and HTML reports as artifacts.
    model_uri
        For a verdict on a registered model (``models:/NAME/VERSION``): also tag that version
        with the verdict, so :func:`modelpact.mlflow.promote` finds it.

    Examples
    --------
    With a tracking store configured (``MLFLOW_TRACKING_URI``)::

        import modelpact, modelpact.mlflow

        verdict = modelpact.verify("pact.yaml", "eval.parquet")
        run_id = modelpact.mlflow.log(verdict, pact=modelpact.load_pact("pact.yaml"))
    """
    from modelpact.mlflow._payload import payload_for, tag_values

    payload = payload_for(result, pact_sha256=pact_sha256(pact) if pact is not None else None)
    mlflow = require_mlflow("logging to MLflow")
    from mlflow.entities import Metric, RunTag

    client = mlflow.tracking.MlflowClient()
    started = False
    if run_id is None:
        active = mlflow.active_run()
        if active is not None:
            run_id = str(active.info.run_id)
        else:  # honours MLFLOW_RUN_ID, MLFLOW_EXPERIMENT_NAME and MLFLOW_EXPERIMENT_ID
            run_id = str(mlflow.start_run().info.run_id)
            started = True
    try:
        now = _millis()
        metrics = [Metric(k, v, now, step) for k, v, step in payload.metrics]
        tags = [RunTag(k, v) for k, v in tag_values(payload.tags).items()]
        tags.append(RunTag("modelpact.result", payload.kind))
        for i in range(0, max(len(metrics), 1), _METRIC_BATCH):
            client.log_batch(run_id, metrics=metrics[i : i + _METRIC_BATCH])
        for i in range(0, len(tags), _TAG_BATCH):
            client.log_batch(run_id, tags=tags[i : i + _TAG_BATCH])
        if reports:
            for name, render in payload.artifacts.items():
                client.log_text(run_id, render(), f"{ARTIFACT_DIR}/{name}")
    finally:
        if started:
            mlflow.end_run()
    if model_uri is not None and payload.kind == "verdict":
        from modelpact.mlflow.registry import tag_version

        summary = ("verdict", "pact", "pact_sha256", "data_fingerprint")
        version_tags = {
            f"modelpact.{k}": payload.tags[f"modelpact.{k}"]
            for k in summary
            if f"modelpact.{k}" in payload.tags
        }
        tag_version(model_uri, {**version_tags, "modelpact.run_id": run_id})
    return run_id


def pact_sha256(pact: Pact) -> str:
    """The pact's content hash, the same the ledger ties its verdicts to."""
    from modelpact.ledger import pact_hash

    return pact_hash(pact)


def _millis() -> int:
    import time

    return int(time.time() * 1000)
