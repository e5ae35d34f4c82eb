"""Stored comparisons, diffs and the retraining history in a real headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.service.dashboard._browser import (
    charts_drawn,
    console_errors,
    log_in,
    needs_chromium,
    shot,
)
from tests.service.dashboard._seed import XSS, Seeded

pytestmark = needs_chromium


def _no_markup_ran(browser: Any) -> None:
    assert not browser.find_elements(By.CSS_SELECTOR, "main img")
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.accept()


def _open(browser: Any, link_text: str) -> None:
    link = next(a for a in browser.find_elements(By.CSS_SELECTOR, "#analyses a.analysis-link")
                if a.text.startswith(link_text))
    target = link.get_attribute("href")
    link.click()
    WebDriverWait(browser, 20).until(lambda d: d.current_url == target)


def test_project_to_comparison_and_diff(browser: Any, base_url: str, seeded: Seeded) -> None:
    browser.delete_all_cookies()
    log_in(browser, base_url, seeded.key, "/projects/churn")
    browser.get_log("browser")  # start with an empty console
    _open(browser, "compare:")
    assert browser.current_url.endswith(f"/comparisons/{seeded.comparison_id}")
    assert charts_drawn(browser) == 2  # one forest plot per metric (roc_auc, accuracy)
    ticks = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#chart-forest-0 .ytick text")]
    assert XSS in ticks and "logreg" in ticks  # the model named like markup, as text
    assert XSS in browser.find_element(By.ID, "leaderboard").text
    _no_markup_ran(browser)
    shot(browser, "comparison")
    assert console_errors(browser) == []

    browser.back()
    _open(browser, "diff:")
    assert browser.current_url.endswith(f"/diffs/{seeded.diff_id}")
    assert charts_drawn(browser) == 1  # the slice figure
    assert f"diff: logreg → {XSS}" == browser.find_element(By.ID, "analysis-title").text
    labels = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#chart-slices .ytick text")]
    assert any(XSS in label for label in labels), labels
    assert "predictions changed" in browser.find_element(By.ID, "analysis-outcome").text.lower()
    _no_markup_ran(browser)
    shot(browser, "diff")
    assert console_errors(browser) == []


def test_model_page_retraining_history_links_to_its_verdict(browser: Any, base_url: str,
                                                             seeded: Seeded) -> None:
    browser.delete_all_cookies()
    log_in(browser, base_url, seeded.key, "/projects/churn/models/gbm")
    browser.get_log("browser")
    charts_drawn(browser)
    history = browser.find_element(By.ID, "retraining")
    rows = history.find_elements(By.CSS_SELECTOR, "tr.retraining")
    assert len(rows) == 2
    assert f"monitoring raised drift on {XSS}" in rows[0].text  # shown as text
    assert "REJECT" in rows[0].text.upper() and "HOLD" in rows[1].text.upper()
    browser.execute_script("arguments[0].scrollIntoView()", history)
    shot(browser, "model-retraining")
    _no_markup_ran(browser)
    assert console_errors(browser) == []
    rows[0].find_element(By.CSS_SELECTOR, "a.retraining-verdict").click()
    WebDriverWait(browser, 20).until(lambda d: "/verdicts/" in d.current_url)
    assert browser.find_element(By.ID, "verdict-word").text.lower() == "failed"
    assert console_errors(browser) == []


def test_projects_page_counts_retrainings_and_analyses(browser: Any, base_url: str,
                                                       seeded: Seeded) -> None:
    browser.delete_all_cookies()
    log_in(browser, base_url, seeded.key)
    browser.get_log("browser")
    row = browser.find_element(By.CSS_SELECTOR, "#projects tbody tr")
    retraining = row.find_element(By.CSS_SELECTOR, "td.retraining-cell")
    assert "2 retrainings" in retraining.text and "last reject" in retraining.text.lower()
    analyses = row.find_element(By.CSS_SELECTOR, "td.analyses-cell")
    assert "1 comparison" in analyses.text and "1 diff" in analyses.text
    shot(browser, "projects-counts", first_screen=True)
    analyses = browser.find_element(By.CSS_SELECTOR, "#projects td.analyses-cell")
    analyses.find_element(By.TAG_NAME, "a").click()
    WebDriverWait(browser, 20).until(lambda d: d.current_url.endswith("/projects/churn#analyses"))
    assert browser.find_elements(By.CSS_SELECTOR, "#analyses a.analysis-link")
    assert console_errors(browser) == []
