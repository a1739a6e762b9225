"""The descent player in a real browser: it plays without the server, and Python hears where it stops.

Both pages that have a player (Learning Rate, Rinse and Repeat) are driven through the
component's own controls and keys. The component's root carries test hooks:
``data-frame``, ``data-playing``, ``data-draws`` (pictures drawn) and ``data-n-frames``.
Screenshots go to artifacts/screenshots (gitignored).
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from proc_stats import cpu_seconds

PLAYER = '[data-testid="gd-player"]'
MAIN = '[data-testid="stMain"]'
PAGES = {"rinse": "/Rinse_and_Repeat", "learning_rate": "/Learning_Rate"}
#: Generous bounds (3x the targets) for a shared 2-core machine.
MIN_DRAWS_PER_S = 8  # target 24
MAX_SCRUB_MS = 150  # target 50
MAX_SERVER_CPU = 0.06  # target 0.02 CPU-s per s while playing


def _attr(page, name: str) -> str:
    return page.locator(PLAYER).get_attribute(name) or ""


def _frame(page) -> int:
    return int(_attr(page, "data-frame"))


def _draws(page) -> int:
    return int(_attr(page, "data-draws") or 0)


def _runs(page) -> int:
    """Script runs the page has seen finish (the e2e conftest's counter)."""
    return int(page.evaluate("() => window.__stRuns || 0"))


def _script_state(page) -> str:
    return page.get_attribute('[data-testid="stApp"]', "data-test-script-state") or ""


def _button(page, name: str):
    return page.locator(PLAYER).get_by_role("button", name=name, exact=True)


def _open(page, open_page, base: str, name: str, query: str = ""):
    """Open a page and wait until its player has drawn its first picture."""
    open_page(page, base, PAGES[name], query)
    root = page.locator(PLAYER)
    root.wait_for()
    page.wait_for_function(
        "(e) => Number(e.getAttribute('data-draws') || 0) > 0", arg=root.element_handle(), polling=100
    )
    root.scroll_into_view_if_needed()


def _python_epoch(page, name: str) -> int:
    """The epoch the page's Python side rendered its numbers for."""
    text = page.locator(MAIN).inner_text()
    if name == "learning_rate":
        metric = page.locator(f'{MAIN} [data-testid="stMetric"]').filter(has_text="Epoch").first
        return int(metric.locator('[data-testid="stMetricValue"]').inner_text().strip())
    marker = "The update of epoch "
    start = text.index(marker) + len(marker)
    return int(text[start:].split(" ", 1)[0].replace(",", "")) - 1


def _await_runs(page, count: int, timeout_ms: int = 5_000) -> None:
    """Wait (briefly) until the page has counted ``count`` finished script runs and is idle.

    The counter sees a run only if React commits its "running" state; a fragment rerun
    that finishes within one commit goes uncounted. So this never fails by itself: the
    callers check what Python shows afterwards, and that the count did not go *over*.
    """
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(
            """(n) => (window.__stRuns || 0) >= n && document.querySelector(
                 '[data-testid="stApp"][data-test-script-state="notRunning"]') !== null""",
            arg=count,
            timeout=timeout_ms,
            polling=50,
        )


def _wait_python_epoch(page, name: str, expected: int, timeout_s: float = 20.0) -> None:
    """Wait until Python has rendered ``expected`` (steps reach it after a short pause, in one rerun)."""
    deadline = time.monotonic() + timeout_s
    while True:
        if _script_state(page) == "notRunning":
            try:
                if _python_epoch(page, name) == expected:
                    return
            except ValueError:
                pass
        if time.monotonic() > deadline:
            raise AssertionError(f"Python still renders epoch {_python_epoch(page, name)}, not {expected}")
        page.wait_for_timeout(100)


@pytest.mark.parametrize("name", ["rinse", "learning_rate"])
def test_play_runs_in_the_browser_and_pause_tells_python(page, app_server, app_server_pid, open_page, name):
    _open(page, open_page, app_server, name)
    n = int(_attr(page, "data-n-frames"))
    if name == "rinse":
        assert _frame(page) == n - 1 == 1000  # opens on the result
        assert _python_epoch(page, name) == 1000
        _button(page, "First").click()
        assert _frame(page) == 0
        _wait_python_epoch(page, name, 0)
    else:
        assert _frame(page) == 0 and n == 31
        page.locator(PLAYER).get_by_label("Speed").select_option(label="½×")  # 30 epochs in about 6 s
    runs, draws, cpu = _runs(page), _draws(page), cpu_seconds(app_server_pid)
    t0 = time.monotonic()
    _button(page, "Play").click()
    page.wait_for_timeout(2_000)
    assert _attr(page, "data-playing") == "true"
    elapsed = time.monotonic() - t0
    cpu_rate = (cpu_seconds(app_server_pid) - cpu) / elapsed
    draw_rate = (_draws(page) - draws) / elapsed
    moved = _frame(page)
    assert 0 < moved < n - 1, f"frame {moved} after 2 s of play"
    assert _runs(page) == runs and _script_state(page) == "notRunning", "playing reran the script"
    assert draw_rate >= MIN_DRAWS_PER_S, f"{draw_rate:.1f} pictures per second"
    assert cpu_rate <= MAX_SERVER_CPU, f"server used {cpu_rate:.3f} CPU-s/s while one learner played"
    print(f"\n{name}: {draw_rate:.1f} pictures/s, server {cpu_rate:.4f} CPU-s/s while playing")

    _button(page, "Pause").click()
    assert _attr(page, "data-playing") == "false"
    stopped = _frame(page)
    _await_runs(page, runs + 1)
    _wait_python_epoch(page, name, stopped)  # Python was on another epoch: the pause reran it
    page.wait_for_timeout(1_000)
    assert _runs(page) <= runs + 1, "pause should rerun the player only once"
    assert _frame(page) == stopped, "the frame moved after Pause"
    assert _python_epoch(page, name) == stopped, "Python renders another epoch than the one paused on"
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []


def test_keys_step_jump_and_play(page, app_server, open_page):
    _open(page, open_page, app_server, "learning_rate")
    root = page.locator(PLAYER)
    root.focus()
    outline = root.evaluate("(e) => getComputedStyle(e).outlineStyle")
    assert outline not in ("", "none"), "no visible focus ring on the player"
    page.keyboard.press("End")
    assert _frame(page) == 30
    page.keyboard.press("Home")
    assert _frame(page) == 0
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert _frame(page) == 2
    _wait_python_epoch(page, "learning_rate", 2)
    runs = _runs(page)
    page.keyboard.press("Space")
    assert _attr(page, "data-playing") == "true"
    page.wait_for_timeout(400)
    page.keyboard.press("Space")
    assert _attr(page, "data-playing") == "false"
    stopped = _frame(page)
    _await_runs(page, runs + 1)
    _wait_python_epoch(page, "learning_rate", stopped)
    page.wait_for_timeout(500)
    assert stopped > 2 and _runs(page) <= runs + 1
    assert _python_epoch(page, "learning_rate") == stopped
    # Buttons work from the keyboard too: Tab to "Forward", Enter.
    _button(page, "Forward").focus()
    page.keyboard.press("Enter")
    assert _frame(page) == stopped + 1
    _wait_python_epoch(page, "learning_rate", stopped + 1)
    assert page.console_errors == []


def test_buttons_step_and_jump_and_speed_sets_the_pace(page, app_server, open_page):
    _open(page, open_page, app_server, "rinse")
    n = int(_attr(page, "data-n-frames"))
    assert _frame(page) == n - 1  # Rinse and Repeat opens on the result
    _button(page, "First").click()
    assert _frame(page) == 0
    _wait_python_epoch(page, "rinse", 0)
    for _ in range(3):
        _button(page, "Forward").click()
    _button(page, "Back").click()
    assert _frame(page) == 2
    _wait_python_epoch(page, "rinse", 2)
    _button(page, "Last").click()
    assert _frame(page) == n - 1
    _wait_python_epoch(page, "rinse", n - 1)

    def frames_in_one_second(speed_label: str) -> int:
        _button(page, "First").click()
        page.locator(PLAYER).get_by_label("Speed").select_option(label=speed_label)
        _button(page, "Play").click()
        page.wait_for_timeout(1_000)
        _button(page, "Pause").click()
        return _frame(page)

    slow, fast = frames_in_one_second("¼×"), frames_in_one_second("4×")
    assert slow > 0 and fast >= 4 * slow, f"1 s of play: {slow} frames at ¼×, {fast} at 4×"
    assert page.console_errors == []


def test_scrub_redraws_at_once_and_python_follows_the_end(page, app_server, open_page):
    _open(page, open_page, app_server, "rinse")
    scrub = page.locator(PLAYER).get_by_label("Epoch", exact=True)
    assert scrub.get_attribute("type") == "range" and not scrub.is_disabled()
    runs = _runs(page)
    times = scrub.evaluate(
        """(input) => {
             const root = input.getRootNode().querySelector('[data-testid="gd-player"]');
             const out = [];
             for (const v of [100, 250, 400, 550]) {
               const before = Number(root.getAttribute('data-draws'));
               const t = performance.now();
               input.value = String(v);
               input.dispatchEvent(new Event('input', {bubbles: true}));
               out.push([performance.now() - t, Number(root.getAttribute('data-draws')) - before,
                         Number(root.getAttribute('data-frame'))]);
             }
             return out;
           }"""
    )
    for ms, drawn, _frame in times:
        assert drawn == 1 and ms <= MAX_SCRUB_MS, times
    assert [t[2] for t in times] == [100, 250, 400, 550]
    print(f"\nscrub redraw: {', '.join(f'{t[0]:.1f}' for t in times)} ms")
    assert _runs(page) == runs  # dragging is all in the browser
    scrub.dispatch_event("change")  # the end of the drag
    _await_runs(page, runs + 1)
    _wait_python_epoch(page, "rinse", 550)
    page.wait_for_timeout(500)
    assert _runs(page) <= runs + 1  # one rerun at the end of the drag, none during it
    assert _python_epoch(page, "rinse") == 550


def test_click_on_the_paused_contour_sets_the_start(page, app_server, open_page, wait_for_rerun):
    _open(page, open_page, app_server, "learning_rate")
    contour = page.locator(PLAYER).locator("canvas[aria-label^='Loss contour']")
    box = contour.bounding_box()
    # A point in the upper right of the plot area (margins: 62 px left, 16 right, 34 top, 46 bottom).
    x = 62 + 0.8 * (box["width"] - 78)
    y = 34 + 0.2 * (box["height"] - 80)
    contour.click(position={"x": x, "y": y})
    wait_for_rerun(page)
    page.wait_for_function("() => new URLSearchParams(location.search).has('b0')", polling=100)
    q = parse_qs(page.evaluate("location.search").lstrip("?"))
    b0, w0 = float(q["b0"][0]), float(q["w0"][0])
    # The contour's window is b in [-2, 4], w in [-1, 5] (plus half a cell): 80% across, 20% down.
    assert 2.5 < b0 < 3.3 and 3.4 < w0 < 4.2, (b0, w0)
    _open(page, open_page, app_server, "learning_rate", f"b0={b0}&w0={w0}")
    assert _frame(page) == 0
    assert page.locator(PLAYER).locator(".numbers").inner_text().startswith(f"Epoch 0: b = {b0:.4f}")
    assert page.console_errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1400, 1024, 390])
