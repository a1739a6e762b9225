"""The keyboard alone: Tab reaches every control with a visible focus, the player obeys its keys,
and Alt+P / Alt+N move between the steps (ui.page.navigation) without clashing with the player's
keys (← → space Home End) or the browser's (Alt+← / Alt+→ go back and forward).
"""

from __future__ import annotations

PLAYER = '[data-testid="gd-player"]'
MAIN = '[data-testid="stMain"]'

#: The focused element (inside shadow roots too: the player's controls live in one), and its box.
FOCUSED_JS = """() => {
  let e = document.activeElement;
  while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
  const r = e.getBoundingClientRect();
  return {tag: e.tagName, name: e.getAttribute('aria-label') || (e.innerText || e.value || '').slice(0, 40),
          box: [r.x, r.y, r.width, r.height]};
}"""


def _pathname(page) -> str:
    return page.evaluate("location.pathname")


def _frame(page) -> int:
    return int(page.locator(PLAYER).get_attribute("data-frame") or -1)


def test_tab_shows_where_the_focus_is(page, app_server, open_page):
    """Every Tab stop on a step page (sidebar, self-check, toggles, charts' toolbars, links) looks
    different focused and blurred: a focus ring or highlight the eye can find."""
    open_page(page, app_server, "/Update")
    expander = page.locator(f"{MAIN} [data-testid=stExpander]").filter(has_text="Predict, then check").first
    expander.locator("summary").click()  # its radio buttons and number box join the Tab order
    # Wait until the fold has finished opening: a control still sliding in looks the same focused
    # and blurred in the two screenshots below (one CI run failed on the self-check's answer box).
    expander.locator("input").first.wait_for(state="visible")
    page.wait_for_timeout(500)
    page.mouse.move(0, 0)
    page.locator("body").focus()
    unseen, stops = [], 0
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        x, y, w, h = focused["box"]
        if focused["tag"] in ("BODY", "MAIN") or w == 0 or h == 0:
            continue
        stops += 1
        clip = {"x": max(0, x - 6), "y": max(0, y - 6), "width": w + 12, "height": h + 12}
        shown = page.screenshot(clip=clip, animations="disabled")
        page.evaluate("() => { window.__gdFocused = document.activeElement; document.activeElement.blur(); }")
        hidden = page.screenshot(clip=clip, animations="disabled")
        page.evaluate("() => window.__gdFocused.focus({focusVisible: true})")
        if shown == hidden:
            unseen.append(f"{focused['tag']} {focused['name']!r}")
    assert stops > 30
    assert unseen == [], f"no visible focus on: {unseen}"


def test_keys_drive_the_player_and_the_step_links(page, app_server, open_page, wait_for_rerun):
    open_page(page, app_server, "/Learning_Rate")
    root = page.locator(PLAYER)
    root.wait_for()
    page.wait_for_function("(e) => Number(e.getAttribute('data-draws') || 0) > 0", arg=root.element_handle())
    # The player is reached by Tab, like any control.
    for _ in range(200):
        page.keyboard.press("Tab")
        if root.evaluate("(e) => e.getRootNode().activeElement === e"):
            break
    else:
        raise AssertionError("Tab never reached the player")
    page.keyboard.press("End")
    last = _frame(page)
    assert last == int(root.get_attribute("data-n-frames")) - 1
    page.keyboard.press("Home")
    assert _frame(page) == 0
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert _frame(page) == 1
    page.keyboard.press("Space")
    assert root.get_attribute("data-playing") == "true"
    page.keyboard.press("Space")
    assert root.get_attribute("data-playing") == "false"
    wait_for_rerun(page)  # the pause tells Python where it stopped

    # The step links show their shortcuts, and Alt+N works with the focus still in the player.
    links = page.locator(".st-key-step_links")
    assert "Alt" in links.inner_text() and "Update" in links.inner_text() and "Bad Feature" in links.inner_text()
    root.focus()
    frame = _frame(page)
    page.keyboard.press("Alt+N")
    page.wait_for_function("() => location.pathname === '/Bad_Feature'")
    wait_for_rerun(page)
    assert page.locator(f"{MAIN} h1").first.inner_text().startswith("Step 8")
    page.keyboard.press("Alt+P")
    page.wait_for_function("() => location.pathname === '/Learning_Rate'")
    wait_for_rerun(page)
    assert page.locator(f"{MAIN} h1").first.inner_text().startswith("Step 7")
    assert frame >= 1
    assert page.console_errors == []
