"""Where a command's result goes beyond its own files: MLflow runs and CI job summaries.

Each deciding command calls :func:`mlflow_target` before it computes anything (so a bad
``--mlflow-run-id`` stops it before a report is written) and :func:`publish` after its own
outputs. MLflow is imported only when ``--mlflow`` or ``--mlflow-run-id`` is given.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from modelpact.cli._common import err_console
from modelpact.errors import ConfigurationError

__all__ = [
    "MLFLOW_OPTION",
    "MLFLOW_RUN_OPTION",
    "STEP_SUMMARY_ENV",
    "MlflowTarget",
    "mlflow_target",
    "promote_in_mlflow",
    "publish",
]

#: GitHub Actions sets this to a file whose Markdown is shown on the job's summary page.
STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"

MLFLOW_OPTION = typer.Option(
    False,
    "--mlflow",
    help="Also log the result to an MLflow run: metrics, tags and reports. The tracking URI "
    "is MLflow's own (MLFLOW_TRACKING_URI); the run is --mlflow-run-id, else MLFLOW_RUN_ID, "
    "else a new run in the current experiment. Needs modelpact[mlflow].",
)
MLFLOW_RUN_OPTION = typer.Option(
    None, "--mlflow-run-id", help="The MLflow run to log the result to (implies --mlflow)."
)


@dataclass(frozen=True)
class MlflowTarget:
    """The MLflow run a command logs to (``None``: the active, environment's or a new run)."""

    run_id: str | None

    def log(self, result: Any, *, pact: Path | None = None, model: str | None = None) -> str:
        """Log *result*; a verdict on a registered model also tags that model version."""
        from modelpact.mlflow.runs import log
        from modelpact.mlflow.uris import is_model_uri
        from modelpact.pact import load_pact

        return log(
            result,
            self.run_id,
            pact=load_pact(pact) if pact is not None else None,
            model_uri=model if is_model_uri(model) else None,
        )


def mlflow_target(enabled: bool, run_id: str | None) -> MlflowTarget | None:
    """The run to log to, checked now; ``None`` when MLflow logging was not asked for."""
    if not enabled and run_id is None:
        return None
    from modelpact.mlflow.uris import require_mlflow

    require_mlflow("--mlflow")
    # the run MLflow would pick up from its environment is checked now too
    named = run_id or os.environ.get("MLFLOW_RUN_ID")
    if named:
        from modelpact.mlflow.runs import check_run

        check_run(named)
    return MlflowTarget(run_id)


def publish(
    result: Any,
    *,
    markdown: Callable[[], str],
    mlflow: MlflowTarget | None = None,
    pact: Path | None = None,
    model: str | None = None,
) -> None:
    """After a command's own outputs: the CI job summary, then the MLflow run.

    With ``$GITHUB_STEP_SUMMARY`` set (GitHub Actions), the command's Markdown summary is
    appended to it, so the verdict shows on the job's page.
    """
    summary = os.environ.get(STEP_SUMMARY_ENV)
    if summary:
        try:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(markdown().rstrip("\n") + "\n\n")
        except OSError as exc:
            err_console().print(
                f"[yellow]warning:[/yellow] cannot append to ${STEP_SUMMARY_ENV} "
                f"({summary}): {exc.strerror}"
            )
    if mlflow is not None:
        try:
            run_id = mlflow.log(result, pact=pact, model=model)
        except ConfigurationError:
            raise
        except Exception as exc:  # the store refused a write after the run was checked
            lines = str(getattr(exc, "message", "") or exc).strip().splitlines()
            reason = lines[0] if lines else type(exc).__name__
            raise ConfigurationError(f"logging to MLflow failed: {reason}") from None
        err_console().print(f"MLflow: logged to run {run_id}")


def promote_in_mlflow(
    ref: str, *, to: str, pact: Path, force: bool, reason: str | None
) -> None:
    """``models promote models:/...``: the registry's alias, gated by the pact."""
    from modelpact.cli._common import out_console
    from modelpact.mlflow.registry import promote
    from modelpact.pact import load_pact

    if to != "champion":
        raise ConfigurationError(
            f"--to '{to}': an MLflow registry takes --to champion (its alias); a signed-off "
            "version is marked by its verdict tags"
        )
    done = promote(ref, pact=load_pact(pact), alias=to, force=force, reason=reason)
    out_console().print(done.summary())
