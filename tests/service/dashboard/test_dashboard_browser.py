"""The dashboard in a real headless Chromium, as a person uses it (see ``_browser``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
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


def test_a_page_without_a_key_is_refused(browser: Any, base_url: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{base_url}/projects/churn/models/gbm")
    assert browser.current_url.startswith(f"{base_url}/login")
    assert browser.find_elements(By.ID, "key") and not browser.find_elements(By.ID, "fig-heatmap")
    browser.find_element(By.ID, "key").send_keys("mp_wrong_key")
    browser.find_element(By.ID, "login-submit").click()
    error = WebDriverWait(browser, 20).until(expected_conditions.presence_of_element_located(
        (By.ID, "login-error")))
    assert error.text == "unknown or revoked API key"
    shot(browser, "login-refused")


def test_projects_to_model_to_feature(browser: Any, base_url: str, seeded: Seeded) -> None:
    browser.delete_all_cookies()
    browser.get_log("browser")  # start with an empty console
    log_in(browser, base_url, seeded.key, "/projects/churn/models/gbm")
    assert browser.current_url == f"{base_url}/projects/churn/models/gbm"  # back where asked
    browser.get(f"{base_url}/")
    assert browser.find_element(By.ID, "projects").text.count("churn") >= 1
    shot(browser, "projects")
    assert console_errors(browser) == []

    browser.find_element(By.CSS_SELECTOR, "a.model-link").click()
    assert browser.current_url == f"{base_url}/projects/churn/models/gbm"
    assert charts_drawn(browser) >= 3  # heatmap, one metric, alert timeline
    assert browser.find_element(By.ID, "model-state").text.lower() == "alert"
    shot(browser, "model")
    assert console_errors(browser) == []

    # a real click on a heatmap cell opens that feature
    heatmap = browser.find_element(By.ID, "chart-heatmap")
    drag = heatmap.find_element(By.CSS_SELECTOR, "rect.nsewdrag")
    ActionChains(browser).move_to_element(drag).pause(0.3).click().perform()
    WebDriverWait(browser, 20).until(lambda d: "/features/" in d.current_url)
    feature = unquote(browser.current_url.rsplit("/features/", 1)[1])
    assert feature in {"x", "plan", XSS}
    assert browser.find_element(By.ID, "feature-name").text == feature
    assert charts_drawn(browser) == 2  # drift over time, distribution over time
    shot(browser, "feature")
    assert console_errors(browser) == []


def test_every_page_draws_without_console_errors(browser: Any, base_url: str,
                                                 seeded: Seeded) -> None:
    browser.delete_all_cookies()
    log_in(browser, base_url, seeded.key)
    pages = {"project": "/projects/churn", "feature-x": "/projects/churn/models/gbm/features/x",
             "feature-plan": "/projects/churn/models/gbm/features/plan",
             "run": f"/projects/churn/runs/{seeded.run_id}", "audit": "/projects/churn/audit",
             "verdict": f"/projects/churn/verdicts/{seeded.verdict_id}"}
    browser.get_log("browser")
    for name, path in pages.items():
        browser.get(f"{base_url}{path}")
        charts_drawn(browser)
        shot(browser, name)
        assert console_errors(browser) == [], name


def test_a_feature_named_like_markup_shows_as_text(browser: Any, base_url: str,
                                                   seeded: Seeded) -> None:
    browser.delete_all_cookies()
    log_in(browser, base_url, seeded.key)
    browser.get(f"{base_url}/projects/churn/models/gbm/features/{quote(XSS, safe='')}")
    charts_drawn(browser)
    heading = browser.find_element(By.ID, "feature-name")
    assert heading.text == XSS and not heading.find_elements(By.TAG_NAME, "img")
    browser.get(f"{base_url}/projects/churn/models/gbm")
    charts_drawn(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, "main img")
    assert XSS in browser.find_element(By.ID, "drift").text  # the feature list, as text
    # the heatmap's axis labels show it as text, too
    ticks = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#chart-heatmap .ytick text")]
    assert XSS in ticks
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.accept()
    assert console_errors(browser) == []
    shot(browser, "model-xss")
