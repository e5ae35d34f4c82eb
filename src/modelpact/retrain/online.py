"""Gated online learning: a learner that learns every label, and a gate that keeps or undoes it.

A batch loop holds the model fixed between two turns; on a stream whose newest labels carry
most of the signal, that alone costs more accuracy than any gate can win back. An online
learner instead learns after every labelled row, and the gate's job changes: every N
labelled rows it decides whether the learning since the last *checkpoint* is kept (the
learner becomes the checkpoint and the project's champion) or rolled back (the learner is
restored from the checkpoint), on the same paired evidence as the batch loop.

The evidence is prequential: :meth:`OnlineLearner.learn` scores each row with the live learner
and the checkpoint *before* the live learner learns it, so both scores are out of sample. The
gate is :func:`~modelpact.retrain.run_gate` itself on those recorded scores (replayed by row,
as for shadow mode), so the pact's criteria and the promotion rule are decided exactly as in
``modelpact retrain``.

modelpact never runs user code in a request: this class lives in the team's own serving or
streaming process, which owns the learner.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from modelpact.errors import (
    ConfigurationError,
    InvalidDataError,
    ModelLoadError,
    NotFoundError,
    StoreError,
    plain_repr,
)
from modelpact.evaluate.models import feature_columns
from modelpact.ledger import ModelVersion, Store, pact_hash
from modelpact.ledger.retraining import RETRAIN_KIND, abandon_interrupted, fail_turn
from modelpact.pact import Pact, RetrainingConfig
from modelpact.retrain._lock import DEFAULT_TTL, HeldLease, retraining_lock
from modelpact.retrain.gate import GateResult, run_gate
from modelpact.retrain.result import OnlineAction, OnlineTurn
from modelpact.retrain.shadow import Replay, ScoreReplay

__all__ = ["OnlineLearner"]

_ACTOR = "modelpact online"
_ROW = "_modelpact_row"
#: Without ``retraining.window.last_rows``, undecided evidence is carried for this many turns.
_CARRY_TURNS = 10


@dataclass
class _Evidence:
    """Labelled rows since the last decision, with both models' prequential answers."""

    rows: list[pd.DataFrame] = field(default_factory=list)
    live: list[np.ndarray[Any, Any]] = field(default_factory=list)
    checkpoint: list[np.ndarray[Any, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return sum(len(r) for r in self.rows)

    def add(self, rows: pd.DataFrame, live: Any, checkpoint: Any) -> None:
        self.rows.append(rows)
        self.live.append(live)
        self.checkpoint.append(checkpoint)

    def drop_last(self) -> None:
        for part in (self.rows, self.live, self.checkpoint):
            part.pop()

    def joined(self, keep: int) -> tuple[pd.DataFrame, Any, Any]:
        """The newest *keep* rows, and the answers on them, as one piece."""
        rows = pd.concat(self.rows, ignore_index=True).iloc[-keep:].reset_index(drop=True)
        live = np.concatenate(self.live)[-keep:]
        checkpoint = np.concatenate(self.checkpoint)[-keep:]
        self.rows, self.live, self.checkpoint = [rows], [live], [checkpoint]
        return rows, live, checkpoint

    def clear(self) -> None:
        self.rows, self.live, self.checkpoint = [], [], []


def _copy(model: Any) -> Any:
    """An independent copy of *model*: a pickle round trip (several times faster than
    ``copy.deepcopy`` on large tree ensembles), else a deep copy."""
    try:
        return pickle.loads(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:
        return copy.deepcopy(model)


def _online_config(pact: Pact, project: str) -> tuple[RetrainingConfig, int]:
    config = pact.retraining
    if config is None:
        raise ConfigurationError(
            f"project '{project}': pact '{pact.name}' has no retraining section; online learning "
            "needs at least 'retraining: {triggers: {every_rows: N}, auto_promote: true}'"
        )
    if not config.auto_promote:
        raise ConfigurationError(
            f"project '{project}': the pact's retraining section leaves auto_promote off, so "
            "every promotion waits for a person; an online learner decides every few thousand "
            "rows and cannot wait, so declare 'auto_promote: true' to learn online (or use "
            "'modelpact retrain', which holds challengers for 'modelpact models approve')"
        )
    turn = config.triggers.every_rows or config.triggers.min_new_labels
    if turn is None:
        raise ConfigurationError(
            f"project '{project}': online learning gates every N labelled rows; declare N as "
            "'retraining.triggers.every_rows' in the pact"
        )
    return config, turn


def _check_learner(model: Any, pact: Pact, ref: str) -> tuple[Any, ...] | None:
    """The learner's classes (None for regression), after checking it can learn online."""
    missing = [m for m in ("partial_fit", "predict") if not callable(getattr(model, m, None))]
    if missing:
        raise ModelLoadError(
            f"champion {ref} ({type(model).__name__}) has no {missing[0]}(): online learning "
            "needs a learner with scikit-learn's incremental protocol, partial_fit(X, y[, "
            "classes]) and predict (e.g. SGDClassifier, or a River model behind that protocol)"
        )
    if pact.task == "regression":
        return None
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise ModelLoadError(
            f"champion {ref} ({type(model).__name__}) has no classes_: give online learning a "
            "fitted classifier (partial_fit it once with classes=... first)"
        )
    return tuple(classes)


class OnlineLearner:
    """A live learner that learns every labelled row, gated every N rows against a checkpoint.

    The learner follows scikit-learn's incremental protocol: ``partial_fit(X, y[, classes])``
    (classifiers are passed ``classes=`` their ``classes_``), ``predict`` and, for scores,
    ``predict_proba``. Like :func:`~modelpact.verify`, the gate reads a classifier's
    probabilities when it has them (its label is then the most probable class, or the pact's
    threshold for binary tasks), else its predictions. It starts from the project's champion in the registry, which is also the
    first checkpoint; restarting (after a crash too) resumes from the champion, i.e. the last
    checkpoint, and the learning since it is lost.

    Settings come from the project's pinned pact and its ``retraining:`` section:

    * the gate runs every ``triggers.every_rows`` labelled rows (``min_new_labels`` when
      only that is set); other triggers do not apply, the learner learns continuously;
    * the gate is :func:`~modelpact.retrain.run_gate` on the rows since the last decision: the
      pact's criteria on the live learner's prequential scores and the promotion rule
      (``promotion``, ``margin``, ``metric``) on the paired difference between the live
      learner and the checkpoint on the same rows;
    * ``auto_promote`` must be on: an online learner cannot wait for a person's approval.

    Each gate is recorded as a retraining run (``mode: online``) with the verdict, the
    reasons and a fingerprint of the rows, so ``status`` and the dashboard list it beside
    batch retrainings. A passing gate registers a copy of the learner as a new model version
    and promotes it to champion: it is the new checkpoint. A gate on which the promotion rule
    *fails* (the learner is shown worse than the checkpoint) restores the learner from the
    checkpoint (``rollback``, recorded as ``reject``). Anything else lets the learner go on
    (``continue``): a failed verdict that the checkpoint is not shown better than starts the
    evidence afresh; an inconclusive gate carries its rows to the next gate, so evidence
    accumulates since the checkpoint, up to ``window.last_rows`` rows (default ten turns).

    The project's retraining lease is held from construction to :meth:`close`, so no other
    online learner and no ``modelpact retrain`` of the project runs meanwhile; a process that
    dies without closing blocks the next one for at most *lease_ttl*. An instance is not
    thread-safe: call it from one thread, or behind one lock.

    Parameters
    ----------
    store
        The ledger.
    project
        The project; it needs a pinned pact and a champion.
    trust_pickle
        Load a champion stored as a pickle (which runs the code it holds); a scikit-learn
        learner stored in skops format needs no trust.
    seed, n_resamples
        Bootstrap settings of the gate.
    lease_ttl
        How long the retraining lease outlives a process that stopped renewing it.

    Raises
    ------
    ConfigurationError
        Without a pinned pact, a retraining section, ``auto_promote`` or a turn size.
    NotFoundError
        Without a champion to start from.
    ModelLoadError
        When the champion has no ``partial_fit``/``predict``, or is a classifier without
        ``classes_``.
    RetrainingBusy
        When another retraining or online learner of the project holds the lease.

    Examples
    --------
    >>> OnlineLearner.__name__
    'OnlineLearner'
    """

    def __init__(
        self,
        store: Store,
        project: str,
        *,
        trust_pickle: bool = False,
        seed: int = 0,
        n_resamples: int = 2000,
        lease_ttl: timedelta = DEFAULT_TTL,
    ) -> None:
        pact = store.pinned_pact(project)
        if pact is None:
            raise ConfigurationError(
                f"project '{project}' has no approved pact in the ledger; online learning "
                "gates against the pinned pact ('modelpact pact approve')"
            )
        self.config, self.turn_rows = _online_config(pact, project)
        try:
            champion = store.get_model_version(f"{project}@champion")
        except NotFoundError:
            raise NotFoundError(
                f"project '{project}' has no champion to learn from; register the first "
                "learner and promote it ('modelpact models promote')"
            ) from None
        model = store.load_model(champion.id, trust_pickle=trust_pickle)
        self._classes = _check_learner(model, pact, champion.ref)
        self.store, self.project, self.pact = store, project, pact
        self.seed, self.n_resamples = seed, n_resamples
        self._champion: ModelVersion = champion
        self._checkpoint = model
        self._live = _copy(model)
        self._evidence = _Evidence()
        self._next_row = 0
        self._learned = 0  # rows learned since the last gate
        self._max_evidence = self.config.window.last_rows or _CARRY_TURNS * self.turn_rows
        self.turns: list[OnlineTurn] = []
        self._stack = ExitStack()
        self._held: HeldLease = self._stack.enter_context(
            retraining_lock(store, project, ttl=lease_ttl)
        )
        try:
            abandon_interrupted(store, project)
        except BaseException:
            self._stack.close()
            raise

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> OnlineLearner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Give the retraining lease up; the learning since the last checkpoint is dropped."""
        self._stack.close()

    @property
    def learner(self) -> Any:
        """The live learner (serves predictions and learns every labelled row)."""
        return self._live

    @property
    def checkpoint(self) -> Any:
        """The frozen checkpoint: the champion the live learner is judged against."""
        return self._checkpoint

    @property
    def champion(self) -> str:
        """The registry reference of the checkpoint (the project's champion)."""
        return self._champion.ref

    @property
    def pending_rows(self) -> int:
        """Labelled rows learned since the last gate decided (the evidence it will judge)."""
        return len(self._evidence)

    # ------------------------------------------------------------------ serving

    def _features(self, X: Any, what: str) -> tuple[pd.DataFrame, list[str]]:
        if not isinstance(X, pd.DataFrame):
            raise InvalidDataError(
                f"{what}: X must be a pandas DataFrame with the feature columns, not "
                f"{type(X).__name__}"
            )
        columns = feature_columns(self._live, self.pact, X)
        missing = [c for c in columns if c not in X.columns]
        if missing:
            raise InvalidDataError(
                f"{what}: X lacks feature column '{missing[0]}' (the learner reads "
                f"{', '.join(columns)})"
            )
        return X, columns

    def predict(self, X: pd.DataFrame) -> np.ndarray[Any, Any]:
        """The live learner's predictions for the rows of *X*."""
        X, columns = self._features(X, "predict")
        return np.asarray(self._live.predict(X[columns]))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray[Any, Any]:
        """The live learner's class probabilities for the rows of *X* (``classes_`` order)."""
        if not callable(getattr(self._live, "predict_proba", None)):
            raise ModelLoadError(f"the learner {type(self._live).__name__} has no predict_proba")
        X, columns = self._features(X, "predict_proba")
        return np.asarray(self._live.predict_proba(X[columns]))

    # ------------------------------------------------------------------ learning

    def _labels(self, y: Any, n: int) -> pd.Series:
        labels = pd.Series(np.asarray(y)).reset_index(drop=True)
        if len(labels) != n:
            raise InvalidDataError(f"learn: {len(labels):,} labels for {n:,} rows of X")
        if labels.isna().any():
            first = int(np.flatnonzero(labels.isna().to_numpy())[0])
            raise InvalidDataError(
                f"learn: label of row {first} is missing; learn labelled rows only"
            )
        if self._classes is not None:
            known = {str(c) for c in self._classes}
            unknown = [v for v in labels.unique() if str(v) not in known]
            if unknown:
                raise InvalidDataError(
                    f"learn: label {plain_repr(unknown[0])} is not a class the learner knows "
                    f"({', '.join(map(str, self._classes))})"
                )
        return labels

    def _answers(self, model: Any, X: pd.DataFrame, name: str) -> np.ndarray[Any, Any]:
        """What *model* answers for *X*: probabilities when it has them, else predictions."""
        try:
            if self._classes is not None and callable(getattr(model, "predict_proba", None)):
                proba = np.asarray(model.predict_proba(X), dtype=float)
                if proba.shape != (len(X), len(self._classes)):
                    raise ModelLoadError(
                        f"the {name}'s predict_proba gave shape {proba.shape}, not "
                        f"({len(X)}, {len(self._classes)}) for its classes"
                    )
                return proba
            answers = np.asarray(model.predict(X))
            return answers.astype(float) if self._classes is None else answers
        except ModelLoadError:
            raise
        except Exception as exc:
            raise ModelLoadError(f"the {name} failed to predict: {exc}") from None

    def learn(
        self, X: pd.DataFrame, y: Sequence[Any] | pd.Series | np.ndarray[Any, Any]
    ) -> list[OnlineTurn]:
        """Learn labelled rows in time order; gate every N rows. Returns the gates run.

        Each row is first scored by the live learner and the checkpoint (the evidence), then
        learned by the live learner with ``partial_fit``. When the rows since the last gate
        reach the turn size the gate decides, and the rest of *X* is scored and learned by
        the learner the decision left in place.

        Raises
        ------
        InvalidDataError
            When *X* is not a DataFrame with the learner's feature columns, or *y* does not
            match it (length, a missing label, a class the learner does not know).
        ModelLoadError
            When the learner fails to predict or to learn.
        """
        X, columns = self._features(X, "learn")
        labels = self._labels(y, len(X))
        turns = []
        start = 0
        while start < len(X):
            stop = min(len(X), start + self.turn_rows - self._learned)
            self._learn_rows(X.iloc[start:stop], labels.iloc[start:stop], columns)
            start = stop
            if self._learned >= self.turn_rows:
                turns.append(self._gate())
        return turns

    def _learn_rows(self, X: pd.DataFrame, y: pd.Series, columns: list[str]) -> None:
        features = X[columns]
        live = self._answers(self._live, features, "live learner")
        checkpoint = self._answers(self._checkpoint, features, "checkpoint")
        rows = X.reset_index(drop=True)
        rows = rows.assign(
            **{
                self.pact.columns.target: y.to_numpy(),
                _ROW: np.arange(self._next_row, self._next_row + len(rows)),
            }
        )
        self._evidence.add(rows, live, checkpoint)
        try:
            if self._classes is not None:
                self._live.partial_fit(features, y.to_numpy(), classes=np.asarray(self._classes))
            else:
                self._live.partial_fit(features, y.to_numpy())
        except Exception as exc:
            self._evidence.drop_last()
            raise ModelLoadError(
                f"the learner {type(self._live).__name__} failed to learn: {exc}"
            ) from None
        self._next_row += len(rows)
        self._learned += len(rows)

    # ------------------------------------------------------------------ the gate

    def _replay(self, rows: pd.DataFrame, answers: Any) -> Replay:
        if self._classes is not None and answers.ndim == 2:
            return ScoreReplay(_ROW, rows[_ROW], answers, [str(c) for c in self._classes])
        return Replay(_ROW, rows[_ROW], answers)

    def _gate(self) -> OnlineTurn:
        rows, live, checkpoint = self._evidence.joined(self._max_evidence)
        gate = run_gate(
            self.pact,
            self.config,
            rows,
            self._replay(rows, live),
            self._replay(rows, checkpoint),
            seed=self.seed,
            n_resamples=self.n_resamples,
            explain=False,
        )
        rule = gate.versus_champion
        reasons = list(gate.reasons)
        if gate.outcome == "pass":
            action: OnlineAction = "promote"
            reasons.append("the gate passed: the learning since the checkpoint is kept")
        elif rule is not None and rule.status == "fail":
            action = "rollback"
            reasons.append(
                f"the live learner is shown worse than the checkpoint {self.champion}: it is "
                "rolled back to the checkpoint"
            )
        elif gate.outcome == "fail":
            action = "continue"
            reasons.append(
                "the live learner fails the pact but is not shown worse than the checkpoint: "
                "it keeps learning, and the checkpoint stays champion"
            )
        else:
            action = "continue"
            reasons.append(
                "the gate is inconclusive: the live learner keeps learning and these rows are "
                "carried to the next gate"
            )
        turn = self._record(rows, gate, action, tuple(reasons))
        self.turns.append(turn)
        return turn

    def _check_champion(self) -> None:
        try:
            current = self.store.get_model_version(f"{self.project}@champion")
        except NotFoundError:
            current = None
        if current is None or current.id != self._champion.id:
            now = current.ref if current is not None else "none"
            raise StoreError(
                f"the champion of project '{self.project}' changed from {self.champion} to "
                f"{now} outside this online learner; close it and open a new one, which "
                "starts from the current champion"
            )

    def _record(
        self, rows: pd.DataFrame, gate: GateResult, action: OnlineAction, reasons: tuple[str, ...]
    ) -> OnlineTurn:
        self._held.check()  # a successor that took over a lapsed lease decides, not us
        self._check_champion()
        store, project = self.store, self.project
        learned = self._learned
        run = store.create_run(
            project,
            name="retrain",
            params={
                "kind": RETRAIN_KIND,
                "mode": "online",
                "trigger": [
                    f"online: {learned:,} labelled rows learned since the last gate "
                    f"(every {self.turn_rows:,})"
                ],
                "trainer": f"online learner {type(self._live).__name__} (partial_fit)",
                "rule": gate.rule,
                "champion": self.champion,
                "holdout_rows": len(rows),
                "rows_learned": learned,
            },
        )
        version_id: str | None = None
        try:
            evidence = store.log_dataset(
                rows.drop(columns=[_ROW]), name=f"{project} online gate rows", keep_rows=False
            )
            # prequential: every row was scored, then learned
            store.link_dataset(run.id, evidence.id, "train")
            store.link_dataset(run.id, evidence.id, "eval")
            promoted = None
            if action == "promote":
                model = _copy(self._live)
                version = store.register_model(
                    project=project,
                    run_id=run.id,
                    model=model,
                    name="online",
                    params={"learner": type(model).__name__, "gate_rows": len(rows)},
                    description=f"online learner kept after {len(rows):,} gated rows",
                )
                version_id = version.id
            store.record_verdict(
                project=project,
                verdict_json=gate.verdict.to_dict(),
                model_version_id=version_id,
                run_id=run.id,
                pact_hash=pact_hash(self.pact),
            )
            if action == "promote":
                assert version_id is not None
                self._champion = store.set_stage(
                    version_id, "champion", reason=f"online gate: {reasons[-1]}", actor=_ACTOR
                )
                self._checkpoint = model
                promoted = self._champion.ref
            params: dict[str, Any] = {
                "decision": {"promote": "promote", "rollback": "reject"}.get(action, "continue"),
                "online_action": action,
                "gate": gate.outcome,
                "reasons": list(reasons),
                "inconclusive": gate.outcome == "inconclusive",
            }
            if promoted is not None:
                params["promoted"] = params["challenger"] = promoted
            if action == "rollback":
                params["rollback"] = self.champion
            store.log_params(run.id, params)
            store.finish_run(run.id, "finished")
        except BaseException as exc:
            fail_turn(store, run.id, version_id, exc, actor=_ACTOR, what="online gate")
            raise
        carried = action == "continue" and gate.outcome == "inconclusive"
        if action == "rollback":
            self._live = _copy(self._checkpoint)
        if not carried:
            self._evidence.clear()
        self._learned = 0
        return OnlineTurn(
            action=action,
            rows=len(rows),
            gate=gate,
            reasons=reasons,
            checkpoint=self.champion,
            run_id=run.id,
            promoted=promoted,
            carried=carried,
        )
