"""Page speed: the four figures of every page, before and after, from one run (by hand, not CI).

    .venv/bin/python benchmarks/bench_pages.py                    # baseline and this checkout, ~13 min
    .venv/bin/python benchmarks/bench_pages.py --no-baseline      # this checkout only, ~7 min
    .venv/bin/python benchmarks/bench_pages.py --baseline REV     # another baseline revision
    .venv/bin/python benchmarks/bench_pages.py --pages Loss,Scaling --repeats 5
    .venv/bin/python benchmarks/bench_pages.py --apptest          # only the AppTest script times
    .venv/bin/python benchmarks/bench_pages.py --browser          # only the three browser figures

The baseline revision (:data:`BASELINE_REV`, the revision before the page-speed work) is
checked out into a temporary ``git worktree`` and served by the same Python, then this
checkout is measured the same way, so both columns come from one run on one machine.

Per page (the Overview and the ten steps), the median of ``--repeats`` samples (3):

- fresh load: a new browser context (a new session) from ``page.goto`` to "script
  finished and every chart holds a drawing of non-zero size" (Vega-Lite svg/canvas,
  Plotly .main-svg/canvas). Each page is visited once first (server caches cold) and
  that visit is not counted. Target: 2.0 s.
- menu click: in one session, a click on the page's link in the sidebar menu (coming
  from the page before it in the menu) to the new page's script finished and every chart
  drawn. Target: 0.6 s.
- η change: focus the sidebar's learning-rate slider, press ArrowRight once (η + 0.001),
  and time until the rerun has finished and every chart is drawn again; when a chart
  depends on η, until its drawing has changed. Target: 0.3 s.
- script time (AppTest, no browser): the wall time of ``at.run()`` at the defaults and at
  n = 1,000,000, the second of two runs of one ``AppTest`` (a rerun with warm
  ``st.cache_data``): what the server spends on a rerun once the data are cached. Target: 0.15 s. Each revision
  runs in its own Python process, importing its own ``ui`` and ``gdcore``.

Prints the machine first (the load average too: a shared or busy machine makes the
numbers noisy), then one Markdown table. Exit status 0 even when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ui.registry import STEPS  # noqa: E402

PAGES = [("Overview (landing)", ROOT / "streamlit_app.py", "/")] + [
    (entry.label, ROOT / entry.file, "/" + entry.url_path) for entry in STEPS
]
#: The revision before the page-speed work: today's figures come from it.
BASELINE_REV = "8702fcd2613e279db8c578888c00ab0ab5588323"
SCRIPT_TARGET_S = 0.15
LOAD_TARGET_S = 2.0
CLICK_TARGET_S = 0.6
ETA_TARGET_S = 0.3
BIG_N = 1_000_000
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
#: Headless Chromium as the browser tests, the classroom benchmark and the screenshots run it.
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root; Chromium refuses its sandbox then
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
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
        kb = int(
            next(
                line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
            ).split()[1]
        )
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    import streamlit

    chromium = "not found"
    if Path(CHROMIUM).exists():
        try:
            chromium = subprocess.run(
                [CHROMIUM, "--version"], capture_output=True, text=True, timeout=20
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            chromium = CHROMIUM
    print(f"- {os.cpu_count()} cores ({model}), {mem} RAM, {platform.platform()}")
    print(f"- Python {platform.python_version()}, streamlit {streamlit.__version__}, {chromium}")
    print(f"- load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


# --------------------------------------------------------------------------- (a) AppTest


#: Run in a child process with ``cwd`` = the revision's folder: prints {relative path: [defaults, n = 10⁶]}.
_APPTEST_CHILD = """
import json, sys, time
root = sys.argv[1]
sys.path.insert(0, root)
from streamlit.testing.v1 import AppTest
out = {}
for rel in json.loads(sys.argv[2]):
    row = []
    for query in ({}, {"n": sys.argv[3]}):
        # One AppTest, run twice: the first run fills st.cache_data and pays AppTest's own
        # one-off set-up (a scan of the installed packages for components, ~0.2 s); the
        # second, a rerun of the same session, is reported.
        at = AppTest.from_file(root + "/" + rel, default_timeout=300)
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
        t0 = time.perf_counter()
        at.run()
        t = time.perf_counter() - t0
        row.append(None if at.exception else t)
    out[rel] = row
print(json.dumps(out))
"""


def bench_apptest(root: Path, pages: list[tuple[str, Path, str]]) -> dict[str, tuple[float | None, float | None]]:
    """{page label: (warm script seconds at the defaults, at n = 10⁶)} for the app in ``root``."""
    rels = [str(path.relative_to(ROOT)) for _label, path, _url in pages]
    done = subprocess.run(
        [sys.executable, "-c", _APPTEST_CHILD, str(root), json.dumps(rels), str(BIG_N)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"AppTest run failed in {root}:\n{done.stderr[-2000:]}")
    times = json.loads(done.stdout.strip().splitlines()[-1])
    return {label: tuple(times[rel]) for (label, _path, _url), rel in zip(pages, rels)}


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
          search: location.search,
          idle: !!app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector(
                      '[data-testid="stSkeleton"], [data-testid="stAppSkeleton"], [data-testid="stSpinner"]')};
}
"""

