"""A teacher's link and an embedded app in a real browser: the task, locked and hidden settings, an iframe.

The iframe test serves a course page from a second local origin (Python's http.server on
another 127.0.0.1 port) whose iframe holds the app with Streamlit's ``?embed=true``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import pytest

SIDEBAR = '[data-testid="stSidebar"]'
TASK = ".st-key-gd_task"
PLAYER = '[data-testid="gd-player"]'
APP_READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
#: A task a hostile link could carry: it must show as these characters, not as markup.
LR_SLIDER = f'{SIDEBAR} input[type="range"][aria-label="Learning rate η"]'
TASK_TEXT = 'Find the largest <b>η</b> that converges. <img src=x onerror="window.__pwned=1"> **now**'


def _label_in_sidebar(scope, label: str):
    """The sidebar widget (slider or number box) whose label is exactly ``label``."""
    return scope.locator(f'{SIDEBAR} [data-testid="stWidgetLabel"]').filter(has_text=label)


def _check_teacher_view(scope) -> None:
    """The task is plain text; η and the seed are shown but disabled; the noise and w0 are gone."""
    task = scope.locator(TASK)
    task.wait_for()
    assert TASK_TEXT in task.inner_text()
    text = task.locator('[data-testid="stText"]')
    assert text.inner_text() == TASK_TEXT
    assert text.locator("img, b, strong, em").count() == 0, "the task was rendered as markup"
    assert scope.locator(LR_SLIDER).is_disabled()
    assert scope.locator(f'{SIDEBAR} input[aria-label="η, typed exactly"]').is_disabled()
    scope.locator(SIDEBAR).get_by_text("Data", exact=True).click()  # open the data fold
    assert scope.locator(f'{SIDEBAR} input[aria-label="Seed"]').is_disabled()
    assert scope.locator(f'{SIDEBAR} input[aria-label="Points N"]').is_enabled()
    for gone in ("Noise σ", "Start w"):
        assert _label_in_sidebar(scope, gone).count() == 0, f"{gone} should be hidden"
    assert _label_in_sidebar(scope, "Start b").count() == 1


TEACHER_QUERY = "lr=0.4&seed=7&lock=lr,seed&hide=noise,w0&task=" + quote(TASK_TEXT)


def test_a_teacher_link_shows_the_task_and_locks(page, app_server, open_page):
    open_page(page, app_server, "/Init", TEACHER_QUERY)
    _check_teacher_view(page)
    # The address bar keeps the whole teacher's link.
    query = parse_qs(urlparse(page.evaluate("location.href")).query)
    assert query["lr"] == ["0.4"] and query["lock"] == ["seed,lr"] and query["hide"] == ["noise,w0"]
    assert query["task"] == [TASK_TEXT]
    assert page.evaluate("window.__pwned") is None
    # "Open freely" points at the same page and settings without the teacher's parameters.
    href = page.locator(f"{TASK} a").filter(has_text="Open freely").get_attribute("href")
    free = urlparse(href)
    assert free.path == "/Init"
    assert parse_qs(free.query)["lr"] == ["0.4"] and not {"lock", "hide", "task"} & set(parse_qs(free.query))
    assert page.console_errors == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def course_page(tmp_path: Path, app_server) -> Iterator[str]:
    """A course page on another origin whose iframe embeds Learning Rate with a teacher's link."""
    src = f"{app_server}/Learning_Rate?embed=true&{TEACHER_QUERY}"
    (tmp_path / "index.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Course</title></head><body>"
        "<h1>Week 3: gradient descent</h1>"
        f'<iframe title="Gradient descent, step by step" src="{src}" width="1200" height="1000"></iframe>'
        "</body></html>",
        encoding="utf-8",
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None  # keep the test output clean
    server = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_app_works_inside_a_course_pages_iframe(page, course_page, app_server):
    page.set_viewport_size({"width": 1280, "height": 1100})
    page.goto(course_page)
    app = page.frame_locator("iframe")
    app.locator(APP_READY).wait_for(state="attached")
    frame = next(f for f in page.frames if f.url.startswith(app_server))
    assert urlparse(frame.url).port != urlparse(course_page).port  # another origin
    # Streamlit's embed mode: no header toolbar; our settings and the teacher's link stay in its address.
    assert app.locator('[data-testid="stToolbar"]').count() == 0
    _check_teacher_view(app)
    query = parse_qs(urlparse(frame.url).query)
    assert query["embed"] == ["true"] and query["lock"] == ["seed,lr"]
    # The player works in the frame: a step moves it, and play moves it on.
    player = app.locator(PLAYER)
    player.scroll_into_view_if_needed()
    root = player.element_handle()  # inside the component's shadow root: reached by handle
    frame.wait_for_function("(e) => Number(e.getAttribute('data-draws') || 0) > 0", arg=root, polling=100)
    start = int(player.get_attribute("data-frame"))
    player.get_by_role("button", name="Forward", exact=True).click()
    assert int(player.get_attribute("data-frame")) == start + 1
    player.get_by_role("button", name="Play", exact=True).click()
    frame.wait_for_function("([e, f]) => Number(e.getAttribute('data-frame')) > f", arg=[root, start + 1], polling=100)
    with contextlib.suppress(Exception):
        player.get_by_role("button", name="Pause", exact=True).click()
    # A menu link inside the frame keeps the session: another step still carries the lock and the task.
    app.locator(f'{SIDEBAR} [data-testid="stPageLink-NavLink"]').filter(has_text="2 · Init").click()
    frame.wait_for_function("() => location.pathname.endsWith('/Init')")
    app.locator(APP_READY).wait_for(state="attached")
    app.locator(TASK).wait_for()
    assert TASK_TEXT in app.locator(TASK).inner_text()
    assert app.locator(LR_SLIDER).is_disabled()
    assert page.console_errors == []
