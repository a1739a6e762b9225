"""Links in a real browser: a cold #section link scrolls to its heading and keeps its hash; η typed
on the page reaches the address bar; a toggle survives a reload of the link the section control copies."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.e2e

HEADING_IN_VIEW = """(anchor) => {
  const el = document.getElementById(anchor);
  if (!el) return false;
  const r = el.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight;
}"""


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.evaluate("location.href")).query, keep_blank_values=True)


def test_cold_section_link_scrolls_to_the_heading_and_keeps_the_hash(page, app_server, open_page):
    anchor = "closed-form-versus-descent"
    open_page(page, app_server, "/Rinse_and_Repeat", query=f"lr=0.1#{anchor}")
    # The charts above the heading load after it and push it down; it must end up (and stay) in view.
    page.wait_for_function(HEADING_IN_VIEW, arg=anchor, timeout=20_000, polling=200)
    page.wait_for_timeout(2_500)
    assert page.evaluate(HEADING_IN_VIEW, anchor), "the linked heading left the viewport"
    assert page.evaluate("location.hash") == f"#{anchor}"
    assert _query(page).get("lr") == ["0.1"], page.url


def test_eta_typed_on_the_page_reaches_the_address_bar(page, app_server, open_page, wait_for_rerun):
    open_page(page, app_server, "/Learning_Rate")
    box = page.locator(".st-key-lr_eta_control input")
    box.fill("0.3217")
    box.press("Enter")
    wait_for_rerun(page)
    page.wait_for_function("() => new URL(location.href).searchParams.get('lr') === '0.3217'", timeout=20_000)
    sidebar_box = page.locator('[data-testid="stSidebar"] [data-testid="stNumberInput"] input').first
    assert float(sidebar_box.input_value()) == pytest.approx(0.3217)


def test_a_toggle_survives_a_reload_of_the_copied_section_link(page, app_server, open_page, wait_for_rerun):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_server)
    open_page(page, app_server, "/Update")
    page.locator(".st-key-update_sequential label").first.click()
    wait_for_rerun(page)
    page.wait_for_function("() => new URL(location.href).searchParams.get('mistake') === '1'", timeout=20_000)
    anchor = "the-line-after-one-update"
    control = page.locator(f'[data-testid="gd-section-link"][data-anchor="{anchor}"]')
    assert control.get_attribute("aria-label") == "Copy a link to this section"
    control.click()
    page.wait_for_selector(f'[data-testid="gd-section-link"][data-anchor="{anchor}"][data-copied="yes"]')
    copied = page.evaluate("navigator.clipboard.readText()")
    url = urlparse(copied)
    assert url.path == "/Update" and url.fragment == anchor, copied
    assert parse_qs(url.query).get("mistake") == ["1"], copied
    assert page.evaluate("location.hash") == f"#{anchor}"  # the link is in the address bar too

    fresh = page.context.new_page()  # a new session, as a learner opening the shared link
    fresh.goto(copied, wait_until="domcontentloaded")
    fresh.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    switch = fresh.locator(".st-key-update_sequential").get_by_role("switch")
    switch.wait_for()
    assert switch.is_checked()
    fresh.wait_for_function(HEADING_IN_VIEW, arg=anchor, timeout=20_000, polling=200)
    assert re.search(r"[?&]mistake=1(&|#|$)", fresh.evaluate("location.href"))
    fresh.close()
