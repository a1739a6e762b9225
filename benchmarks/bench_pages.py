"""Benchmarks of the pages (run by hand, not part of the test suite).

    .venv/bin/python benchmarks/bench_pages.py              # both parts, about 5 minutes
    .venv/bin/python benchmarks/bench_pages.py --apptest    # (a) only, about a minute
    .venv/bin/python benchmarks/bench_pages.py --browser    # (b) only, about 4 minutes
    .venv/bin/python benchmarks/bench_pages.py --repeats 5  # more browser samples per page

(a) Script time per page with ``AppTest`` (no browser): the wall time of ``at.run()``
    at the defaults and at n = 1,000,000. Each is run twice in one process and the second
    (warm ``st.cache_data``) run is reported: what a learner waits for after changing a
    widget once the data are cached. Target: 0.4 s.
(b) In headless Chromium against a real ``streamlit run`` server:
    - load: from ``page.goto`` to "script finished and every chart holds a drawing of
      non-zero size" (Vega-Lite svg/canvas, Plotly .main-svg/canvas), in a fresh browser
      context (a new session). The first visit (server caches cold) and the median of the
      following visits are reported. Target: 2.5 s.
    - lr change: focus the sidebar's learning-rate slider, press ArrowRight once (lr
      +0.001), and time until the rerun has finished and every chart is drawn again; when a
      chart depends on lr, until its drawing has changed. Median of the samples. Target: 1 s.

Prints the machine first (a shared or busy machine makes the numbers noisy: the load
average is printed too), then Markdown tables. Exit status 0 even when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import re
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ui.page import STEPS  # noqa: E402

PAGES = [("Overview (landing)", ROOT / "streamlit_app.py", "/")] + [
    (label, ROOT / path, "/" + label.replace(" ", "_")) for path, label in STEPS
]
SCRIPT_TARGET_S = 0.4
LOAD_TARGET_S = 2.5
SLIDER_TARGET_S = 1.0
BIG_N = 1_000_000
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
APP_READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
#: Requests to anything but this machine are aborted (no internet; faster and predictable).
EXTERNAL_URL = re.compile(r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost)[:/])[a-z]+://")


# --------------------------------------------------------------------------- machine


def machine() -> None:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    import streamlit

    chromium = "not found"
    if Path(CHROMIUM).exists():
        try:
            chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            chromium = CHROMIUM
    print(f"- {os.cpu_count()} cores ({model}), {mem} RAM, {platform.platform()}")
    print(f"- Python {platform.python_version()}, streamlit {streamlit.__version__}, {chromium}")
    print(f"- load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


# --------------------------------------------------------------------------- (a) AppTest


def bench_apptest() -> None:
    from streamlit.testing.v1 import AppTest

    def script_time(path: Path, query: dict[str, str]) -> tuple[float, bool]:
        at = AppTest.from_file(str(path), default_timeout=300)
        for k, v in query.items():
            at.query_params[k] = v
        t0 = time.perf_counter()
        at.run()
        return time.perf_counter() - t0, bool(at.exception)

    print("\n### (a) Script time per page (AppTest, warm cache: second of two runs)\n")
    print(f"Target: {SCRIPT_TARGET_S} s per run.\n")
    print("| page | defaults | n = 1,000,000 | target met |")
    print("|---|---:|---:|:---:|")
    for label, path, _url in PAGES:
        row = []
        failed = False
        for query in ({}, {"n": str(BIG_N)}):
            script_time(path, query)  # cold: fills st.cache_data
            t, exc = script_time(path, query)
            failed |= exc
            row.append(t)
        met = "yes" if max(row) <= SCRIPT_TARGET_S else "no"
        note = " (exception!)" if failed else ""
        print(f"| {label}{note} | {row[0]:.3f} s | {row[1]:.3f} s | {met} |", flush=True)


# --------------------------------------------------------------------------- (b) browser

CHARTS_JS = """
() => {
  const main = document.querySelector('[data-testid="stMain"]') || document;
  const sized = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const hash = (s) => { let h = 0; for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
                        return s.length + ':' + h; };
  const vega = [...main.querySelectorAll('[data-testid="stVegaLiteChart"]')];
  const plotly = [...main.querySelectorAll('[data-testid="stPlotlyChart"]')];
  const drawn = vega.every((c) => [...c.querySelectorAll('svg, canvas')].some(sized))
             && plotly.every((c) => [...c.querySelectorAll('.main-svg, canvas')].some(sized));
  const sig = vega.map((c) => { const s = c.querySelector('svg');
                                return s ? hash(s.outerHTML) : (c.querySelector('canvas') ? 'canvas' : ''); });
  const app = document.querySelector('[data-testid="stApp"]');
  return {drawn, charts: vega.length + plotly.length, sig: sig.join('|'), runs: window.__stRuns || 0,
          idle: !!app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"], [data-testid="stSpinner"]')};
}
"""

RUN_COUNTER_JS = """
(() => {
  window.__stRuns = 0;
  const watch = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    new MutationObserver((records) => {
      for (const r of records) if (app.getAttribute('data-test-script-state') === 'notRunning'
                                    && r.oldValue !== 'notRunning') window.__stRuns += 1;
    }).observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
    return true;
  };
  const start = () => { if (watch()) return;
    const o = new MutationObserver(() => { if (watch()) o.disconnect(); });
    o.observe(document.documentElement, {childList: true, subtree: true}); };
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
})();
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(root: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """``streamlit run`` the app in ``root`` (this checkout, or another revision's) on a free port."""
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(root / "streamlit_app.py"), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return proc, url
        except OSError:
            pass
        time.sleep(0.25)
    proc.terminate()
    raise SystemExit("streamlit did not start within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop a server from :func:`start_server` (killed if it does not stop within 10 s)."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _poll(page, predicate, timeout_s: float = 120.0, interval_s: float = 0.02) -> dict:
    deadline = time.perf_counter() + timeout_s
    while True:
        state = page.evaluate(CHARTS_JS)
        if predicate(state):
            return state
        if time.perf_counter() > deadline:
            raise TimeoutError(f"gave up after {timeout_s:.0f} s; last state {state}")
        time.sleep(interval_s)


def _load(browser, url: str) -> tuple[float, float, object, object]:
    """(seconds to the script's first run finished, seconds to every chart drawn, context, page)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RUN_COUNTER_JS)
    context.route(EXTERNAL_URL, lambda r: r.abort())
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(APP_READY, state="attached", timeout=120_000)
    t_script = time.perf_counter() - t0
    _poll(page, lambda s: s["idle"] and s["drawn"])
    return t_script, time.perf_counter() - t0, context, page


def _lr_change(page) -> tuple[float, bool]:
    """Seconds from one ArrowRight on the lr slider to the charts drawn again; whether they changed."""
    slider = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]').filter(
        has_text="Learning rate").locator('input[type="range"]')
    slider.focus()
    before = page.evaluate(CHARTS_JS)
    t0 = time.perf_counter()
    slider.press("ArrowRight")
    state = _poll(page, lambda s: s["runs"] > before["runs"] and s["idle"] and s["drawn"])
    t_run = time.perf_counter() - t0
    if state["sig"] != before["sig"]:
        return t_run, True
    try:  # the rerun is done; a chart that depends on lr may still be redrawing
        _poll(page, lambda s: s["sig"] != before["sig"] and s["drawn"], timeout_s=3.0)
        return time.perf_counter() - t0, True
    except TimeoutError:
        return t_run, False


def bench_browser(repeats: int) -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        print(f"\n(b) skipped: {CHROMIUM} not found")
        return
    proc, base = start_server()
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                        "--disable-dev-shm-usage"])
            # Warm the server process (imports) once, so the first page does not pay for it.
            _ts, _t, ctx, _pg = _load(browser, base + "/Init")
            ctx.close()
            for label, _path, url_path in PAGES:
                loads, scripts, changes, changed_any, n_charts = [], [], [], False, 0
                for i in range(1 + repeats):
                    ts, t, ctx, pg = _load(browser, base + url_path)
                    loads.append(t)
                    scripts.append(ts)
                    n_charts = pg.evaluate(CHARTS_JS)["charts"]
                    if i >= 1:
                        dt, changed = _lr_change(pg)
                        changes.append(dt)
                        changed_any |= changed
                    ctx.close()
                rows.append((label, n_charts, loads[0], statistics.median(scripts[1:]), statistics.median(loads[1:]),
                             max(loads[1:]), statistics.median(changes), max(changes), changed_any))
                print(f"  {label}: done", file=sys.stderr, flush=True)
            browser.close()
    finally:
        stop_server(proc)

    print(f"\n### (b) In the browser (headless Chromium, {repeats} samples per page after a first visit)\n")
    print(f"Targets: load {LOAD_TARGET_S} s, lr change {SLIDER_TARGET_S} s. "
          "\"First\" is the first visit (server caches cold); the others are fresh sessions on a warm server.\n")
    print("\"Script done\" is when the first run has finished (stApp notRunning), before the browser has drawn "
          "the charts; the landing page, which has no chart, shows the fixed cost of loading the app itself.\n")
    print("| page | charts | load, first | script done, median | load, median | load, max | lr change, median "
          "| lr change, max | charts change with lr | targets met |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|:---:|:---:|")
    for label, n, first, smed, med, mx, cmed, cmax, changed in rows:
        met = "yes" if med <= LOAD_TARGET_S and cmed <= SLIDER_TARGET_S else (
            "load no" if med > LOAD_TARGET_S and cmed <= SLIDER_TARGET_S else
            "lr no" if med <= LOAD_TARGET_S else "both no")
        print(f"| {label} | {n} | {first:.2f} s | {smed:.2f} s | {med:.2f} s | {mx:.2f} s | {cmed:.2f} s | {cmax:.2f} s "
              f"| {'yes' if changed else 'no'} | {met} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apptest", action="store_true", help="only (a), the AppTest script times")
    parser.add_argument("--browser", action="store_true", help="only (b), the browser timings")
    parser.add_argument("--repeats", type=int, default=3, help="browser samples per page after the first visit")
    args = parser.parse_args()
    both = not (args.apptest or args.browser)
    print("Machine:\n")
    machine()
    if both or args.apptest:
        bench_apptest()
    if both or args.browser:
        bench_browser(max(1, args.repeats))


if __name__ == "__main__":
    main()
