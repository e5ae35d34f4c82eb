"""End to end on real data with real concept drift: ELEC2 (New South Wales electricity).

A model is trained on the first 8,000 half-hours, the next 4,000 are the reference (the model is
known to be good there), and the rest is monitored in chunks of 1,000 rows (about three weeks).
What really happens in the data: the Victorian market columns (``vicprice``, ``vicdemand``,
``transfer``) are constant until row 17,423, when that market's data begins; from about row
14,000 the relation between inputs and labels starts to move (concept shift), and from about row 19,500 to 34,000 NSW prices fall to
a new regime and accuracy decays well below the pact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modelpact.monitor import monitor
from modelpact.pact import Pact
from modelpact.report.monitor import monitor_html
from tests.conftest import DATASETS

DATA = DATASETS / "electricity.csv"
FEATURES = ["day", "period", "nswprice", "nswdemand", "vicprice", "vicdemand", "transfer"]
TRAIN_END, REFERENCE_END, CHUNK = 8000, 12_000, 1000
# labels and the label-free estimate agree until here; after it the relation shifts
SHIFT_STARTS = 14_000
VICTORIA_STARTS = 17_423
DECAY = (19_500, 34_000)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not DATA.exists(), reason=f"{DATA} not found (shared datasets absent)"),
]


@pytest.fixture(scope="module")
def run():
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    data = pd.read_csv(DATA)
    data["row"] = np.arange(len(data))
    train = data.iloc[:TRAIN_END]
    with threadpool_limits(limits=1):
        model = HistGradientBoostingClassifier(max_iter=100, random_state=0).fit(
            train[FEATURES], train["class"] == "UP")
        data["p_up"] = model.predict_proba(data[FEATURES])[:, 1]
    pact = Pact.model_validate({
        "name": "electricity", "task": "binary", "positive_class": "UP",
        "columns": {"target": "class", "score": "p_up", "id": "row", "features": FEATURES},
        "criteria": [{"metric": "roc_auc", "at_least": 0.75},
                     {"metric": "accuracy", "at_least": 0.7}],
    })
    reference = data.iloc[TRAIN_END:REFERENCE_END]
    analysis = data.iloc[REFERENCE_END:]
    labels = analysis[["row", "class"]]
    result = monitor(pact, reference, analysis.drop(columns="class"), labels=labels,
                     chunk_size=CHUNK)
    return result


def _rows(chunk) -> tuple[int, int]:
    return REFERENCE_END + chunk.chunk.start, REFERENCE_END + chunk.chunk.stop


def _drifted(chunk) -> set[str]:
    return {d.feature for d in chunk.drift if d.alert}


def test_victorian_columns_drift_exactly_when_their_data_begins(run):
    victoria = {"vicprice", "vicdemand", "transfer"}
    for chunk in run.chunks:
        start, stop = _rows(chunk)
        if stop <= VICTORIA_STARTS:
            assert not _drifted(chunk) & victoria, (start, stop)
        elif chunk.chunk.alertable:
            assert victoria <= _drifted(chunk), (start, stop)
    # jointly, the features already move a little before (where accuracy starts to slip)
    multi = [c for c in run.chunks if any(m.alert for m in c.multivariate)]
    assert multi and _rows(multi[0])[0] >= 15_000
    after = [c for c in run.chunks if _rows(c)[0] > VICTORIA_STARTS and c.chunk.alertable]
    assert all(any(m.alert for m in c.multivariate) for c in after)


def test_price_regime_drift_and_realized_decay_coincide(run):
    in_decay = [c for c in run.chunks if DECAY[0] <= _rows(c)[0] and _rows(c)[1] <= DECAY[1]]
    assert len(in_decay) >= 8
    assert sum("nswprice" in _drifted(c) for c in in_decay) >= 5
    failing = [c for c in in_decay if any(
        r.status == "fail" and r.metric == "accuracy" for r in c.realized.criteria)]
    assert len(failing) >= 4
    realized_alerts = {a.chunk for a in run.alerts if a.kind == "realized_performance"}
    first = min(realized_alerts)
    assert _rows(run.chunks[first])[0] >= 15_000  # nothing fails while the model is still good


def test_estimate_agrees_with_realized_before_the_decay(run):
    before = [c for c in run.chunks if _rows(c)[1] <= SHIFT_STARTS]
    assert len(before) == 2
    for chunk in before:
        assert chunk.realized.labelled_share == 1.0
        for res in chunk.realized.criteria:
            est = chunk.estimated[res.metric]
            # the realized interval overlaps the band the estimate said it would fall in
            assert res.ci[0] <= est.high and est.low <= res.ci[1], (res.metric, res, est)
            assert abs(res.estimate - est.value) < 0.05


def test_the_report_tells_the_story(run):
    data = run.to_dict()
    assert run.exit_code == 1
    page = monitor_html(data)
    for text in ("vicprice", "nswprice", "Performance: estimated and realized",
                 "estimated (no labels)", "realized (labels)", "Multivariate drift"):
        assert text in page
    kinds = {a["kind"] for a in data["alerts"]}
    assert {"drift", "realized_performance"} <= kinds
    first_drift = min(a["chunk"] for a in data["alerts"] if a["kind"] == "drift"
                      and a["feature"] is not None)
    assert _rows(run.chunks[first_drift])[1] > VICTORIA_STARTS
    # labels and label-free estimate part ways once the decay starts: concept shift
    split = [c for c in run.chunks if any(not e["agree"] for e in c.estimate_vs_realized())]
    assert split and _rows(split[0])[0] >= SHIFT_STARTS
    assert sum(_rows(c)[0] >= DECAY[0] for c in split) >= 5
    assert "concept shift" in page