def test_looks_right_in_light_and_dark_at_every_width(browser, app_server, screenshot_dir, open_page, scheme, width):
    context = browser.new_context(
        viewport={"width": width, "height": 2600}, color_scheme=scheme, device_scale_factor=2 if width == 390 else 1
    )  # a phone's screen is high-DPI
    try:
        page = context.new_page()
        page.console_errors = []
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        open_page(page, app_server, PAGES["rinse"])
        root = page.locator(PLAYER)
        root.wait_for()
        page.wait_for_function(
            "(e) => Number(e.getAttribute('data-draws') || 0) > 0", arg=root.element_handle(), polling=100
        )
        root.scroll_into_view_if_needed()
        page.wait_for_timeout(600)
        bar = root.locator(".bar")
        fits = bar.evaluate(
            "(b) => ({over: b.scrollWidth - b.clientWidth, height: b.getBoundingClientRect().height,"
            " top: [...b.children].map(c => c.getBoundingClientRect().top)})"
        )
        assert fits["over"] <= 1, f"the controls overflow by {fits['over']} px at {width} px"
        assert max(fits["top"]) - min(fits["top"]) < 12, "the controls wrapped onto a second row"
        # Text outside the panels has the theme's text colour (readable in dark mode).
        colors = page.evaluate(
            """() => {
                 const root = [...document.querySelectorAll('*')].map(e => e.shadowRoot).filter(Boolean)
                   .map(s => s.querySelector('[data-testid="gd-player"]')).find(Boolean);
                 const p = document.querySelector('[data-testid="stMain"] [data-testid="stMarkdownContainer"] p');
                 return [getComputedStyle(root.querySelector('.numbers')).color, getComputedStyle(p).color];
               }"""
        )
        assert colors[0] == colors[1], colors
        canvas = root.locator("canvas").first
        sharp = canvas.evaluate("(c) => c.width / c.getBoundingClientRect().width")
        assert abs(sharp - page.evaluate("devicePixelRatio")) < 0.05
        root.screenshot(path=str(screenshot_dir / f"player-rinse-{scheme}-{width}.png"))
        assert page.console_errors == []
    finally:
        context.close()


