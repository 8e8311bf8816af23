"""The browser suite: real Horizon (`pocketstack dashboard`) on a fresh live cloud, driven by
headless Chromium (Debian's chromium and chromium-driver) through selenium.

Each page visited is checked for a red error banner, saved as a screenshot and recorded with
the API calls the cloud logged while it was shown, under $BROWSER_RESULTS (default
./browser-results, not committed): `panels.json` lists every panel, its calls and its result.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import ADMIN_PASSWORD, LiveCloud, free_port, start_cloud

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
RESULTS = Path(os.environ.get("BROWSER_RESULTS", "browser-results")).resolve()
# The red banners: Django messages and Angular toasts of level error.
ERROR_BANNERS = ".alert-danger, .alert-error"

pytestmark = pytest.mark.browser


def _need_browser() -> None:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("the browser suite needs Debian's chromium and chromium-driver "
                    "(apt-get install chromium chromium-driver)")


@pytest.fixture(scope="session")
def browser_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    live = start_cloud(Path(tmp_path_factory.mktemp("dashboard-cloud")),
                       extra_env={"POCKETSTACK_LOG__REQUESTS": "true",
                                  "POCKETSTACK_LOG__FORMAT": "json"})
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="session")
def dashboard_url(browser_cloud: LiveCloud) -> Iterator[str]:
    """`pocketstack dashboard` for the cloud (Horizon set up on first use: minutes, once)."""
    port = free_port()
    log_path = browser_cloud.data_dir / "dashboard.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "pocketstack", "dashboard", "--port", str(port),
             "--data-dir", str(browser_cloud.data_dir)],
            stdout=log, stderr=subprocess.STDOUT, env=browser_cloud.env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the dashboard exited:\n{log_path.read_text()[-4000:]}")
            try:
                if httpx.get(url + "/auth/login/", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not answer:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def driver(dashboard_url: str) -> Iterator[Any]:
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--disable-gpu"):
        options.add_argument(arg)
    options.binary_location = str(CHROMIUM)
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.implicitly_wait(0)
    try:
        yield browser
    finally:
        browser.quit()


@dataclass
class PanelRecord:
    name: str
    url: str = ""
    calls: list[str] = field(default_factory=list)
    banners: list[str] = field(default_factory=list)
    passed: bool = False


@dataclass
class Recorder:
    """Which API calls the cloud logged while each panel was shown, and its result."""

    cloud: LiveCloud
    panels: list[PanelRecord] = field(default_factory=list)
    _offset: int = 0

    def mark(self) -> None:
        assert self.cloud.log_path is not None
        self._offset = self.cloud.log_path.stat().st_size

    def calls_since_mark(self) -> list[str]:
        assert self.cloud.log_path is not None
        time.sleep(0.3)   # the server writes its request lines every 0.2 s
        with open(self.cloud.log_path, "rb") as log:
            log.seek(self._offset)
            text = log.read().decode(errors="replace")
        calls = []
        for line in text.splitlines():
            if not line.startswith("{"):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if "method" in entry and "route" in entry:
                route = entry["route"] if entry["route"] != "unmatched" else entry["path"]
                calls.append(f"{entry['method']} {route} {entry['status']}")
        return calls

    def write(self) -> None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "panels.json").write_text(json.dumps(
            [vars(p) for p in self.panels], indent=2))


@pytest.fixture(scope="session")
def recorder(browser_cloud: LiveCloud) -> Iterator[Recorder]:
    if RESULTS.exists():
        shutil.rmtree(RESULTS)
    RESULTS.mkdir(parents=True)
    found = Recorder(browser_cloud)
    yield found
    found.write()
    for log in ("dashboard.log", "server.log"):
        if (browser_cloud.data_dir / log).exists():
            shutil.copy(browser_cloud.data_dir / log, RESULTS / log)


class Dashboard:
    """The driver, the dashboard's URL and the checks every page gets."""

    def __init__(self, driver: Any, url: str, recorder: Recorder) -> None:
        self.driver = driver
        self.url = url
        self.recorder = recorder

    def find(self, css: str, timeout: float = 30.0) -> Any:
        from selenium.webdriver.common.by import By

        return self.wait(lambda: next(iter(
            e for e in self.driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()), None),
            timeout, f"no visible {css}")

    def xpath(self, path: str, timeout: float = 30.0) -> Any:
        from selenium.webdriver.common.by import By

        return self.wait(lambda: next(iter(
            e for e in self.driver.find_elements(By.XPATH, path) if e.is_displayed()), None),
            timeout, f"no visible {path}")

    def wait(self, probe: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            try:
                found = probe()
            except Exception:  # noqa: BLE001 - stale elements while a page redraws
                found = None
            if found:
                return found
            if time.monotonic() > deadline:
                self.shot("timeout")
                raise AssertionError(f"timed out: {what}")
            time.sleep(0.25)

    def banners(self) -> list[str]:
        from selenium.webdriver.common.by import By

        return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, ERROR_BANNERS)
                if e.is_displayed()]

    def shot(self, name: str) -> None:
        self.driver.save_screenshot(str(RESULTS / f"{len(self.recorder.panels):02d}-{name}.png"))

    def settle(self) -> None:
        """Wait for the page and its Angular requests to finish loading."""
        self.wait(lambda: self.driver.execute_script(
            "return document.readyState === 'complete' && (!window.jQuery || jQuery.active === 0)"),
            60, "page load")
        time.sleep(1.0)


@pytest.fixture(scope="session")
def dash(driver: Any, dashboard_url: str, recorder: Recorder) -> Dashboard:
    return Dashboard(driver, dashboard_url, recorder)


class Panel:
    """`with panel("name", "/project/instances/"):` opens the page (or stays, without a path),
    records the calls made until the block ends, checks for red banners, saves a screenshot."""

    def __init__(self, dash: Dashboard) -> None:
        self.dash = dash

    def __call__(self, name: str, path: str | None = None) -> _PanelVisit:
        return _PanelVisit(self.dash, name, path)


class _PanelVisit:
    def __init__(self, dash: Dashboard, name: str, path: str | None) -> None:
        self.dash, self.record, self.path = dash, PanelRecord(name), path

    def __enter__(self) -> Dashboard:
        panels = self.dash.recorder.panels
        if panels and not panels[-1].passed:
            # A failed page may leave its messages for the next one: show them elsewhere.
            self.dash.driver.get(self.dash.url + "/project/")
            self.dash.settle()
        self.dash.recorder.mark()
        if self.path is not None:
            self.dash.driver.get(self.dash.url + self.path)
            self.dash.settle()
        return self.dash

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        dash = self.dash
        dash.settle()
        self.record.url = dash.driver.current_url
        self.record.banners = dash.banners()
        self.record.calls = dash.recorder.calls_since_mark()
        dash.shot(self.record.name.replace(" ", "-").replace("/", "-"))
        self.record.passed = kind is None and not self.record.banners
        dash.recorder.panels.append(self.record)
        dash.recorder.write()
        if kind is None:
            assert not self.record.banners, (
                f"{self.record.name}: error banner {self.record.banners}; "
                f"calls: {self.record.calls}")


@pytest.fixture
def panel(dash: Dashboard) -> Panel:
    return Panel(dash)


ADMIN = ("admin", ADMIN_PASSWORD)
