"""Stored comparisons and diffs: recorded as written, listed per project, never across projects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modelpact.errors import NotFoundError, StoreError
from modelpact.evaluate.compare import Comparison, compare
from modelpact.evaluate.diff import BehaviourDiff, diff
from modelpact.ledger import Store, pact_hash
from modelpact.pact import Pact


def _scores(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-2 * x))).astype(int)
    data = pd.DataFrame({"id": np.arange(n), "x": x, "g": rng.choice(["u", "v"], n), "y": y})
    a = data[["id", "y"]].assign(p=1 / (1 + np.exp(-x + rng.normal(0, 1, n))))
    b = data[["id", "y"]].assign(p=1 / (1 + np.exp(-2 * x)))
    return data, a, b


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    _, a, b = _scores()
    return compare({"a": a, "b": b}, target="y", score="p", id="id", metrics=["roc_auc"],
                   n_resamples=300)


@pytest.fixture(scope="module")
def behaviour() -> BehaviourDiff:
    data, a, b = _scores()
    return diff(a, b, data, target="y", id="id", score="p", slices=["g"], features=["x", "g"],
                names=("a", "b"), n_resamples=300)


def test_a_comparison_is_stored_as_written_and_rebuilds(store: Store, pact: Pact,
                                                        comparison: Comparison) -> None:
    store.ensure_project("churn", pact)
    stored = store.record_analysis(project="churn", document=comparison.to_dict(),
                                   outcome=comparison.outcome, title="compare: a, b")
    assert (stored.kind, stored.outcome, stored.title) == ("comparison", comparison.outcome,
                                                          "compare: a, b")
    assert stored.pact_hash == pact_hash(pact)  # the project's pinned pact by default
    again = store.get_analysis("churn", stored.id)
    assert again == stored
    rebuilt = Comparison.from_dict(again.body)
    assert rebuilt.to_dict() == comparison.to_dict()
    assert again.to_dict()["created_at"] == stored.created_at.isoformat()


def test_list_is_newest_first_filters_by_kind_and_counts(
        store: Store, comparison: Comparison, behaviour: BehaviourDiff) -> None:
    first = store.record_analysis(project="churn", document=comparison.to_dict(),
                                  outcome=comparison.outcome)
    second = store.record_analysis(project="churn", document=behaviour.to_dict(),
                                   outcome=behaviour.outcome)
    third = store.record_analysis(project="churn", document=comparison.to_dict(),
                                  outcome=comparison.outcome)
    assert [a.id for a in store.list_analyses("churn")] == [third.id, second.id, first.id]
    assert [a.id for a in store.list_analyses("churn", kind="diff")] == [second.id]
    assert [a.id for a in store.list_analyses("churn", limit=1)] == [third.id]
    assert store.analyses.count("churn") == {"comparison": 2, "diff": 1}
    assert second.outcome == ("at_risk" if behaviour.disagreement.count else "pass")
    assert BehaviourDiff.from_dict(second.body).to_dict() == behaviour.to_dict()


def test_another_projects_analysis_is_not_found(store: Store, comparison: Comparison) -> None:
    stored = store.record_analysis(project="churn", document=comparison.to_dict(),
                                   outcome="pass")
    store.ensure_project("fraud")
    with pytest.raises(NotFoundError, match="in project 'fraud'"):
        store.get_analysis("fraud", stored.id)
    with pytest.raises(NotFoundError, match="no diff"):
        store.get_analysis("churn", stored.id, kind="diff")
    with pytest.raises(NotFoundError):
        store.get_analysis("churn", "0" * 32)
    assert store.list_analyses("fraud") == [] and store.analyses.count("fraud") == {}


def test_documents_other_than_comparisons_and_diffs_are_refused(store: Store,
                                                                comparison: Comparison) -> None:
    with pytest.raises(StoreError, match=r"'modelpact\.verdict/v1', expected"):
        store.record_analysis(project="churn", document={"schema": "modelpact.verdict/v1"},
                              outcome="pass")
    with pytest.raises(StoreError, match="outcome 'great'"):
        store.record_analysis(project="churn", document=comparison.to_dict(), outcome="great")
    with pytest.raises(NotFoundError):  # a run that does not exist is not linked silently
        store.record_analysis(project="churn", document=comparison.to_dict(), outcome="pass",
                              run_id="nope")
    with pytest.raises(NotFoundError):
        store.list_analyses("churn")  # nothing was written, not even the project
