"""Fixtures for the real-browser (end-to-end) tests.

One Streamlit server and one headless Chromium are started per pytest session;
every test gets a fresh browser context and page. Everything a person needs to
look at afterwards (screenshots, the server log) lands in ``artifacts/`` at the
repo root (gitignored); its location is printed at the end of the session.

Use the helpers through their fixtures (no import of this conftest needed)::

    def test_something(page, app_server, open_page, wait_for_rerun):
        open_page(page, app_server, "/Loss", query="lr=0.5")
        page.locator('[data-testid="stSlider"] input[type="range"]').first.press("ArrowRight")
        wait_for_rerun(page)

Environment variables
---------------------
APP_ENTRY
    Script given to ``streamlit run`` (default ``streamlit_app.py``), relative
    to the repo root or absolute.
CHROMIUM
    Browser binary (default ``/usr/bin/chromium``, Debian's package).
CI
    ``true`` turns a missing browser into a failure instead of a skip.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
SERVER_LOG = ARTIFACTS / "streamlit-server.log"

APP_ENTRY = os.environ.get("APP_ENTRY", "streamlit_app.py")
from bench_pages import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (one set of browser flags)

SERVER_START_TIMEOUT_S = 60.0
#: Page load / rerun budget. Generous: a 2-core machine running the server,
#: Chromium and pytest at once needs several seconds for a chart-heavy page.
APP_TIMEOUT_MS = 60_000

APP_READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
#: Placeholders that mean "something is still loading".
LOADING = ", ".join(
    f'[data-testid="{tid}"]' for tid in ("stSkeleton", "stAppSkeleton", "stSkeletonElement", "stSpinner")
)

#: Requests the page fixture aborts: anything not served by this machine (the tests
#: have no internet; aborting is faster and more predictable than a DNS failure).
EXTERNAL_URL = re.compile(r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost|\[::1\])[:/])[a-z]+://")

#: Console errors that say nothing about our app. Each entry: (regex, why it is harmless).
#: Matched with ``re.search`` against "<message text> @ <source url>".
BENIGN_CONSOLE_ERRORS: list[tuple[str, str]] = [
    (
        r"^Failed to load resource: net::ERR_[A-Z_]+ @ https?://(?!127\.0\.0\.1[:/]|localhost[:/])",
        "a resource from outside this machine failed to load: the tests have no internet and "
        "abort every non-loopback request (EXTERNAL_URL). Seen: a material-icon page_icon "
        "(':material/...:'), which the browser fetches from fonts.gstatic.com; it loads on a "
        "machine with internet. Loopback (our server's) failures are still reported.",
    ),
    (
        r"^Failed to load resource: the server responded with a status of 404 \(Not Found\) @ "
        r"https?://(?:127\.0\.0\.1|localhost)(?::\d+)?/[^?#]+/_stcore/(?:health|host-config)(?:[?#].*)?$",
        "on a deep link (/Loss, /Init?seed=7, ...) Streamlit's frontend first probes "
        "/<Page>/_stcore/health and /<Page>/_stcore/host-config, relative to the page's path; the "
        "server answers 404 and the frontend falls back to /_stcore/... at the root, which succeeds. "
        "Only those two endpoints under a page path match; every other 404 is still reported.",
    ),
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _is_benign(text: str) -> bool:
    return any(re.search(pattern, text) for pattern, _why in BENIGN_CONSOLE_ERRORS)


# --------------------------------------------------------------------------- hooks


def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/e2e as ``e2e``; skip them without a browser (not in CI)."""
    here = Path(__file__).resolve().parent
    missing = not Path(CHROMIUM).exists()
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) "
        "or set CHROMIUM=/path/to/chromium to run the browser tests"
    )
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            if missing and not _in_ci():
                item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so ``page`` can screenshot failures."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Tell people where the screenshots and the server log are."""
    if not getattr(config, "_e2e_artifacts_used", False):
        return
    shots = sorted(SCREENSHOTS.glob("*.png")) if SCREENSHOTS.exists() else []
    terminalreporter.section("e2e artifacts")
    terminalreporter.write_line(f"screenshots ({len(shots)}): {SCREENSHOTS}")
    if SERVER_LOG.exists():
        terminalreporter.write_line(f"streamlit server log: {SERVER_LOG}")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def screenshot_dir(pytestconfig) -> Path:
    """``artifacts/screenshots`` under the repo root (gitignored), created on first use."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pytestconfig._e2e_artifacts_used = True
    return SCREENSHOTS


@pytest.fixture(scope="session")
def app_entry() -> Path:
    """Absolute path of the script the server runs ($APP_ENTRY, default streamlit_app.py)."""
    entry = Path(APP_ENTRY)
    return entry if entry.is_absolute() else ROOT / entry


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _health_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200 and resp.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False


@pytest.fixture(scope="session")
def app_server(app_entry, screenshot_dir) -> str:
    """Start ``streamlit run $APP_ENTRY`` from the repo root; yield its base URL.

    stdout and stderr go to ``artifacts/streamlit-server.log``.
    """
    if not app_entry.is_file():
        pytest.fail(f"app entry {app_entry} does not exist (set APP_ENTRY to test another script)")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app_entry),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",  # loopback only
        "--server.port", str(port),
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    log = SERVER_LOG.open("w")
    log.write(f"$ {' '.join(cmd)}\n(cwd {ROOT})\n")
    log.flush()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not _health_ok(f"{base_url}/_stcore/health"):
            if proc.poll() is not None:
                pytest.fail(
                    f"streamlit exited with code {proc.returncode} before it was healthy; "
                    f"log {SERVER_LOG}:\n{_log_tail(SERVER_LOG)}"
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit not healthy after {SERVER_START_TIMEOUT_S:.0f} s at {base_url}; "
                    f"log {SERVER_LOG}:\n{_log_tail(SERVER_LOG)}"
                )
            time.sleep(0.25)
        _SERVER["pid"] = proc.pid
        yield base_url
    finally:
        _SERVER.pop("pid", None)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        log.close()


#: The running server's process (set by ``app_server``), for tests that watch its memory.
_SERVER: dict[str, int] = {}


@pytest.fixture(scope="session")
def app_server_pid(app_server) -> int:
    """Process id of the ``streamlit run`` server behind ``app_server`` (e.g. to read its RSS)."""
    return _SERVER["pid"]


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the session (Playwright downloads no browser)."""
    if not Path(CHROMIUM).exists():
        # Only reached under CI=true (otherwise the tests were skipped at collection).
        pytest.fail(
            f"CI=true but {CHROMIUM} is missing: .ci/run must `apt-get install -y chromium` first",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


#: Counts finished script runs in the page: a MutationObserver sees every change of
#: stApp's data-test-script-state, however short, as long as React committed it.
_RUN_COUNTER_JS = """
(() => {
  window.__stRuns = 0;       // transitions into "notRunning" from another state
  window.__stSeenRuns = 0;   // value when a helper last synced
  const watch = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    new MutationObserver((records) => {
      for (const r of records) {
        if (app.getAttribute('data-test-script-state') === 'notRunning'
            && r.oldValue !== 'notRunning') window.__stRuns += 1;
      }
    }).observe(app, {attributes: true, attributeOldValue: true,
                     attributeFilter: ['data-test-script-state']});
    return true;
  };
  const start = () => {
    if (watch()) return;
    const outer = new MutationObserver(() => { if (watch()) outer.disconnect(); });
    outer.observe(document.documentElement, {childList: true, subtree: true});
  };
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
})();
"""


@pytest.fixture
def page(browser, request, screenshot_dir):
    """A fresh 1280x900 page in its own context.

    ``page.console_errors`` lists console errors and uncaught exceptions (minus
    :data:`BENIGN_CONSOLE_ERRORS`); ``page.blocked_requests`` lists the non-loopback
    URLs the page tried to load (all aborted). A failing test leaves
    ``artifacts/screenshots/FAILED-<test>.png``.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(APP_TIMEOUT_MS)
    context.add_init_script(_RUN_COUNTER_JS)
    blocked: list[str] = []

    def block(route):
        blocked.append(route.request.url)
        route.abort()

    context.route(EXTERNAL_URL, block)
    pg = context.new_page()
    pg.console_errors = []
    pg.blocked_requests = blocked

    def on_console(msg):
        if msg.type != "error":
            return
        loc = msg.location or {}
        text = f"{msg.text} @ {loc.get('url', '')}"
        if not _is_benign(text):
            pg.console_errors.append(text)

    def on_pageerror(exc):
        text = f"uncaught: {exc}"
        if not _is_benign(text):
            pg.console_errors.append(text)

    pg.on("console", on_console)
    pg.on("pageerror", on_pageerror)
    try:
        yield pg
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])
            with contextlib.suppress(Exception):
                pg.screenshot(path=str(screenshot_dir / f"FAILED-{name}.png"), full_page=True)
        context.close()


# --------------------------------------------------------------------------- helpers


def _wait_settled(page, timeout_ms: int) -> None:
    """stApp says notRunning and no skeleton or spinner is left."""
    page.wait_for_selector(APP_READY, state="attached", timeout=timeout_ms)
    page.wait_for_function(
        """([ready, loading]) => document.querySelector(ready) !== null
                                 && document.querySelector(loading) === null""",
        arg=[APP_READY, LOADING],
        timeout=timeout_ms,
        polling=100,
    )
    page.evaluate("() => { window.__stSeenRuns = window.__stRuns || 0; }")


def open_page(page, base_url: str, path: str = "/", query: str = "", timeout_ms: int = APP_TIMEOUT_MS):
    """Navigate to ``base_url/path?query`` and wait until the script has finished its first run.

    Before the first run stApp's script state is ``initial`` (not ``notRunning``), so
    waiting for ``notRunning`` cannot return early on an empty page.
    """
    url = base_url.rstrip("/") + "/" + path.lstrip("/")
    if query:
        url += "?" + query.lstrip("?")
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    _wait_settled(page, timeout_ms)
    return page


def wait_for_rerun(page, timeout_ms: int = APP_TIMEOUT_MS, start_grace_ms: int = 3_000) -> bool:
    """After an interaction, wait for the rerun it triggered to finish.

    A run is recognised either by seeing stApp leave ``notRunning`` or by the page's
    run counter (``_RUN_COUNTER_JS``), so a run too fast to poll is still caught.
    If no run shows within ``start_grace_ms`` (the interaction changed nothing, or
    React folded running/notRunning into one commit), it only waits for the app to
    be settled. Returns whether a rerun was observed.
    """
    observed = True
    try:
        page.wait_for_function(
            """(sel) => (window.__stRuns || 0) > (window.__stSeenRuns || 0)
                        || document.querySelector(sel) === null""",
            arg=APP_READY,
            timeout=start_grace_ms,
            polling=50,
        )
    except Exception as exc:  # playwright's TimeoutError
        if type(exc).__name__ != "TimeoutError":
            raise
        observed = False
    _wait_settled(page, timeout_ms)
    return observed


@pytest.fixture(name="open_page")
def open_page_fixture():
    """:func:`open_page` as a fixture, so tests need not import this conftest."""
    return open_page


@pytest.fixture(name="wait_for_rerun")
def wait_for_rerun_fixture():
    """:func:`wait_for_rerun` as a fixture, so tests need not import this conftest."""
    return wait_for_rerun