#: Page script: note when the player first drew and when every Vega-Lite chart had drawn.
_FIRST_DRAWS_JS = """
(() => {
  const player = () => {
    for (const e of document.querySelectorAll('[data-testid="stMain"] *')) {
      const r = e.shadowRoot && e.shadowRoot.querySelector('[data-testid="gd-player"]');
      if (r) return r;
    }
    return null;
  };
  const timer = setInterval(() => {
    const r = player();
    if (r && !window.__gdFirstDraw && Number(r.getAttribute('data-draws') || 0) > 0)
      window.__gdFirstDraw = performance.now();
    const charts = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')];
    if (!window.__gdChartsDrawn && charts.length && charts.every((c) =>
        [...c.querySelectorAll('svg, canvas')].some((e) => e.getBoundingClientRect().width > 0)))
      window.__gdChartsDrawn = performance.now();
    if (window.__gdFirstDraw && window.__gdChartsDrawn) clearInterval(timer);
  }, 10);
})();
"""


@pytest.mark.parametrize("name", ["rinse", "learning_rate"])
def test_first_picture_comes_with_the_other_charts(browser, app_server, open_page, name):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.add_init_script(_FIRST_DRAWS_JS)
        open_page(page, app_server, PAGES[name])
        page.wait_for_function("() => window.__gdFirstDraw && window.__gdChartsDrawn", polling=100)
        player_ms, charts_ms = page.evaluate("() => [window.__gdFirstDraw, window.__gdChartsDrawn]")
        print(
            f"\n{name}: player's first picture at {player_ms / 1000:.2f} s, all Vega-Lite charts at "
            f"{charts_ms / 1000:.2f} s after navigation"
        )
        # Target: no later than the charts. The component's script is a module the browser loads after
        # the element arrives, so on a busy machine it may trail the charts by a little.
        assert player_ms <= charts_ms + 500, (player_ms, charts_ms)
    finally:
        context.close()


