"""Classroom-scale benchmark: what one server pays for a class (run by hand).

    .venv/bin/python benchmarks/bench_classroom.py                  # baseline revision, then this checkout
    .venv/bin/python benchmarks/bench_classroom.py --baseline none  # this checkout only
    .venv/bin/python benchmarks/bench_classroom.py --settings 100   # a longer hostile sequence

Three figures, each measured on the baseline revision (checked out into a temporary git
worktree and served by the same Python) and on this checkout, in one run:

(a) Memory under a hostile sequence: ``--settings`` distinct N = 10⁶ settings (a new seed
    each), one after another, each in a new session, cycling through every page as learners
    trying "the biggest N" with their own seeds would. The server's VmRSS is read after every
    run; the peak and the final value are reported. Target: ≤ 500 MiB.
(b) Server CPU of one learner playing the Rinse and Repeat player in headless Chromium:
    utime + stime of the ``streamlit run`` process over ``--play-seconds`` of playback,
    per second. Target: ≤ 0.02 CPU-s/s.
(c) Playback frames per second in that browser: how many distinct pictures the player
    drew per second while playing (the new player counts its own draws; the old one is
    read from its scrubber's value, polled every 20 ms). Target: ≥ 24.

Prints the machine, then one Markdown table with before, after and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from bench_pages import APP_READY, CHROMIUM, CHROMIUM_ARGS, EXTERNAL_URL, checkout, machine, start_server, stop_server  # noqa: E402
from proc_stats import cpu_seconds, rss_mb  # noqa: E402
from st_client import Session  # noqa: E402

#: The last revision before the classroom work (fragment-timer player, entry-counted caches).
BASELINE_REV = "25c647c"
BIG_N = 1_000_000
PAGE_NAMES = (
    "Data",
    "Init",
    "Predict",
    "Loss",
    "Gradients",
    "Update",
    "Learning_Rate",
    "Bad_Feature",
    "Scaling",
    "Rinse_and_Repeat",
)
RSS_TARGET_MB = 500
CPU_TARGET = 0.02
FPS_TARGET = 24


@contextlib.contextmanager
def served(root: Path):
    proc, url = start_server(root)
    try:
        yield proc, url
    finally:
        stop_server(proc)


# --------------------------------------------------------------------------- (a) memory


async def hostile(url: str, pid: int, settings: int) -> dict:
    """Open ``settings`` distinct N = 10⁶ settings across the pages; track the server's RSS."""
    peak = start = rss_mb(pid)
    trace = []
    failures = 0
    t0 = time.monotonic()
    for i in range(settings):
        session = Session(url)
        await session.connect()
        run = await session.run_page(PAGE_NAMES[i % len(PAGE_NAMES)], f"n={BIG_N}&seed={7000 + i}")
        failures += bool(run["exceptions"]) or run.get("status") != "FINISHED_SUCCESSFULLY"
        await session.close()
        trace.append(round(rss_mb(pid)))
        peak = max(peak, trace[-1])
    return {
        "start": start,
        "peak": peak,
        "end": rss_mb(pid),
        "failures": failures,
        "trace": trace,
        "seconds": time.monotonic() - t0,
    }


# --------------------------------------------------------------------------- (b, c) playback


_FRAME_JS = """() => {
  const hosts = [document, ...[...document.querySelectorAll('*')].filter(e => e.shadowRoot).map(e => e.shadowRoot)];
  for (const h of hosts) {
    const p = h.querySelector('[data-testid="gd-player"]');
    if (p) return {kind: 'browser', frame: +p.dataset.frame, draws: +p.dataset.draws};
  }
  // The old player: its scrubber ("Epoch (drag to scrub)") shows the frame as its value text.
  const scrub = [...document.querySelectorAll('[data-testid="stSlider"]')].find(e => /scrub/i.test(e.innerText));
  const lines = scrub ? scrub.innerText.split(String.fromCharCode(10)).filter(t => t.trim()) : [];
  return {kind: 'server', frame: lines.length > 1 ? +lines[1].replace(/,/g, '') : null, draws: null};
}"""


