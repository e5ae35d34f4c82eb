"""Helpers for driving the dashboard in a headless Chromium (fixtures are in conftest).

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install chromium
chromium-driver``); tests marked with :data:`needs_chromium` are skipped, saying so, only when
they are absent. Screenshots go to ``.screenshots/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

__all__ = ["CHROMIUM", "DRIVER", "FLAGS", "charts_drawn", "console_errors", "log_in",
           "needs_chromium", "shot"]

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SHOTS = Path(__file__).resolve().parents[3] / ".screenshots"

needs_chromium = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() or not Path(DRIVER).exists(),
                       reason="needs Debian's chromium and chromium-driver "
                              "(apt-get install chromium chromium-driver)"),
]

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--window-size=1400,1000")


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def shot(driver: Any, name: str, *, first_screen: bool = False) -> None:
    """Save a screenshot of the whole page (or of what a 1100 x 780 window shows first)."""
    SHOTS.mkdir(exist_ok=True)
    height = driver.execute_script("return document.body.scrollHeight")
    if first_screen:
        driver.set_window_size(1100, 780)
        driver.refresh()  # drawn at this size from the start, not redrawn after a resize
        charts_drawn(driver)
    else:
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


