"""Stored comparisons and diffs as dashboard pages, and the retraining history, over HTTP."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from fastapi.testclient import TestClient

from modelpact.evaluate.compare import Comparison
from modelpact.evaluate.diff import BehaviourDiff
from modelpact.ledger import open_store
from modelpact.report.compare import forest_figure
from modelpact.report.diff import slice_figure
from tests.service.dashboard._seed import XSS, Seeded
from tests.service.dashboard.conftest import log_in

ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def _figure(page: str, name: str) -> dict[str, object]:
    found = re.search(rf'<script type="application/json" id="fig-{name}">(.*?)</script>', page,
                      re.S)
    assert found is not None, f"no figure {name}"
    parsed: dict[str, object] = json.loads(found.group(1))
    return parsed


def test_the_comparison_page_is_the_reports_content(client: TestClient, seeded: Seeded) -> None:
    log_in(client, seeded.key)
    response = client.get(f"/projects/churn/comparisons/{seeded.comparison_id}")
    assert response.status_code == 200
    page = response.text
    with open_store(seeded.url, root=seeded.root) as store:
        result = Comparison.from_dict(store.get_analysis("churn", seeded.comparison_id).body)
    board = result.boards[0]
    assert 'id="analysis-outcome">' in page and board.metric in page
    best = board.estimate(board.best)
    assert f"★ {best.estimate:.4g} [{best.low:.4g}, {best.high:.4g}]" in page
    # one forest plot per metric, drawn by the offline report's own builder
    for i, b in enumerate(result.boards):
        drawn = _figure(page, f"forest-{i}")
        built = json.loads(forest_figure(b, result.baseline).to_json())
        assert drawn["data"] == built["data"]
    assert XSS not in page and ESCAPED in page  # a model named like markup is text
    assert "/static/plotly.min.js" in page and "https://" not in page


def test_the_diff_page_shows_rules_slices_and_the_slice_figure(client: TestClient,
                                                               seeded: Seeded) -> None:
    log_in(client, seeded.key)
    response = client.get(f"/projects/churn/diffs/{seeded.diff_id}")
    assert response.status_code == 200
    page = response.text
    with open_store(seeded.url, root=seeded.root) as store:
        result = BehaviourDiff.from_dict(store.get_analysis("churn", seeded.diff_id).body)
    assert f"{result.disagreement.rate:.1%} of predictions changed" in page
    assert result.summary_lines()[0] in page
    figure = slice_figure(result)
    assert figure is not None
    assert _figure(page, "slices")["data"] == json.loads(figure.to_json())["data"]
    assert page.count('class="slice-label"') == len(result.slices)
    assert XSS not in page and ESCAPED in page


def test_analysis_pages_are_access_checked_and_kind_checked(client: TestClient,
                                                            seeded: Seeded) -> None:
    comparison = f"/projects/churn/comparisons/{seeded.comparison_id}"
    assert client.get(comparison, follow_redirects=False).status_code == 303  # no key
    log_in(client, seeded.other_key)  # fraud's key
    assert client.get(comparison).status_code == 403
    assert client.get(f"/projects/churn/diffs/{seeded.diff_id}").status_code == 403
    # fraud's own pages cannot reach churn's analyses by id either
    assert client.get(f"/projects/fraud/comparisons/{seeded.comparison_id}").status_code == 404
    log_in(client, seeded.key)
    assert client.get(comparison).status_code == 200
    assert client.get(f"/projects/churn/diffs/{seeded.comparison_id}").status_code == 404
    assert client.get(f"/projects/churn/comparisons/{seeded.diff_id}").status_code == 404
    assert client.get("/projects/churn/comparisons/nosuch").status_code == 404


def test_project_model_and_projects_pages_link_the_analyses(client: TestClient,
                                                            seeded: Seeded) -> None:
    log_in(client, seeded.key)
    for path in ("/projects/churn", "/projects/churn/models/gbm"):
        page = client.get(path).text
        assert f'href="/projects/churn/comparisons/{seeded.comparison_id}"' in page, path
        assert f'href="/projects/churn/diffs/{seeded.diff_id}"' in page, path
        assert XSS not in page
    projects = client.get("/").text
    assert "1 comparison<" in projects and "1 diff<" in projects


def test_the_retraining_history_shows_trigger_window_verdict_decision_and_who(
        client: TestClient, seeded: Seeded) -> None:
    log_in(client, seeded.key)
    page = client.get("/projects/churn/models/gbm").text
    section = page[page.index('id="retraining"'):page.index('id="analyses"')]
    assert section.count('class="retraining"') == 2
    assert f"monitoring raised drift on {ESCAPED}" in section and XSS not in section
    assert "train 400 rows, holdout 200 rows" in section
    assert "labelled data through 2026-03-13T00:00:00" in section
    with open_store(seeded.url, root=seeded.root) as store:
        for run_id in seeded.retrain_run_ids:
            verdict = next(v for v in store.list_verdicts("churn") if v.run_id == run_id)
            assert f'href="/projects/churn/verdicts/{verdict.id}"' in section
            assert f'href="/projects/churn/runs/{run_id}"' in section
            run = store.get_run(run_id)
            assert run.params["challenger"] in section
    # newest first: the rejected retraining, then the held one
    assert section.index(">reject<") < section.index(">hold<")
    assert "→ retired by modelpact retrain" in section
    projects = client.get("/").text
    assert 'href="/projects/churn#retraining"' in projects and ">2 retrainings<" in projects
    assert "reject (gate fail)" in projects  # the status line, as the row's tooltip
    assert client.get(f"/projects/churn/runs/{quote(seeded.retrain_run_ids[0])}").status_code == 200


def test_the_verdict_facts_are_in_the_page_not_its_title(client: TestClient,
                                                         seeded: Seeded) -> None:
    log_in(client, seeded.key)
    page = client.get(f"/projects/churn/verdicts/{seeded.verdict_id}").text
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None and title.group(1) == "verdict signed_off · churn · modelpact"
    assert "<dt>data</dt><dd>holdout.parquet</dd>" in page
