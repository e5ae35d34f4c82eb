"""The dashboard in a real headless Chromium, as a person uses it.

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install chromium
chromium-driver``); skipped, saying so, only when they are absent. Screenshots of every page go
to ``.screenshots/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
import uvicorn

from modelpact.service import ServiceSettings, create_app
from tests.service._server import free_port
from tests.service.dashboard._seed import XSS, Seeded

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SHOTS = Path(__file__).resolve().parents[3] / ".screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() or not Path(DRIVER).exists(),
                       reason="needs Debian's chromium and chromium-driver "
                              "(apt-get install chromium chromium-driver)"),
]

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--window-size=1400,1000")


@pytest.fixture(scope="module")
def base_url(seeded: Seeded) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, in a thread of this process."""
    port = free_port()
    settings = ServiceSettings(store_url=seeded.url, root=seeded.root, schedule=False)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def shot(driver: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1400, min(max(int(height), 800), 4000))
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    driver.set_window_size(1400, 1000)


def charts_drawn(driver: Any, timeout: float = 30) -> int:
    """Wait until every chart div holds an SVG; their number."""
    charts = driver.find_elements(By.CSS_SELECTOR, "div.chart[data-figure]")
    WebDriverWait(driver, timeout).until(lambda d: all(
        c.find_elements(By.CSS_SELECTOR, "svg.main-svg") for c in charts))
    return len(charts)


def log_in(driver: Any, base_url: str, key: str, page: str = "/") -> None:
    driver.get(f"{base_url}{page}")
    WebDriverWait(driver, 20).until(expected_conditions.presence_of_element_located(
        (By.ID, "key")))
    driver.find_element(By.ID, "key").send_keys(key)
    driver.find_element(By.ID, "login-submit").click()
    WebDriverWait(driver, 20).until(lambda d: "/login" not in d.current_url)


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
             "run": f"/projects/churn/runs/{seeded.run_id}",
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
