"""Retraining records in the ledger: history, approval of held challengers, rollback.

A retraining is recorded as a run named ``retrain`` (parameter ``kind: retrain``) whose
parameters hold the trigger, the data windows, the gate's outcome and the decision; its
challenger is a model version produced by that run, and the gate's verdict is stored for
both. Everything here goes through :class:`~modelpact.ledger.Store`'s public methods, so the
registry's rules (a promotion needs a signed-off verdict; one champion per project, swapped
in one transaction) hold for the loop exactly as for people.
"""

from __future__ import annotations

from modelpact.errors import ConfigurationError, NotFoundError, StoreError
from modelpact.ledger.entities import ModelVersion, Run
from modelpact.ledger.store import Store

__all__ = [
    "RETRAIN_KIND",
    "abandon_interrupted",
    "approve",
    "fail_turn",
    "held_for_approval",
    "retraining_runs",
    "rollback",
]

#: The ``kind`` parameter of a retraining run.
RETRAIN_KIND = "retrain"


def retraining_runs(store: Store, project: str) -> list[Run]:
    """The project's retraining runs, newest first."""
    return [r for r in store.list_runs(project) if r.params.get("kind") == RETRAIN_KIND]


def abandon_interrupted(store: Store, project: str) -> list[Run]:
    """Close retraining runs a crash left ``running``, and retire their undecided challengers.

    Call it only while holding the project's retraining lock: then no other retraining is
    running, so a ``running`` one was interrupted. Its challenger, if it got registered,
    never had a decision and must not be approved or promoted by accident.
    """
    closed = []
    for run in retraining_runs(store, project):
        if run.status not in ("running", "killed"):
            continue
        for version in store.list_model_versions(project, stage="candidate"):
            if version.run_id == run.id:
                store.set_stage(
                    version.id,
                    "retired",
                    reason="its retraining was interrupted before the gate decided",
                    actor="modelpact retrain",
                )
        store.log_params(run.id, {"decision": "interrupted"})
        closed.append(
            store.finish_run(
                run.id, "failed", error="interrupted (the process stopped before it finished)"
            )
        )
    return closed


def fail_turn(
    store: Store, run_id: str, version_id: str | None, exc: BaseException, *, actor: str,
    what: str,
) -> None:
    """Close a retraining turn that broke (*exc*) before it decided, leaving nothing half-done.

    A challenger it registered (*version_id*) that is still a candidate is retired, so it is
    never approved or promoted later; the run is finished as failed with the error.
    *what* names the turn in the retirement reason (``retraining``, ``online gate``).
    """
    if version_id is not None and store.get_model_version(version_id).stage == "candidate":
        store.set_stage(version_id, "retired", reason=f"{what} failed: {exc}", actor=actor)
    store.log_params(run_id, {"decision": "failed"})
    store.finish_run(run_id, "failed", error=f"{type(exc).__name__}: {exc}")


def held_for_approval(store: Store, ref: str) -> tuple[ModelVersion, Run]:
    """The challenger *ref* and its retraining run, checked to be awaiting approval.

    Raises
    ------
    StoreError
        When the version was not held by a retraining, or is no longer a candidate.
    """
    version = store.get_model_version(ref)
    run = store.get_run(version.run_id) if version.run_id else None
    if run is None or run.params.get("kind") != RETRAIN_KIND:
        raise StoreError(
            f"{version.ref} was not produced by a retraining; promote it with "
            f"'modelpact models promote {version.ref}'"
        )
    decision = run.params.get("decision")
    if decision != "hold":
        raise StoreError(
            f"{version.ref} cannot be approved: its retraining decided '{decision or 'nothing'}', "
            "not 'hold'"
        )
    if version.stage != "candidate":
        raise StoreError(f"{version.ref} is {version.stage}, not a candidate awaiting approval")
    return version, run


def approve(
    store: Store,
    ref: str,
    *,
    reason: str | None = None,
    actor: str | None = None,
    refit: ModelVersion | None = None,
) -> ModelVersion:
    """Promote a challenger the retraining loop held for approval.

    Only a version whose retraining decided ``hold`` can be approved; the registry then checks
    its signed-off verdict as for any promotion. With *refit* (the held recipe refit on its
    whole window, registered with the held version's verdict), the refit is promoted and the
    held version retired as superseded.

    Raises
    ------
    StoreError
        When the version was not held by a retraining, or is no longer a candidate.
    """
    version, run = held_for_approval(store, ref)
    text = "approved after the retraining gate" + (f": {reason}" if reason else "")
    if refit is None:
        promoted = store.set_stage(version.id, "champion", reason=text, actor=actor)
        store.log_params(run.id, {"approved": text})
        return promoted
    promoted = store.set_stage(
        refit.id, "champion", reason=f"{text} (refit of {version.ref} on its whole window)",
        actor=actor,
    )
    store.set_stage(
        version.id,
        "retired",
        reason=f"approved and superseded by its refit on the whole window {refit.ref}",
        actor=actor,
    )
    store.log_params(run.id, {"approved": text, "promoted": refit.ref})
    return promoted


def rollback(
    store: Store,
    project: str,
    *,
    reason: str,
    to: str | None = None,
    actor: str | None = None,
) -> tuple[ModelVersion, ModelVersion]:
    """Restore the previous champion (or *to*), retiring the current one; return (old, new).

    The previous champion is the last version promoted to champion before the current one.
    The restored version keeps its signed-off verdict when it has one against the current
    pact; otherwise the rollback is recorded as forced, with *reason*.

    Raises
    ------
    ConfigurationError
        Without a reason.
    NotFoundError
        When there is no champion, or no earlier one to go back to.
    """
    if not reason.strip():
        raise ConfigurationError("a rollback needs --reason TEXT: say why")
    current = store.get_model_version(f"{project}@champion")
    if to is not None:
        target = store.get_model_version(to)
        if target.project != project:
            raise ConfigurationError(f"{target.ref} is not a version of project '{project}'")
    else:
        promoted = [
            e.model_version_id
            for e in store.list_events(project)
            if e.to_stage == "champion" and e.model_version_id not in (None, current.id)
        ]
        if not promoted:
            raise NotFoundError(
                f"project '{project}' has no earlier champion than {current.ref} to roll back to"
            )
        last = promoted[-1]
        assert last is not None
        target = store.get_model_version(last)
    if target.id == current.id:
        raise ConfigurationError(f"{target.ref} is already the champion")
    why = f"rollback from {current.ref}: {reason}"
    restored = store.set_stage(target.id, "champion", reason=why, forced=True, actor=actor)
    retired = store.set_stage(current.id, "retired", reason=f"rolled back: {reason}", actor=actor)
    return retired, restored
