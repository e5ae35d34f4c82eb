"""Storing what a command decided in the ledger (``--register``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelpact.cli._common import err_console
from modelpact.errors import ConfigurationError

if TYPE_CHECKING:
    from modelpact.evaluate import Verdict

__all__ = ["register_audit", "register_verdict"]


def register_verdict(
    verdict: Verdict,
    *,
    pact_path: Path,
    project: str | None,
    store: str | None,
    model: Path | None,
) -> None:
    """Record *verdict* (and the candidate model file, if one was named) in the ledger.

    The verdict is stored against the project's pact, which is what promotion to
    ``signed_off`` or ``champion`` checks later.
    """
    from modelpact.ledger import open_configured_store
    from modelpact.pact import load_pact

    pact = load_pact(pact_path)
    name = project or pact.name
    with open_configured_store(store, create=True) as ledger:
        ledger.ensure_project(name, pact)
        version = None
        if model is not None:
            # the candidate and its verdict land together or not at all
            version = ledger.register_model(
                project=name, artifact_path=model, name=model.stem, verdict_json=verdict.to_dict()
            )
        else:
            ledger.record_verdict(project=name, verdict_json=verdict.to_dict())
        where = ledger.display_url
    what = f"model version {name}:{version.version} ({version.stage})" if version else "verdict"
    err_console().print(f"registered {what} with its {verdict.verdict} verdict in {where}")


def register_audit(
    audit_json: dict[str, Any],
    *,
    pact_path: Path | None,
    project: str | None,
    store: str | None,
) -> None:
    """Record an audit (``modelpact.audit/v1``) against a ledger project."""
    from modelpact.ledger import open_configured_store
    from modelpact.pact import load_pact

    pact = load_pact(pact_path) if pact_path is not None else None
    name = project or (pact.name if pact is not None else None)
    if name is None:
        raise ConfigurationError("--register needs --project NAME (or --pact, whose name is used)")
    with open_configured_store(store, create=True) as ledger:
        ledger.ensure_project(name, pact)
        ledger.record_audit(project=name, audit_json=audit_json)
        where = ledger.display_url
    err_console().print(f"registered the {audit_json['verdict']} audit of project {name} in {where}")
