"""The page registry (ui/registry.py) is the one list of pages, and the README's recipe for a new page works."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from kit import PAGES, run_page

from ui.registry import HOME, STEPS

ROOT = Path(__file__).resolve().parents[2]


def test_registry_lists_every_page_file_once_in_order():
    files = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
    assert [entry.file for entry in STEPS] == files
    assert len({entry.url_path for entry in STEPS}) == len(STEPS)
    assert [int(Path(entry.file).name.split("_", 1)[0]) for entry in STEPS] == list(range(1, len(STEPS) + 1))


def test_test_kit_reads_the_registry():
    assert PAGES["landing"] == ROOT / HOME
    assert [PAGES[entry.url_path.lower()] for entry in STEPS] == [ROOT / entry.file for entry in STEPS]


def test_menu_lists_the_overview_and_numbered_steps():
    at = run_page("loss")
    menu = [m.value for m in at.sidebar.markdown if m.value.startswith("[")]
    assert menu[: len(STEPS) + 1] == ["[Overview](/)"] + [
        f"[{i} · {entry.label}](/{entry.url_path})" for i, entry in enumerate(STEPS, start=1)
    ]


def test_landing_page_links_every_step():
    at = run_page("landing")
    links = [(el.proto.label, el.proto.page) for el in at.main.get("page_link")]
    assert links == [(f"{i}. {entry.label}", entry.url_path) for i, entry in enumerate(STEPS, start=1)]
    assert [c.value for c in at.caption][: len(STEPS)] == [e.summary[0].upper() + e.summary[1:] + "." for e in STEPS]


#: The README's recipe, followed in a copy of the app: a new page file and one registry entry.
NEW_PAGE = '''\
"""Step 11 · Extra: a page added by following the README's recipe."""

import streamlit as st

import ui
from ui.page import header, navigation, setup


def show_the_idea() -> None:
    st.subheader("The idea")
    st.markdown("One more step.")


setup(11)
s = ui.sidebar()
header(11, "An extra step, added by the recipe.")
show_the_idea()
navigation(11)
'''

NEW_ENTRY = """    Step("pages/11_Extra.py", "Extra", "An extra step", "a page added by the recipe", "➕"),
"""

#: Run in the copy (its own ui package): what the landing page, the menu, the step links and the kit show.
PROBE = """
import json, sys
sys.path[:0] = [".", "tests"]
from streamlit.testing.v1 import AppTest
import kit
landing = AppTest.from_file("streamlit_app.py", default_timeout=60).run()
extra = AppTest.from_file("pages/11_Extra.py", default_timeout=60).run()
before = AppTest.from_file("pages/10_Rinse_and_Repeat.py", default_timeout=120).run()
print(json.dumps({
    "landing_links": [el.proto.label for el in landing.main.get("page_link")],
    "landing_errors": [str(e.value) for e in landing.exception],
    "menu": [m.value for m in extra.sidebar.markdown],
    "title": [t.value for t in extra.title],
    "extra_errors": [str(e.value) for e in extra.exception],
    "previous_links": [m.value for m in before.main.markdown if m.value.startswith("[")],
    "kit": sorted(kit.PAGES),
}))
"""


def test_a_page_added_by_the_readme_recipe_shows_up_everywhere(tmp_path):
    app = tmp_path / "app"
    for name in ("streamlit_app.py", "pages", "ui", "gdcore", ".streamlit", "tests/kit.py"):
        source, target = ROOT / name, app / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    (app / "pages" / "11_Extra.py").write_text(NEW_PAGE)
    registry = app / "ui" / "registry.py"
    text = registry.read_text()
    end = text.index("\n)\n", text.index("STEPS: tuple[Step, ...] = ("))
    registry.write_text(text[: end + 1] + NEW_ENTRY + text[end + 1 :])

    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PROBE)], cwd=app, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["landing_errors"] == [] and seen["extra_errors"] == []
    assert seen["landing_links"][-1] == "11. Extra"
    assert "[11 · Extra](/Extra)" in seen["menu"]
    assert seen["title"] == ["Step 11 · An extra step"]
    assert "[Extra →](/Extra)" in seen["previous_links"]
    assert "extra" in seen["kit"]
