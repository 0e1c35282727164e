"""Headless Chromium for the browser tests (the report's and the explorer's).

Needs Debian's chromium and chromium-driver (installed by `make test` and .ci/run).
Outside CI the tests skip if they are missing; in CI (CI=true) they fail instead.
"""

import contextlib
import os
import shutil
import tempfile

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-quic",
         "--hide-scrollbars", "--window-size=1100,1600"]


def unavailable(reason: str):
    """Skip, or in CI fail: CI must be able to run every browser test."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must install it: see .ci/run and the Makefile)")
    pytest.skip(reason)


@contextlib.contextmanager
def chromium(size: str = "1100,1600"):
    """A headless Chromium driven by Selenium, with its performance log, in a profile of
    its own that is removed afterwards."""
    if not (CHROMIUM and DRIVER):
        unavailable("chromium and chromedriver are not installed")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        unavailable("selenium is not installed")
    profile = tempfile.mkdtemp(prefix="landsim-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--window-size={size}", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