def playback(url: str, pid: int, seconds: float) -> dict:
    """Play Rinse and Repeat in headless Chromium; server CPU per second and frames drawn per second."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route(EXTERNAL_URL, lambda route: route.abort())
        page.goto(url + "/Rinse_and_Repeat", wait_until="domcontentloaded")
        page.wait_for_selector(APP_READY, timeout=120_000)
        page.wait_for_timeout(3000)  # charts mounted, server idle
        first = page.evaluate(_FRAME_JS)
        page.get_by_role("button", name=re.compile(r"^(▶ )?Play$")).first.click()
        page.wait_for_timeout(500)
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        seen, draws0 = set(), page.evaluate(_FRAME_JS)["draws"]
        last = None
        while time.monotonic() - t0 < seconds:
            state = page.evaluate(_FRAME_JS)
            if first["kind"] == "server" and state["frame"] != last:
                seen.add((state["frame"], time.monotonic()))
                last = state["frame"]
            page.wait_for_timeout(20)
        elapsed = time.monotonic() - t0
        cpu = cpu_seconds(pid) - cpu0
        end = page.evaluate(_FRAME_JS)
        browser.close()
    frames = (end["draws"] - draws0) if first["kind"] == "browser" else len(seen)
    return {"kind": first["kind"], "cpu_per_s": cpu / elapsed, "fps": frames / elapsed}


# --------------------------------------------------------------------------- report


def measure(root: Path, settings: int, play_seconds: float) -> dict:
    with served(root) as (proc, url):
        warm = Session(url)

        async def warm_up() -> None:
            await warm.connect()
            await warm.run_page("Rinse_and_Repeat", "")
            await warm.close()

        asyncio.run(warm_up())
        play = playback(url, proc.pid, play_seconds)
        mem = asyncio.run(hostile(url, proc.pid, settings))
    return {**mem, **play}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE_REV, help="revision to compare with, or 'none'")
    parser.add_argument("--settings", type=int, default=40, help="distinct N = 10⁶ settings in the hostile sequence")
    parser.add_argument("--play-seconds", type=float, default=10.0)
    args = parser.parse_args()

    machine()
    results = {}
    if args.baseline != "none":
        with checkout(args.baseline) as folder:
            print(f"- measuring the baseline {args.baseline} …", flush=True)
            results["before"] = measure(folder, args.settings, args.play_seconds)
    print("- measuring this checkout …", flush=True)
    results["after"] = measure(ROOT, args.settings, args.play_seconds)

    rows = [
        (f"RSS peak over {args.settings} distinct N = 10⁶ settings (MiB)", "peak", f"≤ {RSS_TARGET_MB}", "{:.0f}"),
        ("RSS after the sequence (MiB)", "end", "", "{:.0f}"),
        ("RSS before the sequence (MiB)", "start", "", "{:.0f}"),
        ("runs that failed", "failures", "0", "{:.0f}"),
        ("server CPU of one playing learner (CPU-s/s)", "cpu_per_s", f"≤ {CPU_TARGET}", "{:.3f}"),
        ("frames drawn per second while playing", "fps", f"≥ {FPS_TARGET}", "{:.1f}"),
    ]
    before = results.get("before")
    print(f"\n| figure | target | before ({args.baseline}) | after | after / before |\n|---|---:|---:|---:|---:|")
    for name, key, target, fmt in rows:
        after = results["after"][key]
        b = before[key] if before else None
        ratio = f"{after / b:.3g}×" if b else "–"
        print(f"| {name} | {target} | {fmt.format(b) if b is not None else '–'} | {fmt.format(after)} | {ratio} |")
    print(f"\nplayer kind: before {before['kind'] if before else '–'}, after {results['after']['kind']}")


if __name__ == "__main__":
    main()
