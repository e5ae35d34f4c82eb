"""The gate: promotion decided on paired intervals, never on point estimates."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from modelpact.retrain import decide, promotion_criterion, run_gate
from tests.retrain.conftest import FEATURES, make_pact, stream


def _fit(seed: int, n: int = 3000) -> LogisticRegression:
    rows = stream(n, seed=seed)
    return LogisticRegression().fit(rows[FEATURES], rows["y"])


def test_noise_is_never_promoted_under_superiority() -> None:
    """Challengers as good as the champion (other samples of the same world): superiority
    must not promote them more often than its error rate allows."""
    pact = make_pact(rule="superiority")
    assert pact.retraining is not None
    champion = _fit(1000)
    promoted = 0
    differences = []
    for seed in range(20):
        holdout = stream(2000, seed=500 + seed)
        challenger = _fit(seed)
        gate = run_gate(pact, pact.retraining, holdout, challenger, champion, explain=False)
        assert gate.versus_champion is not None
        differences.append(gate.versus_champion.estimate)
        promoted += decide(gate, pact.retraining).action == "promote"
    # some challengers are ahead on their holdout by luck; none of that is evidence
    assert max(differences) > 0
    assert promoted <= 1


def test_superiority_promotes_a_really_better_challenger() -> None:
    pact = make_pact(rule="superiority")
    assert pact.retraining is not None
    rows = stream(3000, seed=3)
    weak = LogisticRegression().fit(rows[["x3"]], rows["y"])  # sees one weak feature only
    holdout = stream(2000, seed=4)
    gate = run_gate(pact, pact.retraining, holdout, _fit(5), weak, explain=False)
    assert gate.outcome == "pass"
    assert decide(gate, pact.retraining).action == "promote"


def test_the_rule_is_the_paired_difference_on_the_same_rows() -> None:
    pact = make_pact()
    assert pact.retraining is not None
    holdout = stream(2000, seed=8)
    champion, challenger = _fit(6, n=400), _fit(7)
    gate = run_gate(pact, pact.retraining, holdout, challenger, champion, explain=False)
    rule = gate.versus_champion
    assert rule is not None
    x, y = holdout[FEATURES], holdout["y"]
    expected = accuracy_score(y, challenger.predict(x)) - accuracy_score(y, champion.predict(x))
    assert rule.estimate == pytest.approx(expected, abs=1e-12)
    assert rule.n == 2000 and rule.reference == "champion"
    assert rule.ci[0] <= rule.estimate <= rule.ci[1]
    assert rule.label == "accuracy no worse than champion (margin 0.02)"
    # paired: far narrower than two independent intervals side by side
    independent = 1.645 * np.sqrt(2 * 0.77 * 0.23 / 2000)
    assert rule.ci[1] - rule.estimate < independent


def test_without_a_champion_the_pact_alone_decides() -> None:
    pact = make_pact(auto=False)
    assert pact.retraining is not None
    gate = run_gate(pact, pact.retraining, stream(2000, seed=9), _fit(10), None)
    assert gate.outcome == "pass" and gate.versus_champion is None
    decision = decide(gate, pact.retraining)
    assert decision.action == "hold" and decision.exit_code == 1
    assert "models approve" in decision.reasons[-1]


def test_an_undecided_gate_exits_3() -> None:
    pact = make_pact()
    assert pact.retraining is not None
    holdout = stream(60, seed=11)  # far too few rows to show "no worse within 0.02"
    gate = run_gate(pact, pact.retraining, holdout, _fit(12), _fit(13), explain=False)
    assert gate.outcome == "inconclusive"
    decision = decide(gate, pact.retraining)
    assert (decision.action, decision.inconclusive, decision.exit_code) == ("reject", True, 3)


def test_promotion_rule_defaults() -> None:
    extra = "  metric: accuracy\n"
    pact = make_pact(extra=extra)
    assert pact.retraining is not None
    rule = promotion_criterion(pact, pact.retraining)
    assert (rule.kind, rule.margin) == ("non_inferiority", 0.02)
    no_margin = pact.retraining.model_copy(update={"margin": None})
    assert promotion_criterion(pact, no_margin).margin == 0.0


def test_the_holdout_is_sized_by_plan_so_the_gate_can_be_conclusive() -> None:
    from modelpact.evaluate import plan
    from modelpact.retrain import holdout_size, scored_frame, scoring_pact

    pact = make_pact().model_copy(
        update={
            "retraining": make_pact().retraining.model_copy(  # type: ignore[union-attr]
                update={"holdout_rows": None}
            )
        }
    )
    assert pact.retraining is not None
    rows = stream(20000, seed=14)
    champion = _fit(15)
    size, how = holdout_size(pact, pact.retraining, rows, champion)
    pilot = scored_frame(pact, rows.iloc[-5000:], champion, name="pilot")
    needed = max(r.n_needed or 0 for r in plan(scoring_pact(pact), pilot=pilot).rows)
    assert size == needed and how.startswith("plan:")
    # a criterion close to the model's accuracy needs more rows than half the window holds
    tight = pact.model_copy(
        update={"criteria": [pact.criteria[0].model_copy(update={"at_least": 0.765})]}
    )
    size, how = holdout_size(tight, pact.retraining, rows.iloc[:4000], champion)
    assert size == 2000 and how.startswith("half the window")
    assert holdout_size(pact, pact.retraining, rows, None)[0] == 4000  # no champion: a fifth


def test_unless_worse_promotes_an_undecided_challenger_but_not_a_worse_one() -> None:
    pact = make_pact(rule="unless_worse")
    assert pact.retraining is not None
    small = stream(60, seed=11)  # too few rows to settle the margin either way
    undecided = run_gate(pact, pact.retraining, small, _fit(12), _fit(13), explain=False)
    assert undecided.versus_champion is not None
    assert undecided.versus_champion.status == "inconclusive"
    # the same evidence under non-inferiority keeps the champion (see above); here it promotes
    assert undecided.outcome == "pass"
    assert any("benefit of the doubt" in r for r in undecided.reasons)
    rows = stream(3000, seed=3)
    weak = LogisticRegression().fit(rows[["x3"]], rows["y"])
    worse = run_gate(pact, pact.retraining, stream(2000, seed=4), weak, _fit(5), explain=False)
    assert worse.versus_champion is not None and worse.versus_champion.status == "fail"
    assert worse.outcome == "fail"
