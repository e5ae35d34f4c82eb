"""Storing what a command decided in the ledger (``--register``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelpact.cli._common import err_console
from modelpact.errors import ConfigurationError

if TYPE_CHECKING:
    from modelpact.evaluate import Verdict
    from modelpact.pact import Pact

__all__ = [
    "check_ledger_writable",
    "check_registration",
    "register_analysis",
    "register_audit",
    "register_verdict",
]


def check_ledger_writable(store: str | None, *, artifacts: bool = False) -> None:
    """Decide, before any work, that the configured ledger takes writes.

    With *artifacts*, the artifact directory must take files too (a model file goes there).
    """
    from modelpact.ledger.config import default_artifacts, resolve_artifacts, resolve_store_url
    from modelpact.ledger.preflight import check_store_writable

    cwd = Path.cwd()
    root = cwd / ".modelpact"
    url = resolve_store_url(store, cwd)
    folder = (resolve_artifacts(cwd) or default_artifacts(url, root)) if artifacts else None
    check_store_writable(url, root=root, artifacts=folder)


def pickle_trusted(flag: bool) -> bool:
    """``--trust-pickle``, or ``trust_pickle = true`` under ``[store]`` in modelpact.toml."""
    from modelpact.ledger.config import trust_pickle_configured

    return flag or trust_pickle_configured(Path.cwd())


def check_registration(
    *,
    pact_path: Path | None,
    project: str | None,
    store: str | None,
    model: Path | None = None,
) -> None:
    """Decide, before any work, that ``--register`` will succeed.

    The project name (given, or the pact's) and the model name must be valid, the store
    URL must parse, and the ledger must be reachable and take writes (its directory, its
    database, and the artifact directory when a model file will be copied there).
    """
    from modelpact.ledger.names import check_name
    from modelpact.pact import load_pact

    if project is not None:
        check_name(project, what="project")
    elif pact_path is not None:
        check_name(load_pact(pact_path).name, what="project (the pact's name)")
    else:
        raise ConfigurationError("--register needs --project NAME (or --pact, whose name is used)")
    if model is not None:
        check_name(model.stem, what="model")
    check_ledger_writable(store, artifacts=model is not None)


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
    from modelpact.ledger import open_configured_store, pact_hash
    from modelpact.pact import load_pact

    pact = load_pact(pact_path)
    name = project or pact.name
    digest = pact_hash(pact)
    with open_configured_store(store, create=True) as ledger:
        pinned = ledger.ensure_project(name, pact)
        version = None
        if model is not None:
            # the candidate and its verdict land together or not at all
            version = ledger.register_model(
                project=name,
                name=model.stem,
                verdict_json=verdict.to_dict(),
                pact_hash=digest,
                **_artifact(model),
            )
        else:
            ledger.record_verdict(project=name, verdict_json=verdict.to_dict(), pact_hash=digest)
        where = ledger.display_url
    what = f"model version {name}:{version.version} ({version.stage})" if version else "verdict"
    err_console().print(f"registered {what} with its {verdict.verdict} verdict in {where}")
    if pinned.pact_hash != digest:
        err_console().print(
            f"note: {pact_path} differs from the pact pinned to project '{name}'; this verdict "
            "does not count for promotion until someone runs "
            f"'modelpact pact approve {pact_path} --project {name} --reason TEXT'"
        )


def _artifact(model: Path) -> dict[str, Any]:
    """What to register for the model file *model*: a scikit-learn estimator as an object
    (the registry stores it in skops format, which teammates load without running code),
    anything else as the file itself."""
    if model.suffix == ".skops":
        return {"artifact_path": model}
    from sklearn.base import BaseEstimator

    from modelpact.evaluate.models import load_model

    loaded = load_model(model)  # the user's own file, already loaded once to verify it
    return {"model": loaded} if isinstance(loaded, BaseEstimator) else {"artifact_path": model}


def register_audit(
    audit_json: dict[str, Any],
    *,
    pact_path: Path | None,
    project: str | None,
    store: str | None,
) -> None:
    """Record an audit (``modelpact.audit/v1``) against a ledger project."""
    from modelpact.ledger import open_configured_store
    pact, name = _registration_target(pact_path, project)
    with open_configured_store(store, create=True) as ledger:
        ledger.ensure_project(name, pact)
        ledger.record_audit(project=name, audit_json=audit_json)
        where = ledger.display_url
    err_console().print(f"registered the {audit_json['verdict']} audit of project {name} in {where}")


def _registration_target(pact_path: Path | None, project: str | None) -> tuple[Pact | None, str]:
    """The pact (if given) and the project a ``--register`` records against."""
    from modelpact.pact import load_pact

    pact = load_pact(pact_path) if pact_path is not None else None
    name = project or (pact.name if pact is not None else None)
    if name is None:
        raise ConfigurationError("--register needs --project NAME (or --pact, whose name is used)")
    return pact, name


def register_analysis(
    result: Any,
    *,
    title: str,
    pact_path: Path | None,
    project: str | None,
    store: str | None,
) -> None:
    """Record a comparison or diff (its v1 document and outcome) against a ledger project."""
    from modelpact.ledger import open_configured_store, pact_hash
    pact, name = _registration_target(pact_path, project)
    document = result.to_dict()
    with open_configured_store(store, create=True) as ledger:
        ledger.ensure_project(name, pact)
        stored = ledger.record_analysis(
            project=name,
            document=document,
            outcome=result.outcome,
            title=title,
            pact_hash=pact_hash(pact) if pact is not None else None,
        )
        where = ledger.display_url
    err_console().print(f"registered {stored.kind} {stored.id[:12]} of project {name} in {where}")
