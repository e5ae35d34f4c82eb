"""The gate: is the challenger good enough to replace the champion, on the same recent rows?

Two questions, both on the temporal holdout the challenger never trained on:

1. Does the challenger meet **every criterion of the pact**? This is :func:`modelpact.verify`
   itself, with the champion supplied so ``vs_champion`` criteria are decided too.
2. Does it beat the champion by the **promotion rule**, judged on the *paired* interval of
   the difference on the same rows (the interval ``verify`` uses for ``vs_champion``
   criteria)? ``non_inferiority`` (the default) asks for evidence that the challenger is no
   worse than the champion by more than the margin: under drift, a fresh model that is no
   worse on the newest rows is the better bet for tomorrow. ``superiority`` asks that it is
   better, which noise cannot fake. ``unless_worse`` gives the fresh model the benefit of the
   doubt: only evidence that it is worse by more than the margin keeps the champion, so an
   undecided comparison (a holdout too small to settle the margin) promotes; the challenger
   must still meet every criterion of the pact.

The gate passes only when both pass; it fails when either fails and is inconclusive otherwise.
A leaderboard (:func:`modelpact.evaluate.compare`: challenger, champion and the pact's
baseline, paired, Holm-adjusted) and a behaviour diff are attached for the people who decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from modelpact.errors import ModelpactError
from modelpact.evaluate import CriterionResult, Verdict, compare, diff, evaluate_criteria, verify
from modelpact.evaluate.baseline import baseline_predictions
from modelpact.evaluate.inputs import encode_target
from modelpact.evaluate.models import feature_columns, predict_with_model
from modelpact.pact import Columns, Criterion, Pact, RetrainingConfig

__all__ = [
    "GateResult",
    "holdout_size",
    "promotion_criterion",
    "run_gate",
    "scored_frame",
    "scoring_pact",
]

GateOutcome = Literal["pass", "fail", "inconclusive"]


def promotion_criterion(pact: Pact, config: RetrainingConfig) -> Criterion:
    """The promotion rule as a ``vs_champion`` criterion of the pact.

    The metric defaults to the first criterion's; the non-inferiority margin to that of a
    ``vs_champion: no_worse`` criterion of the pact on the same metric, else 0.
    """
    metric = config.metric or pact.criteria[0].metric
    if config.promotion == "superiority":
        return Criterion(metric=metric, vs_champion="improve", by=0.0)
    margin = config.margin
    if margin is None:
        margin = next(
            (
                c.margin or 0.0
                for c in pact.criteria
                if c.metric == metric and c.vs_champion == "no_worse" and not c.slice
            ),
            0.0,
        )
    return Criterion(metric=metric, vs_champion="no_worse", margin=margin)


def scoring_pact(pact: Pact) -> Pact:
    """The pact with its output columns renamed to ones :func:`scored_frame` writes."""
    score: str | dict[str, str]
    if pact.task == "multiclass":
        classes = [str(c) for c in (pact.classes or [])]
        score = {c: f"_modelpact_p_{i}" for i, c in enumerate(classes)}
    else:
        score = "_modelpact_score"
    columns = Columns.model_validate(
        {**pact.columns.model_dump(), "score": score, "prediction": None}
    )
    return pact.model_copy(update={"columns": columns})


def scored_frame(pact: Pact, frame: pd.DataFrame, model: Any, *, name: str) -> pd.DataFrame:
    """*frame* with the model's outputs in the columns of :func:`scoring_pact`.

    Multiclass pacts need ``classes`` so the probability columns can be named.
    """
    target = encode_target(pact, frame, source=name)
    preds = predict_with_model(model, pact, frame, target, name=name, source=name)
    out = frame.copy()
    if pact.task == "multiclass":
        if preds.score is None or not pact.classes:
            raise ModelpactError(
                "the retraining gate of a multiclass pact needs 'classes' in the pact and a "
                "model with predict_proba"
            )
        for i in range(preds.score.shape[1]):
            out[f"_modelpact_p_{i}"] = preds.score[:, i]
        return out
    if pact.task == "binary" and preds.score is None:
        out["_modelpact_score"] = preds.label.astype(float)
    else:
        out["_modelpact_score"] = preds.score if preds.score is not None else preds.label
    return out


@dataclass(frozen=True)
class GateResult:
    """What the gate found on the holdout, and its outcome.

    ``verdict`` is the challenger's verdict against the pact on the holdout;
    ``versus_champion`` the promotion rule's paired result (None without a champion);
    ``champion_verdict`` the champion's own verdict on the same rows, for context;
    ``comparison`` the ``modelpact.compare/v1`` leaderboard and ``behaviour`` the diff summary.
    """

    outcome: GateOutcome
    rule: str
    verdict: Verdict
    versus_champion: CriterionResult | None
    champion_verdict: Verdict | None
    reasons: tuple[str, ...]
    comparison: dict[str, Any] | None = None
    behaviour: tuple[str, ...] = ()

    def summary(self) -> str:
        """One sentence: the outcome and its main reason."""
        return f"gate {self.outcome}: " + "; ".join(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "outcome": self.outcome,
            "rule": self.rule,
            "reasons": list(self.reasons),
            "verdict": self.verdict.to_dict(),
            "versus_champion": None
            if self.versus_champion is None
            else self.versus_champion.to_dict(),
            "champion_verdict": None
            if self.champion_verdict is None
            else self.champion_verdict.to_dict(),
            "comparison": self.comparison,
            "behaviour": list(self.behaviour),
        }


def _combine(verdict: Verdict, rule: CriterionResult | None, benefit_of_doubt: bool) -> GateOutcome:
    rule_status = None if rule is None else rule.status
    if benefit_of_doubt and rule_status == "inconclusive":
        rule_status = "pass"
    statuses = [verdict.verdict] + ([] if rule_status is None else [rule_status])
    if "failed" in statuses or "fail" in statuses:
        return "fail"
    if all(s in ("signed_off", "pass") for s in statuses):
        return "pass"
    return "inconclusive"


def _reasons(verdict: Verdict, rule: CriterionResult | None, criterion: Criterion) -> list[str]:
    reasons = [f"against the pact: {verdict.verdict} ({verdict.summary()})"]
    if rule is None:
        reasons.append("no champion to compare with: the pact alone decides")
        return reasons
    low, high = rule.ci
    what = {
        "pass": "passes",
        "fail": "fails",
        "inconclusive": "is inconclusive on",
    }[rule.status]
    tail = f"; about {rule.n_needed:,} holdout rows would settle it" if rule.n_needed else ""
    reasons.append(
        f"the challenger {what} '{criterion.label()}': {rule.metric} challenger "
        f"{rule.candidate_value:.4g} vs champion {rule.reference_value:.4g}, difference "
        f"{rule.estimate:+.4g} with one-sided bounds [{low:+.4g}, {high:+.4g}] at "
        f"{rule.confidence:.0%} on {rule.n:,} paired rows{tail}"
    )
    return reasons


def _leaderboard(
    pact: Pact,
    holdout: pd.DataFrame,
    train: pd.DataFrame | None,
    challenger: Any,
    champion: Any,
    *,
    seed: int,
    n_resamples: int,
) -> dict[str, Any]:
    scoring = scoring_pact(pact)
    tables = {
        "challenger": scored_frame(pact, holdout, challenger, name="challenger"),
        "champion": scored_frame(pact, holdout, champion, name="champion"),
    }
    target = encode_target(pact, holdout, source="holdout")
    base, _, _ = baseline_predictions(
        pact, holdout, target, source="holdout", train=train, train_source="train"
    )
    baseline = holdout.copy()
    if pact.task == "multiclass":
        assert base.score is not None
        for i in range(base.score.shape[1]):
            baseline[f"_modelpact_p_{i}"] = base.score[:, i]
    else:
        baseline["_modelpact_score"] = base.score if base.score is not None else base.label
    tables["baseline"] = baseline
    metrics = list(dict.fromkeys(c.metric for c in pact.criteria))
    result = compare(
        tables,
        pact=scoring,
        metrics=metrics,
        baseline="baseline",
        seed=seed,
        n_resamples=n_resamples,
    )
    return result.to_dict()


def _behaviour(pact: Pact, holdout: pd.DataFrame, challenger: Any, champion: Any) -> list[str]:
    features = feature_columns(challenger, pact, holdout)
    result = diff(
        champion,
        challenger,
        holdout,
        target=pact.columns.target,
        features=features,
        task=pact.task,
        positive_class=pact.positive_class,
        threshold=pact.threshold,
        names=("champion", "challenger"),
        confidence=pact.confidence,
        n_resamples=1000,
    )
    return result.summary_lines()


def run_gate(
    pact: Pact,
    config: RetrainingConfig,
    holdout: pd.DataFrame,
    challenger: Any,
    champion: Any | None,
    *,
    train: pd.DataFrame | None = None,
    seed: int = 0,
    n_resamples: int = 2000,
    explain: bool = True,
) -> GateResult:
    """Gate *challenger* on *holdout* against the pact and, paired, against *champion*.

    Parameters
    ----------
    pact, config
        The pact and its ``retraining`` section (promotion rule, metric, margin).
    holdout
        The most recent labelled rows; neither model may have trained on them.
    challenger, champion
        Fitted models; *champion* None for the first model of a project.
    train
        The challenger's training rows: constant baselines are learned from them and the
        persistence baseline continues from their last label.
    seed, n_resamples
        Bootstrap settings (the same seed gives the same result).
    explain
        Attach the leaderboard and the behaviour diff (a few seconds on large holdouts).
    """
    verdict = verify(
        pact,
        holdout,
        model=challenger,
        champion=champion,
        train=train,
        seed=seed,
        n_resamples=n_resamples,
    )
    criterion = promotion_criterion(pact, config)
    rule: CriterionResult | None = None
    champion_verdict: Verdict | None = None
    comparison: dict[str, Any] | None = None
    behaviour: list[str] = []
    if champion is not None:
        # the pact with the promotion rule as its only criterion: verify's paired machinery
        only_rule = pact.model_copy(update={"criteria": [criterion]})
        rule = evaluate_criteria(
            only_rule,
            holdout,
            model=challenger,
            champion=champion,
            train=train,
            seed=seed,
            n_resamples=n_resamples,
        )[0]
        champion_verdict = verify(
            pact, holdout, model=champion, train=train, seed=seed, n_resamples=n_resamples
        )
        if explain:
            try:
                comparison = _leaderboard(
                    pact, holdout, train, challenger, champion, seed=seed, n_resamples=n_resamples
                )
                behaviour = _behaviour(pact, holdout, challenger, champion)
            except ModelpactError as exc:
                behaviour = [f"no leaderboard or behaviour diff: {exc}"]
    benefit = config.promotion == "unless_worse"
    outcome = _combine(verdict, rule, benefit)
    reasons = _reasons(verdict, rule, criterion)
    if benefit and rule is not None and rule.status == "inconclusive":
        reasons.append(
            "promotion rule unless_worse: the challenger is not shown worse than the champion "
            "by more than the margin, so the fresher model gets the benefit of the doubt"
        )
    if champion_verdict is not None:
        reasons.append(f"the champion on the same rows: {champion_verdict.verdict}")
    return GateResult(
        outcome=outcome,
        rule=criterion.label(),
        verdict=verdict,
        versus_champion=rule,
        champion_verdict=champion_verdict,
        reasons=tuple(reasons),
        comparison=comparison,
        behaviour=tuple(behaviour),
    )


def holdout_size(
    pact: Pact,
    config: RetrainingConfig,
    rows: pd.DataFrame,
    champion: Any | None,
) -> tuple[int, str]:
    """Rows the temporal holdout takes, and how that number was chosen.

    ``retraining.holdout_rows`` when the pact sets it. Otherwise :func:`modelpact.plan` on a
    pilot (the champion scored on the newest quarter of the window) says how many rows each
    criterion needs to be conclusive; the holdout takes the largest, at least the pact's
    ``min_rows``, and never more than half the window. Without a champion, a fifth of the
    window.
    """
    from modelpact.evaluate import plan

    n = len(rows)
    floor = max(pact.data.min_rows, 30)
    if config.holdout_rows is not None:
        return config.holdout_rows, "retraining.holdout_rows"
    cap = n // 2
    if champion is None:
        size = min(max(n // 5, floor), cap)
        return size, "a fifth of the window (no champion to plan from)"
    pilot_rows = rows.iloc[-max(n // 4, min(n, 200)) :]
    try:
        pilot = scored_frame(pact, pilot_rows, champion, name="pilot")
        needs = [
            r.n_needed for r in plan(scoring_pact(pact), pilot=pilot).rows if r.n_needed is not None
        ]
    except ModelpactError:
        needs = []
    if not needs:
        size = min(max(n // 5, floor), cap)
        return size, "a fifth of the window (plan could not size it)"
    wanted = max(max(needs), floor)
    if wanted > cap:
        return cap, (
            f"half the window: plan asks for {wanted:,} rows for a conclusive gate, more than "
            "the window can spare"
        )
    return int(wanted), f"plan: {wanted:,} rows make every criterion conclusive"