RUN_COUNTER_JS = """
(() => {
  // Counts finished script runs: stApp's script state turning to notRunning. The whole
  // document is watched, as the stApp element may be replaced (a page change).
  window.__stRuns = 0;
  const start = () => new MutationObserver((records) => {
    for (const r of records) if (r.target.getAttribute('data-test-script-state') === 'notRunning'
                                  && r.oldValue !== 'notRunning') window.__stRuns += 1;
  }).observe(document.documentElement, {attributes: true, attributeOldValue: true, subtree: true,
                                        attributeFilter: ['data-test-script-state']});
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
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(root / "streamlit_app.py"),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
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
    slider = (
        page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]')
        .filter(has_text="Learning rate")
        .locator('input[type="range"]')
    )
    slider.focus()
    before = page.evaluate(CHARTS_JS)
    t0 = time.perf_counter()
    slider.press("ArrowRight")
    # The rerun has happened when a finished run was counted or the address shows the new η (a
    # fast run can end before the browser ever shows it running, and then it is not counted).
    state = _poll(
        page, lambda s: (s["runs"] > before["runs"] or s["search"] != before["search"]) and s["idle"] and s["drawn"]
    )
    t_run = time.perf_counter() - t0
    if state["sig"] != before["sig"]:
        return t_run, True
    try:  # the rerun is done; a chart that depends on lr may still be redrawing
        _poll(page, lambda s: s["sig"] != before["sig"] and s["drawn"], timeout_s=3.0)
        return time.perf_counter() - t0, True
    except TimeoutError:
        return t_run, False


#: The sidebar menu's links: the app's own menu (.st-key-menu), or Streamlit's page list in the
#: baseline revision, which still had it.
NAV_LINK = (
    '.st-key-menu a[data-testid="stPageLink-NavLink"], [data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]'
)


#: JS: the main area's first heading and whether an element of the last run is still shown.
_HEADING_JS = """() => { const h = document.querySelector('[data-testid="stMain"] h1');
  return {h1: h ? h.innerText : '', stale: !!document.querySelector('[data-stale="true"]'),
          path: location.pathname}; }"""


def _menu_click(page, url_path: str) -> float:
    """Seconds from a click on the sidebar menu's link to ``url_path`` to every chart of that page drawn.

    Done when the address is the new page's, its title has replaced the old one, the script
    has finished, nothing of the old page is left and every chart is drawn. (A script run
    counter is not used: a fast page's run can end before the browser shows it running.)
    """
    # A page link's href is relative to the app's root ("Loss"), and empty for the landing page.
    paths = page.evaluate(
        f"() => [...document.querySelectorAll('{NAV_LINK}')].map(a => {{ const h = a.getAttribute('href') || '/';"
        " return new URL(h, location.origin + '/').pathname; })"
    )
    link = page.locator(NAV_LINK).nth(paths.index(url_path))
    old_title = page.evaluate(_HEADING_JS)["h1"]
    t0 = time.perf_counter()
    link.click()
    deadline = time.perf_counter() + 120
    while True:
        heading = page.evaluate(_HEADING_JS)
        if heading["path"] == url_path and heading["h1"] not in ("", old_title) and not heading["stale"]:
            state = page.evaluate(CHARTS_JS)
            if state["idle"] and state["drawn"]:
                return time.perf_counter() - t0
        if time.perf_counter() > deadline:
            raise TimeoutError(f"menu click to {url_path}: last state {heading}")
        time.sleep(0.02)


def bench_browser(base: str, pages: list[tuple[str, Path, str]], repeats: int) -> dict[str, tuple[float, float, float]]:
    """{page label: (fresh load, menu click, η change)} medians of ``repeats``, against the server at ``base``."""
    from playwright.sync_api import sync_playwright

    loads: dict[str, list[float]] = {label: [] for label, _p, _u in pages}
    etas: dict[str, list[float]] = {label: [] for label, _p, _u in pages}
    clicks: dict[str, list[float]] = {label: [] for label, _p, _u in pages}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        for label, _path, url_path in pages:
            for i in range(1 + repeats):  # the first visit fills the server's caches: not counted
                _ts, t, ctx, pg = _load(browser, base + url_path)
                if i >= 1:
                    loads[label].append(t)
                    etas[label].append(_lr_change(pg)[0])
                ctx.close()
            print(f"  {label}: load and η done", file=sys.stderr, flush=True)
        # Menu clicks: one session walks the menu in order, ``repeats`` times round.
        all_paths = ["/"] + ["/" + entry.url_path for entry in STEPS]
        wanted = {url_path: label for label, _p, url_path in pages}
        _ts, _t, ctx, pg = _load(browser, base + all_paths[-1])
        for _round in range(repeats):
            for url_path in all_paths:
                dt = _menu_click(pg, url_path)
                if url_path in wanted:
                    clicks[wanted[url_path]].append(dt)
        ctx.close()
        browser.close()
    med = statistics.median
    return {label: (med(loads[label]), med(clicks[label]), med(etas[label])) for label, _p, _u in pages}


@contextlib.contextmanager
def checkout(rev: str):
    """A temporary git worktree of ``rev`` (removed afterwards)."""
    folder = Path(tempfile.mkdtemp(prefix="gd-baseline-"))
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(folder), rev], check=True, capture_output=True
    )
    try:
        yield folder
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)], capture_output=True, check=False
        )


def measure(root: Path, pages: list[tuple[str, Path, str]], repeats: int, browser: bool, apptest: bool) -> dict:
    """{page label: {"load", "click", "eta", "script", "script_big": seconds or None}} for the app in ``root``."""
    out: dict[str, dict] = {label: {} for label, _p, _u in pages}
    if browser:
        if not Path(CHROMIUM).exists():
            raise SystemExit(f"{CHROMIUM} not found (use --apptest)")
        proc, base = start_server(root)
        try:
            for label, (load, click, eta) in bench_browser(base, pages, repeats).items():
                out[label].update(load=load, click=click, eta=eta)
        finally:
            stop_server(proc)
    if apptest:
        for label, (script, script_big) in bench_apptest(root, pages).items():
            out[label].update(script=script, script_big=script_big)
    return out


FIGURES = (  # (key, column title, target seconds)
    ("load", "fresh load", LOAD_TARGET_S),
    ("click", "menu click", CLICK_TARGET_S),
    ("eta", "η change", ETA_TARGET_S),
    ("script", "script, defaults", SCRIPT_TARGET_S),
    ("script_big", "script, n = 10⁶", SCRIPT_TARGET_S),
)


def table(pages: list[tuple[str, Path, str]], after: dict, before: dict | None) -> None:
    """One Markdown table: per figure "before → after" (or just the figure), and the targets missed."""
    keys = [f for f in FIGURES if any(f[0] in after[label] for label, _p, _u in pages)]
    print("| page | " + " | ".join(f"{title} (≤ {target:g} s)" for _k, title, target in keys) + " | missed |")
    print("|---|" + "---:|" * len(keys) + "---|")

    def fmt(v: float | None) -> str:
        return "error" if v is None else f"{v:.2f}" if v >= 0.1 else f"{v:.3f}"

    for label, _p, _u in pages:
        cells, missed = [], []
        for key, title, target in keys:
            now = after[label].get(key)
            cell = fmt(now)
            if before is not None:
                cell = f"{fmt(before[label].get(key))} → {cell}"
            cells.append(cell)
            if now is None or now > target:
                missed.append(title)
        print(f"| {label} | " + " | ".join(cells) + f" | {', '.join(missed) or 'none'} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apptest", action="store_true", help="only the AppTest script times")
    parser.add_argument("--browser", action="store_true", help="only the browser figures")
    parser.add_argument("--repeats", type=int, default=3, help="samples per figure and page (median reported)")
    parser.add_argument("--baseline", default=BASELINE_REV, help="revision for the 'before' figures")
    parser.add_argument("--no-baseline", action="store_true", help="measure this checkout only")
    parser.add_argument("--pages", default="", help="comma-separated URL names (Overview, Loss, Rinse_and_Repeat, ...)")
    args = parser.parse_args()
    both = not (args.apptest or args.browser)
    pages = PAGES
    if args.pages:
        names = {n.strip() for n in args.pages.split(",")}
        pages = [pg for pg in PAGES if (pg[2].strip("/") or "Overview") in names]
        if not pages:
            raise SystemExit(f"no page matches {args.pages!r}")
    repeats = max(1, args.repeats)
    print("Machine:\n")
    machine()
    run = {"pages": pages, "repeats": repeats, "browser": both or args.browser, "apptest": both or args.apptest}
    before = None
    if not args.no_baseline:
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline], check=True, capture_output=True, text=True
        ).stdout.strip()
        print(f"- before: revision {rev}; after: this checkout", flush=True)
        with checkout(args.baseline) as folder:
            before = measure(folder, **run)
    after = measure(ROOT, **run)
    print(f"\n### Page speed, median of {repeats} (seconds; before → after)\n")
    table(pages, after, before)
    print(f"\nload average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
