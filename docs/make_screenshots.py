"""Take the README's screenshots (run on purpose, never by the tests).

    .venv/bin/python docs/make_screenshots.py

Serves this checkout on a free local port, opens each page in headless Chromium
(Debian's, /usr/bin/chromium) at 1280 px in the light theme, waits until its charts and
the player have drawn, and writes ``docs/screenshots/<name>.png``: whole pages for the
landing page, Loss, Learning Rate and Rinse and Repeat, and the "Reproduce this page in
code" section of Rinse and Repeat. Look at them before committing.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_pages import APP_READY, CHROMIUM, CHROMIUM_ARGS, EXTERNAL_URL, start_server, stop_server  # noqa: E402

#: (file name, URL path, what to switch on first)
PAGES = [
    ("landing", "/", None),
    ("Loss", "/Loss", "Show the rotatable 3-D surface"),
    ("Learning_Rate", "/Learning_Rate", None),
    ("Rinse_and_Repeat", "/Rinse_and_Repeat", None),
]
SETTLE_MS = 4_000  # Vega views and the player mount after the script has finished
MAX_HEIGHT = 12_000


def _open(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(APP_READY, timeout=120_000)
    page.wait_for_timeout(SETTLE_MS)


def _whole_page(page, path: Path) -> None:
    """Grow the viewport to the main area's height (it scrolls itself), then shoot it all."""
    height = page.evaluate("""() => { const m = document.querySelector('[data-testid="stMain"]');
                                      return Math.max(m ? m.scrollHeight : 0, document.body.scrollHeight); }""")
    page.set_viewport_size({"width": 1280, "height": int(min(max(height, 900), MAX_HEIGHT))})
    page.wait_for_timeout(SETTLE_MS)
    page.screenshot(path=str(path), full_page=True)


def _section(page, heading: str, path: Path, height: int = 620) -> None:
    """The main column from ``heading`` down, ``height`` pixels of it."""
    title = page.get_by_role("heading", name=heading)
    title.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    top = title.bounding_box()["y"] - 10
    main = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
    page.screenshot(path=str(path), clip={"x": main["x"], "y": top, "width": main["width"], "height": height})


def main() -> None:
    from playwright.sync_api import sync_playwright

    proc, url = start_server(ROOT)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
            )
            for name, path, switch in PAGES:
                page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="light")
                page.route(EXTERNAL_URL, lambda route: route.abort())
                _open(page, url + path)
                if switch:
                    page.get_by_text(switch).click()
                    page.wait_for_timeout(SETTLE_MS)
                _whole_page(page, OUT / f"{name}.png")
                print(f"wrote {OUT / f'{name}.png'}")
                page.close()
            page = browser.new_page(viewport={"width": 1400, "height": 900}, color_scheme="light")
            page.route(EXTERNAL_URL, lambda route: route.abort())
            _open(page, url + "/Rinse_and_Repeat")
            _section(page, "Reproduce this page in code", OUT / "Reproduce.png")
            print(f"wrote {OUT / 'Reproduce.png'}")
            browser.close()
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main()
