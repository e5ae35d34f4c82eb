"""One turn of the retraining loop: trigger, window, train, gate, decide, record.

Everything is decided before anything is written: the pact, the data and the champion are
read and checked first, so bad input leaves the ledger as it was. Then, holding the project's
retraining lock, the loop logs the data windows, runs the trainer in a child process, gates
the challenger on the temporal holdout and applies the decision through the registry's own
rules. A crash or a timeout of the trainer ends the run as ``failed`` with the champion
untouched; a crash of the loop itself is cleaned up by the next turn (see
:func:`modelpact.ledger.retraining.abandon_interrupted`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from modelpact.errors import ConfigurationError, NotFoundError
from modelpact.ledger import MetricValue, ModelVersion, Store, pact_hash
from modelpact.ledger.retraining import (
    RETRAIN_KIND,
    abandon_interrupted,
    fail_turn,
    retraining_runs,
)
from modelpact.pact import Pact, RetrainingConfig
from modelpact.retrain._lock import HeldLease, retraining_lock
from modelpact.retrain.decision import Decision, decide
from modelpact.retrain.gate import GateResult, holdout_size, promotion_criterion, run_gate
from modelpact.retrain.result import RETRAIN_SCHEMA, RetrainResult
from modelpact.retrain.trainer import TrainerFailed, run_trainer
from modelpact.retrain.triggers import LastRetraining, TriggerReport, alerts_of, check_triggers
from modelpact.retrain.window import CaptureSource, TrainingWindow, WindowSource, load_window
from modelpact.retrain.workers import TrainerWorkers

__all__ = [
    "RETRAIN_SCHEMA",
    "RetrainResult",
    "check",
    "refit_on_window",
    "require_pinned",
    "retrain",
]

_ACTOR = "modelpact retrain"


@dataclass(frozen=True)
class _Plan:
    pact: Pact
    config: RetrainingConfig
    window: TrainingWindow
    champion: ModelVersion | None
    report: TriggerReport
    time_column: str | None = None


def _config(pact: Pact) -> RetrainingConfig:
    if pact.retraining is None:
        raise ConfigurationError(
            f"pact '{pact.name}' has no retraining section; declare at least "
            "'retraining: {trainer: package.module:function}' (see 'modelpact pact schema')"
        )
    if pact.retraining.trainer is None and pact.retraining.command is None:
        raise ConfigurationError(
            f"pact '{pact.name}' declares no trainer in its retraining section; 'modelpact "
            "retrain' needs 'trainer: package.module:function' or 'command: [...]' (a pact "
            "without one is for gated online learning, modelpact.retrain.OnlineLearner)"
        )
    return pact.retraining


def _last(store: Store, project: str) -> LastRetraining | None:
    try:
        runs = retraining_runs(store, project)
    except NotFoundError:
        return None
    for run in runs:
        # a decision on shadow rows trained nothing, and an online gate keeps no watermark:
        # the data the batch triggers count is unchanged by either
        if run.status == "finished" and run.params.get("mode") not in ("shadow", "online"):
            watermark = run.params.get("watermark")
            seen = run.params.get("rows_seen")
            return LastRetraining(
                at=run.started_at,
                watermark=None if watermark in (None, "null") else json.loads(watermark),
                rows_seen=int(seen) if seen is not None else None,
            )
    return None


def _champion(store: Store, project: str, ref: str | None) -> ModelVersion | None:
    if ref is not None:
        return store.get_model_version(ref)
    try:
        return store.get_model_version(f"{project}@champion")
    except NotFoundError:
        return None


def require_pinned(store: Store, project: str, pact: Pact, *, named: str | None = None) -> None:
    """Refuse a pact that differs from the project's pinned (approved) pact.

    A retraining decides promotions, and promotion counts only verdicts against the pinned
    pact: a loop run under another pact would train, gate and then be unable to promote, or
    worse, look as if a loosened pact had been agreed. A project without a pinned pact yet
    takes *pact* as its first.

    Raises
    ------
    ConfigurationError
        Naming the pact (*named*, e.g. its file) and how to approve it.
    """
    try:
        pinned = store.get_project(project).pact_hash
    except NotFoundError:
        return
    if pinned is None or pinned == pact_hash(pact):
        return
    where = named or f"pact '{pact.name}'"
    raise ConfigurationError(
        f"{where} is not the pact approved for project '{project}'; retrain under the pinned "
        f"pact (omit --pact) or approve this one first with 'modelpact pact approve "
        f"{named or 'PACT_FILE'} --project {project} --reason TEXT'"
    )


def _prepare(
    store: Store,
    project: str,
    source: WindowSource,
    *,
    pact: Pact | None,
    champion: str | None,
    monitoring: Any,
    force: bool,
    now: datetime | None,
) -> _Plan:
    if pact is None:
        pact = store.pinned_pact(project)
        if pact is None:
            raise ConfigurationError(
                f"project '{project}' has no pact in the ledger; pass the pact file with --pact"
            )
    else:
        require_pinned(store, project, pact)
    config = _config(pact)
    window = load_window(source, pact, config.window)
    version = _champion(store, project, champion)
    last = _last(store, project)
    if monitoring is None and isinstance(source, CaptureSource):
        monitoring = source.latest_monitoring(since=last.at if last else None)
    report = check_triggers(
        config.triggers,
        window,
        last=last,
        now=now or datetime.now(UTC),
        alerts=alerts_of(monitoring),
        force=force,
    )
    time_column = pact.columns.time or getattr(source, "time_column", None)
    return _Plan(pact, config, window, version, report, time_column)


def check(
    store: Store,
    project: str,
    source: WindowSource,
    *,
    pact: Pact | None = None,
    monitoring: Any = None,
    now: datetime | None = None,
) -> TriggerReport:
    """Whether a retraining is due and why; reads only, writes nothing."""
    return _prepare(
        store,
        project,
        source,
        pact=pact,
        champion=None,
        monitoring=monitoring,
        force=False,
        now=now,
    ).report


def _span(frame: pd.DataFrame, time: str | None) -> str:
    if time and time in frame.columns and len(frame):
        return f"{frame[time].iloc[0]} to {frame[time].iloc[-1]}"
    return "in file order"


def retrain(
    store: Store,
    project: str,
    source: WindowSource,
    *,
    pact: Pact | None = None,
    champion: str | None = None,
    monitoring: Any = None,
    force: bool = False,
    now: datetime | None = None,
    seed: int = 0,
    n_resamples: int = 2000,
    cwd: Path | None = None,
    explain: bool = True,
    trust_pickle: bool = False,
    shadow: str | None = None,
    workers: TrainerWorkers | None = None,
) -> RetrainResult:
    """Run one turn of the retraining loop for *project*.

    Parameters
    ----------
    store
        The ledger.
    project
        The project; its stored pact is used unless *pact* is given (which then becomes the
        project's pact).
    source
        The training window's rows (e.g. :class:`~modelpact.retrain.FileSource`).
    champion
        The version to challenge; default ``PROJECT@champion`` (none: the first model).
    monitoring
        A monitoring result (or its ``monitor/v1`` JSON) whose alerts feed the triggers;
        default, for a :class:`~modelpact.retrain.CaptureSource`, the captured model's latest
        result stored in the ledger since the last retraining.
    force
        Retrain even when no trigger fired.
    now
        The current time for the schedule trigger (default: now, UTC).
    seed, n_resamples
        Bootstrap settings of the gate.
    cwd
        Where the trainer runs and its package is looked up.
    explain
        Attach the leaderboard and behaviour diff to the gate.
    trust_pickle
        Load a champion stored as a pickle (which runs the code it holds); a scikit-learn
        champion stored in skops format needs no trust.
    shadow
        A captured model to put the challenger in shadow beside instead of deciding on the
        holdout alone: unless the holdout shows it failing, it is held as a candidate whose
        live answers :func:`~modelpact.retrain.shadow.decide_shadow` later gates.

    Returns
    -------
    RetrainResult
        With the decision; ``exit_code`` follows the CLI's convention.
    """
    plan = _prepare(
        store,
        project,
        source,
        pact=pact,
        champion=champion,
        monitoring=monitoring,
        force=force,
        now=now,
    )
    champion_ref = plan.champion.ref if plan.champion else None
    if shadow is not None:
        from modelpact.ledger.capture import CaptureStore

        CaptureStore(store).get_model(project, shadow)  # before training, not after
    if not plan.report.fired:
        return RetrainResult(
            project,
            plan.report,
            Decision("not_due", (plan.report.summary(),)),
            champion=champion_ref,
        )
    with retraining_lock(store, project) as held:
        abandon_interrupted(store, project)
        if pact is not None:
            store.ensure_project(project, pact)
        return _turn(
            store,
            project,
            plan,
            held,
            seed=seed,
            n_resamples=n_resamples,
            cwd=cwd,
            explain=explain,
            trust_pickle=trust_pickle,
            shadow=shadow,
            workers=workers,
        )


def _turn(
    store: Store,
    project: str,
    plan: _Plan,
    held: HeldLease,
    *,
    seed: int,
    n_resamples: int,
    cwd: Path | None,
    explain: bool,
    trust_pickle: bool,
    shadow: str | None,
    workers: TrainerWorkers | None,
) -> RetrainResult:
    pact, config, window = plan.pact, plan.config, plan.window
    champion_model = (
        store.load_model(plan.champion.id, trust_pickle=trust_pickle) if plan.champion else None
    )
    n_holdout, how = holdout_size(pact, config, window.rows, champion_model)
    train, holdout = window.split(n_holdout)
    train_snap = store.log_dataset(train, name=f"{project} retraining window (train)")
    holdout_snap = store.log_dataset(holdout, name=f"{project} retraining holdout")
    rule = promotion_criterion(pact, config)
    window_info = {
        "source": window.source,
        "rows": len(window.all_rows),
        "labelled": int(window.labelled.sum()),
        "window_rows": window.n_labelled,
        "train": {
            "rows": len(train),
            "span": _span(train, plan.time_column),
            "fingerprint": train_snap.fingerprint,
        },
        "holdout": {
            "rows": len(holdout),
            "span": _span(holdout, plan.time_column),
            "fingerprint": holdout_snap.fingerprint,
            "size_from": how,
        },
    }
    run = store.create_run(
        project,
        name="retrain",
        params={
            "kind": RETRAIN_KIND,
            "trigger": list(plan.report.reasons),
            "trainer": config.trainer or " ".join(config.command or []),
            "incremental": config.incremental,
            "rule": rule.label(),
            "champion": plan.champion.ref if plan.champion else None,
            "holdout_rows": len(holdout),
            "holdout_size_from": how,
            "watermark": json.dumps(window.watermark()),
            "rows_seen": len(window.all_rows),
        },
    )
    store.link_dataset(run.id, train_snap.id, "train")
    store.link_dataset(run.id, holdout_snap.id, "eval")
    base: dict[str, Any] = {
        "project": project,
        "triggers": plan.report,
        "run_id": run.id,
        "champion": plan.champion.ref if plan.champion else None,
        "window": window_info,
    }
    version: ModelVersion | None = None
    try:
        try:
            outcome = run_trainer(
                config, train, champion=champion_model, cwd=cwd, workers=workers
            )
        except TrainerFailed as exc:
            store.log_params(run.id, {"decision": "failed"})
            store.finish_run(run.id, "failed", error=str(exc))
            return RetrainResult(**base, decision=Decision("failed", (str(exc),)), error=str(exc))
        store.log_metrics(run.id, {"training_seconds": outcome.seconds})
        version = store.register_model(
            project=project,
            run_id=run.id,
            model=outcome.model,
            name="challenger",
            params={"trainer": outcome.described, "train_rows": len(train)},
            description=f"retrained on {window.source} ({len(train):,} rows)",
        )
        gate = run_gate(
            pact,
            config,
            holdout,
            outcome.model,
            champion_model,
            train=train,
            seed=seed,
            n_resamples=n_resamples,
            explain=explain,
        )
        decision = decide(gate, config) if shadow is None else _to_shadow(gate, shadow)
        store.record_verdict(
            project=project,
            verdict_json=gate.verdict.to_dict(),
            model_version_id=version.id,
            run_id=run.id,
            pact_hash=pact_hash(pact),
        )
        held.check()  # a successor that took over a lapsed lease decides, not us
        promoted = _apply(
            store,
            project,
            plan,
            decision,
            version,
            _Refit(window.rows, holdout, champion_model, outcome.model, cwd, workers),
        )
        _record(store, run.id, gate, decision, version, promoted)
        if shadow is not None and decision.action == "hold":
            from modelpact.retrain.shadow import start_shadow

            start_shadow(store, version.ref, shadow)
        store.finish_run(run.id, "finished")
        return RetrainResult(
            **base, decision=decision, challenger=version.ref, promoted=promoted, gate=gate
        )
    except BaseException as exc:
        # the loop itself broke (bad data in the holdout, the store...)
        fail_turn(store, run.id, version.id if version is not None else None, exc,
                  actor=_ACTOR, what="retraining")
        raise


@dataclass(frozen=True)
class _Refit:
    """What a refit after a promotion needs: the window, the holdout, both models, where."""

    rows: pd.DataFrame
    holdout: pd.DataFrame
    champion: Any
    challenger: Any
    cwd: Path | None
    workers: TrainerWorkers | None


def _to_shadow(gate: GateResult, model: str) -> Decision:
    """Shadow mode: only a holdout that shows the challenger failing keeps it off live traffic."""
    if gate.outcome == "fail":
        return Decision("reject", (*gate.reasons, "the gate failed on the holdout: no shadow"))
    return Decision(
        "hold",
        (
            *gate.reasons,
            f"shadow mode: the challenger is held in shadow beside captured model '{model}'; "
            "the gate on its labelled live answers decides ('retrain --decide-shadow')",
        ),
    )


def _apply(
    store: Store,
    project: str,
    plan: _Plan,
    decision: Decision,
    version: ModelVersion,
    refit: _Refit,
) -> str | None:
    reason = decision.reasons[-1]
    if decision.action == "reject":
        store.set_stage(version.id, "retired", reason=f"rejected: {reason}", actor=_ACTOR)
        return None
    if decision.action != "promote":
        return None
    promoted = version
    if plan.config.refit_on_window:
        config = plan.config
        # an incremental learner goes on from the gated challenger with the held-out rows:
        # the same model as updating the champion on the whole window, at half the cost
        rows, start = (
            (refit.holdout, refit.challenger)
            if config.incremental
            else (refit.rows, refit.champion)
        )
        promoted = (
            refit_on_window(store, config, version, rows, start, cwd=refit.cwd,
                            workers=refit.workers)
            or version
        )
    store.set_stage(promoted.id, "champion", reason=f"retraining gate: {reason}", actor=_ACTOR)
    if promoted.id != version.id:
        store.set_stage(
            version.id,
            "retired",
            reason=f"superseded by its refit on the whole window {promoted.ref}",
            actor=_ACTOR,
        )
    return promoted.ref


def refit_on_window(
    store: Store,
    config: RetrainingConfig,
    version: ModelVersion,
    rows: pd.DataFrame,
    champion: Any,
    *,
    cwd: Path | None = None,
    workers: TrainerWorkers | None = None,
) -> ModelVersion | None:
    """The gated recipe refit on the whole window, holdout included; None if that fails.

    The refit carries the gate's verdict of the model it refits (same trainer, same window
    plus the holdout rows): it cannot be judged on rows it trained on. A batch trainer fits
    *rows* (the whole window); an incremental one updates *champion* with *rows* (the gated
    challenger with the held-out rows).
    """
    try:
        outcome = run_trainer(config, rows, champion=champion, cwd=cwd, workers=workers)
    except TrainerFailed:
        return None
    verdicts = store.list_verdicts(version.project, model_version=version.id)
    return store.register_model(
        project=version.project,
        run_id=version.run_id,
        model=outcome.model,
        name="challenger-refit",
        params={"refit_of": version.ref, "train_rows": len(rows)},
        description=f"{version.ref} refit on the whole window ({len(rows):,} rows)",
        verdict_json=verdicts[0].body if verdicts else None,
    )


def _record(
    store: Store,
    run_id: str,
    gate: GateResult,
    decision: Decision,
    version: ModelVersion,
    promoted: str | None,
) -> None:
    params: dict[str, Any] = {
        "decision": decision.action,
        "gate": gate.outcome,
        "reasons": list(decision.reasons),
        "challenger": version.ref,
        "inconclusive": decision.inconclusive,
    }
    if promoted is not None:
        params["promoted"] = promoted
    store.log_params(run_id, params)
    rule = gate.versus_champion
    if rule is not None:
        store.log_metrics(
            run_id,
            {
                f"gate_{rule.metric}_difference": MetricValue(
                    f"gate_{rule.metric}_difference",
                    rule.estimate,
                    rule.ci[0],
                    rule.ci[1],
                    rule.confidence,
                    rule.method,
                    rule.n,
                )
            },
        )