def test_browser_maths_and_numbers_match_python(browser):
    """The cross-sections, the next update and the text come from the component's own helpers:
    they must agree with gdcore's loss and gradients and with ui.numbers.num."""
    import base64
    import math

    import gdcore
    from ui.numbers import num

    source = (Path(__file__).resolve().parents[2] / "ui" / "player_component" / "player.js").read_bytes()
    url = "data:text/javascript;base64," + base64.b64encode(source).decode()
    d = gdcore.make_data(n=500, seed=3, noise=0.3)
    stats = gdcore.sufficient_stats(d.x_train, d.y_train)
    fields = {k: getattr(stats, k) for k in ("mean_x", "mean_y", "var_x", "cov_xy", "var_y")}
    points = [(0.5, -0.14), (1.02, 1.97), (-9.5, 8.25), (3e50, -2e50)]
    values = [0.0, -0.0, 1.02354, -2.5e-7, 12345.678, 2.9e153, -1e6, 0.00012]
    context = browser.new_context()
    try:
        page = context.new_page()
        got = page.evaluate(
            """async ([url, s, points, values]) => {
                 const m = await import(url);
                 return {loss: points.map(([b, w]) => m.mse(s, b, w)),
                         grad: points.map(([b, w]) => m.gradients(s, b, w)),
                         num: values.map(m.num),
                         ticks: [m.niceTicks(-2.03, 4.03, 6).ticks, m.niceTicks(0, 1000, 10).ticks],
                         log: [m.logTicks(0.005, 4.1, 6), m.logTicks(1e-3, 1e307, 6).length, m.logTicks(0.3, 0.9, 6)]};
               }""",
            [url, fields, points, values],
        )
    finally:
        context.close()
    for (b, w), loss, grad in zip(points, got["loss"], got["grad"]):
        assert math.isclose(loss, float(stats.loss(b, w)), rel_tol=1e-9)
        assert all(math.isclose(g, float(e), rel_tol=1e-9, abs_tol=1e-12) for g, e in zip(grad, stats.gradients(b, w)))
    assert got["num"] == [num(v) for v in values]
    assert got["ticks"] == [[-2, 0, 2, 4], list(range(0, 1001, 100))]  # round steps: 1, 2 or 5 times 10^k
    assert got["log"][0] == [0.01, 0.1, 1] and got["log"][1] <= 6  # a diverging run's 310 decades: a few ticks
    assert got["log"][2] == pytest.approx([0.5])


def test_new_frames_while_playing_start_over(page, app_server, open_page):
    _open(page, open_page, app_server, "learning_rate")
    page.locator(PLAYER).get_by_label("Speed").select_option(label="¼×")
    _button(page, "Play").click()
    page.wait_for_timeout(1_500)
    assert _attr(page, "data-playing") == "true" and _frame(page) > 0
    runs = _runs(page)
    page.get_by_role("button", name="0.8 (high)", exact=True).click()  # a new rate: new frames
    _await_runs(page, runs + 1)
    page.wait_for_function(
        "(e) => e.getAttribute('data-playing') === 'false'", arg=page.locator(PLAYER).element_handle(), polling=100
    )
    assert _frame(page) == 0
    _wait_python_epoch(page, "learning_rate", 0)
    assert "lr=0.8" in page.evaluate("location.search")
    assert page.console_errors == []
