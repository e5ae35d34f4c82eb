"""Shadow mode: the challenger answers live traffic beside the champion; labels decide.

A held challenger is put *in shadow* for a captured model (``retrain --shadow`` or
``modelpact models shadow``). The model server keeps serving the champion's answers and also
sends the challenger's for the same prediction ids (:meth:`modelpact.client.Client.log_shadow`),
stored under a captured model of their own (:func:`modelpact._shadow.shadow_model_name`).
Labels are sent once, for the champion's predictions; they are joined to both by prediction
id. ``retrain --decide-shadow`` then runs the same gate as the loop on the labelled shadow
rows: the pact's criteria on the challenger's live answers, and the promotion rule against the
champion's live answers, paired on the same prediction ids. The gate scores what each model
actually answered, so nothing is re-predicted and nothing was trained on these rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from modelpact._shadow import shadow_model_name
from modelpact.errors import InvalidDataError, NotFoundError
from modelpact.ledger import ModelVersion, Store, pact_hash
from modelpact.ledger.capture import CapturedModel, CaptureStore
from modelpact.ledger.retraining import RETRAIN_KIND, held_for_approval
from modelpact.pact import Pact, RetrainingConfig
from modelpact.retrain._lock import retraining_lock
from modelpact.retrain.decision import Decision, decide
from modelpact.retrain.gate import GateResult, run_gate
from modelpact.retrain.result import RetrainResult
from modelpact.retrain.triggers import TriggerCheck, TriggerReport

__all__ = [
    "Replay",
    "ScoreReplay",
    "ShadowTarget",
    "decide_shadow",
    "shadow_rows",
    "start_shadow",
]

_ACTOR = "modelpact retrain"


class Replay:
    """The answers a model gave live, replayed by prediction id as a fitted estimator.

    The gate feeds it the id column (``feature_names_in_``), and it returns what the model
    answered for those ids, so :func:`~modelpact.retrain.gate.run_gate` pairs two models'
    live answers on the same rows without re-predicting anything.

    Parameters
    ----------
    id_column
        The column holding prediction ids.
    ids
        The ids, one per answer.
    answers
        What the model answered for each id: values (regression) or class labels.
    """

    def __init__(self, id_column: str, ids: Any, answers: np.ndarray[Any, Any]) -> None:
        self.feature_names_in_ = np.array([id_column], dtype=object)
        self._index = {str(i): k for k, i in enumerate(ids)}
        self._answers = answers

    def _rows(self, X: pd.DataFrame) -> list[int]:
        try:
            return [self._index[str(i)] for i in X.iloc[:, 0]]
        except KeyError as exc:
            raise InvalidDataError(f"no live answer recorded for prediction id {exc}") from None

    def predict(self, X: pd.DataFrame) -> np.ndarray[Any, Any]:
        """The recorded answers of the rows of *X*."""
        return np.asarray(self._answers[self._rows(X)])


class ScoreReplay(Replay):
    """Recorded class probabilities (one column per entry of *classes*), replayed by id."""

    def __init__(
        self, id_column: str, ids: Any, proba: np.ndarray[Any, Any], classes: list[str]
    ) -> None:
        super().__init__(id_column, ids, np.asarray(classes, dtype=object)[proba.argmax(axis=1)])
        self.classes_ = np.array(classes, dtype=object)
        self._proba = proba

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray[Any, Any]:
        """The recorded probabilities of the rows of *X*."""
        return np.asarray(self._proba[self._rows(X)])


@dataclass(frozen=True)
class ShadowTarget:
    """A candidate in shadow: its version, the captured model it shadows, and its own."""

    version: ModelVersion
    model: str
    shadow: str


def start_shadow(store: Store, ref: str, model: str) -> ShadowTarget:
    """Put the held challenger *ref* in shadow beside captured model *model*.

    Creates the captured model its live answers go to and records the pairing on its
    retraining run, so ``retrain --decide-shadow`` finds it.

    Raises
    ------
    StoreError
        When *ref* is not a challenger held for approval.
    NotFoundError
        When *model* is not a captured model of the project.
    """
    version, run = held_for_approval(store, ref)
    capture = CaptureStore(store)
    capture.get_model(version.project, model)
    name = shadow_model_name(model, version.version)
    capture.ensure_model(version.project, name)
    store.log_params(run.id, {"shadow": name, "shadow_of": model})
    return ShadowTarget(version, model, name)


def _in_shadow(store: Store, project: str, model: str) -> ShadowTarget:
    for version in store.list_model_versions(project, stage="candidate"):
        run = store.get_run(version.run_id) if version.run_id else None
        if run is not None and run.params.get("shadow_of") == model:
            return ShadowTarget(version, model, str(run.params["shadow"]))
    raise NotFoundError(
        f"project '{project}' has no candidate in shadow beside captured model '{model}'; "
        f"put a held one there with 'modelpact models shadow PROJECT:VERSION --model {model}'"
    )


def _answers(pact: Pact, frame: pd.DataFrame, id_column: str, what: str) -> Replay:
    ids = frame["prediction_id"].to_numpy()
    if pact.task == "multiclass":
        classes = [str(c) for c in (pact.classes or [])]
        columns = [f"score_{c}" for c in classes]
        if classes and all(c in frame.columns for c in columns) and (
            frame[columns].notna().all().all()
        ):
            proba = frame[columns].to_numpy(dtype=float)
            return ScoreReplay(id_column, ids, proba, classes)
    elif pact.task == "binary" and frame["score"].notna().all():
        score = frame["score"].to_numpy(dtype=float)
        # the second class is the positive one: the gate takes its column as the score
        classes = ["not " + str(pact.positive_class), str(pact.positive_class)]
        return ScoreReplay(id_column, ids, np.column_stack([1 - score, score]), classes)
    elif pact.task == "regression" and frame["score"].notna().all():
        return Replay(id_column, ids, frame["score"].to_numpy(dtype=float))
    if frame["prediction"].notna().all():
        return Replay(id_column, ids, frame["prediction"].to_numpy())
    raise InvalidDataError(
        f"{what}: some rows carry neither a score nor a prediction; send one for every row"
    )


def shadow_rows(
    store: Store, pact: Pact, project: str, model: str, shadow: str
) -> tuple[pd.DataFrame, Replay, Replay, int]:
    """The labelled rows both models answered, and each model's live answers on them.

    Returns ``(rows, challenger, champion, n_shadow)``: *rows* hold the id column, the time
    column, the features and the target (the label sent for the champion's prediction),
    oldest first; *n_shadow* counts every shadow answer, labelled or not.
    """
    capture = CaptureStore(store)
    classes = pact.classes if pact.task == "multiclass" else None
    served: CapturedModel = capture.get_model(project, model)
    champion = capture.frame(served, classes=classes)
    challenger = capture.frame(capture.get_model(project, shadow), classes=classes)
    n_shadow = len(challenger)
    labelled = champion[champion["label"].notna()]
    both = labelled.merge(
        challenger[["prediction_id", *[c for c in challenger.columns if c.startswith("score")],
                    "prediction"]],
        on="prediction_id",
        suffixes=("", "_shadow"),
        validate="one_to_one",
    )
    if both.empty:
        raise InvalidDataError(
            f"captured model {project}/{shadow}: no labelled shadow rows yet ({n_shadow:,} shadow "
            f"answers, {len(labelled):,} labelled predictions of {project}/{model}); send the "
            "challenger's answers with Client.log_shadow and the labels with log_feedback"
        )
    id_column = pact.columns.id or "prediction_id"
    time_column = pact.columns.time or "timestamp"
    scores = [c for c in both.columns if c.startswith("score") and not c.endswith("_shadow")]
    mine = both[["prediction_id", *[f"{c}_shadow" for c in scores], "prediction_shadow"]]
    mine = mine.rename(columns=lambda c: c.removesuffix("_shadow"))
    champion_answers = _answers(pact, both, id_column, f"captured model {project}/{model}")
    challenger_answers = _answers(pact, mine, id_column, f"captured model {project}/{shadow}")
    outputs = [*scores, "prediction"]
    rows = both.drop(columns=[c for c in both.columns if c in outputs or c.endswith("_shadow")])
    rows = rows.rename(
        columns={"prediction_id": id_column, "timestamp": time_column, "label": pact.columns.target}
    )
    rows[pact.columns.target] = rows[pact.columns.target].infer_objects()
    return rows.reset_index(drop=True), challenger_answers, champion_answers, n_shadow


def _decision(gate: GateResult, config: RetrainingConfig) -> Decision:
    if gate.outcome == "inconclusive":
        return Decision(
            "hold",
            (*gate.reasons, "not enough labelled shadow rows to decide: the candidate stays in "
             "shadow; decide again when more labels have arrived"),
            inconclusive=True,
        )
    return decide(gate, config)


def decide_shadow(
    store: Store,
    project: str,
    model: str,
    *,
    seed: int = 0,
    n_resamples: int = 2000,
) -> RetrainResult:
    """Gate the candidate in shadow beside *model* on the labelled shadow rows, and decide.

    The project's pinned pact decides, with its ``retraining`` promotion rule: the challenger
    is promoted (``auto_promote``), kept as a candidate for ``models approve`` with a signed-off
    verdict, or rejected (retired); when the rows cannot decide yet it stays in shadow
    (``hold``, inconclusive, exit 3).
    """
    pact = store.pinned_pact(project)
    if pact is None:
        raise InvalidDataError(f"project '{project}' has no pact in the ledger")
    if pact.retraining is None:
        raise InvalidDataError(f"pact '{pact.name}' has no retraining section")
    config = pact.retraining
    target = _in_shadow(store, project, model)
    rows, challenger, champion, n_shadow = shadow_rows(store, pact, project, model, target.shadow)
    try:
        served = store.get_model_version(f"{project}@champion").ref
    except NotFoundError:
        served = None
    report = TriggerReport(
        checks=(
            TriggerCheck(
                "shadow",
                True,
                f"{len(rows):,} labelled shadow rows of {n_shadow:,} shadow answers",
            ),
        ),
        new_rows=n_shadow,
        new_labels=len(rows),
    )
    with retraining_lock(store, project) as held:
        run = store.create_run(
            project,
            name="retrain-shadow",
            params={
                "kind": RETRAIN_KIND,
                "mode": "shadow",
                "challenger": target.version.ref,
                "champion": served,
                "shadow": target.shadow,
                "shadow_of": model,
                "shadow_rows": len(rows),
            },
        )
        gate = run_gate(
            pact, config, rows, challenger, champion, seed=seed, n_resamples=n_resamples,
            explain=False,
        )
        decision = _decision(gate, config)
        store.record_verdict(
            project=project,
            verdict_json=gate.verdict.to_dict(),
            model_version_id=target.version.id,
            run_id=run.id,
            pact_hash=pact_hash(pact),
        )
        held.check()
        promoted = _apply(store, target, decision)
        store.log_params(
            run.id,
            {"decision": decision.action, "gate": gate.outcome, "reasons": list(decision.reasons),
             "inconclusive": decision.inconclusive},
        )
        store.finish_run(run.id, "finished")
    window = {
        "source": f"captured models {project}/{model} and {project}/{target.shadow}",
        "rows": n_shadow,
        "labelled": len(rows),
        "window_rows": len(rows),
    }
    return RetrainResult(
        project,
        report,
        decision,
        champion=served,
        challenger=target.version.ref,
        promoted=promoted,
        run_id=run.id,
        window=window,
        gate=gate,
        mode="shadow",
    )


def _apply(store: Store, target: ShadowTarget, decision: Decision) -> str | None:
    reason = decision.reasons[-1]
    version = target.version
    if decision.action == "promote":
        store.set_stage(
            version.id, "champion", reason=f"shadow gate: {reason}", actor=_ACTOR
        )
        return version.ref
    if decision.action == "reject":
        store.set_stage(version.id, "retired", reason=f"rejected in shadow: {reason}", actor=_ACTOR)
    return None
