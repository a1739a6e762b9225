""" "Reproduce this page in code": every step page's script prints the page's own numbers.

For every step page at the defaults and at three other links (another N and seed, η near
the critical rate, mini-batch descent; plus a diverging run on the pages where η matters),
the page runs in AppTest, its script is taken from the code element and run by a clean
interpreter (``python -I`` in an empty directory, where neither ``gdcore`` nor ``ui`` can
be imported), and every ``label: value`` line it prints must match the page's metric of
that label, or appear in the page's text, character for character.

All scripts and notebooks run in ONE subprocess (each in a fresh namespace) to keep the
file fast; the Rinse and Repeat script at the defaults also runs on its own, as a learner
would run it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from kit import FORBIDDEN, FUZZ_SETS, metrics, run_page
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from ui.registry import STEPS
from ui.reproduce import PATH_EPOCHS, cells, notebook, script
from ui.settings import DEFAULTS, STATE_KEY

#: The step pages' names in tests/kit.py, in step order (from the page registry).
PAGES = tuple(entry.url_path.lower() for entry in STEPS)
SETTINGS: dict[str, dict[str, str]] = {
    "defaults": {},
    "other-n-and-seed": {"n": "250", "seed": "7", "noise": "0.3", "w0": "-1.25"},
    "near-critical-lr": {"lr": "0.8"},
    "minibatch": {"batch": "16"},
    # Real data: loaded from scikit-learn, split with the seed, no true line.
    "iris": {"data": "iris", "seed": "3"},
}
#: A run that blows up (about epoch 350), on the pages whose numbers depend on η.
DIVERGING = {"lr": "1.5", "epochs": "1000", "b0": "0.5", "batch": "10"}
DIVERGING_PAGES = ("update", "learning_rate", "rinse_and_repeat")

#: Printed lines that are not metrics: where their value stands in the page's text.
IN_TEXT = {
    "First training indices": "First training indices: `{}, …`",
    "Printed by numpy": "`{}`",
    "Your start": "You chose your own start in the sidebar: {}.",
    "MSE in full": "In full, as numpy prints it: `{}`.",
    "Gradients in full": "In full, as numpy prints them: `{}`.",
    "Printed by numpy, before": "`{}` →",
    "Printed by numpy, after": "→ `{}`",
    "Batch descent at this η": "**{}.**",
    "Numbers stopped being finite during epoch": "the numbers stopped being finite during epoch {}, so",
    "The loss passes 1,000,000 at epoch": "The loss passes 1,000,000 at epoch {}.",
    "Last epoch with finite numbers": "After epoch {} the numbers no longer fit in a float",
    "Batch: final (b, w)": "batch descent is at {},",
    "Mini-batch: final (b, w)": "mini-batch at {} and",
    "Stochastic: final (b, w)": "stochastic at {};",
}

RUNNER = textwrap.dedent('''
    """Run scripts and notebooks given as JSON, each in a fresh namespace; print their outputs as JSON."""
    import contextlib, importlib.util, io, json, sys

    # The clean interpreter must not see the app: the code has to stand on its own.
    assert importlib.util.find_spec("gdcore") is None, "gdcore is importable"
    assert importlib.util.find_spec("ui") is None, "ui is importable"
    jobs = json.loads(sys.stdin.read())
    outputs = {}
    for key, kind, text in jobs:
        sources = [text] if kind == "script" else [
            "".join(c["source"]) for c in json.loads(text)["cells"] if c["cell_type"] == "code"]
        namespace = {"__name__": "__main__"}
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            for i, source in enumerate(sources):
                exec(compile(source, f"<{key} cell {i}>", "exec"), namespace)
        outputs[key] = buffer.getvalue()
    sys.stdout.write(json.dumps(outputs))
''')


def _clean_python(args: list[str], cwd: Path, stdin: str = "", timeout: float = 240) -> str:
    """Run the interpreter isolated (-I: no user site, no PYTHON* variables, no script dir on the path)."""
    done = subprocess.run(
        [sys.executable, "-I", "-X", "utf8", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def parse(output: str) -> list[tuple[str, str]]:
    """The ``label: value`` lines of a script's output (labels may hold ': ', values never do)."""
    pairs = []
    for line in output.splitlines():
        label, sep, value = line.rpartition(": ")
        assert sep and label and value, f"unparsable line {line!r}"
        pairs.append((label, value))
    return pairs


def shown_text(at) -> str:
    """The page's visible text (without the code element, which holds the script itself)."""
    kinds = ("markdown", "latex", "caption", "success", "info", "warning", "error", "title", "subheader")
    return "\n".join(str(el.value) for kind in kinds for el in at.get(kind))


def code_of(at) -> str:
    """The script shown by the page's "Reproduce this page in code" section."""
    blocks = [el for el in at.get("code") if el.language == "python"]
    assert len(blocks) == 1, [el.value[:80] for el in at.get("code")]
    return blocks[0].value


@dataclasses.dataclass
class PageRun:
    """What one page showed: its script, numbers and text, and the settings it ran with."""

    step: int
    script: str
    metrics: dict[str, str]
    text: str
    settings: object
    downloads: list[str]


@pytest.fixture(scope="module")
def page_runs(tmp_path_factory) -> dict[tuple[str, str], PageRun]:
    runs = {}
    for step, page in enumerate(PAGES, start=1):
        cases = dict(SETTINGS)
        if page in DIVERGING_PAGES:
            cases["diverging"] = DIVERGING
        for case, query in cases.items():
            at = run_page(page, query)
            assert not at.exception, (page, case, [e.value for e in at.exception])
            runs[(page, case)] = PageRun(
                step,
                code_of(at),
                metrics(at),
                shown_text(at),
                at.session_state[STATE_KEY],
                [b.label for b in at.get("download_button")],
            )
    return runs


@pytest.fixture(scope="module")
def outputs(page_runs, tmp_path_factory) -> dict[str, str]:
    """Every page's script, and the notebook of every page at the defaults, run in one clean interpreter."""
    jobs = [[f"{page}/{case}", "script", run.script] for (page, case), run in page_runs.items()]
    for page in PAGES:
        run = page_runs[(page, "defaults")]
        jobs.append([f"{page}/notebook", "notebook", notebook(run.step, run.settings)])
    workdir = tmp_path_factory.mktemp("clean")
    (workdir / "runner.py").write_text(RUNNER, encoding="utf-8")
    return json.loads(_clean_python(["runner.py"], workdir, json.dumps(jobs)))


CASES = [(page, case) for page in PAGES for case in (*SETTINGS, *(("diverging",) if page in DIVERGING_PAGES else ()))]


@pytest.mark.parametrize(("page", "case"), CASES, ids=[f"{p}-{c}" for p, c in CASES])
def test_script_prints_the_page_numbers(page_runs, outputs, page, case):
    run = page_runs[(page, case)]
    printed = parse(outputs[f"{page}/{case}"])
    assert len(printed) >= 4, printed
    for label, value in printed:
        if label in run.metrics:
            assert run.metrics[label] == value, (label, run.metrics[label], value)
        else:
            assert label in IN_TEXT, f"{label!r} is neither a metric of the page nor a known text"
            wanted = IN_TEXT[label].format(value)
            assert wanted in run.text, (label, wanted)
    # The script shown is the one the module builds from the page's validated settings.
    assert run.script == script(run.step, run.settings, path_epochs=PATH_EPOCHS).rstrip("\n")  # st.code trims it
    assert run.downloads[-2:] == ["Download the script (.py)", "Download the notebook (.ipynb)"]


def test_every_page_prints_its_headline_numbers(page_runs, outputs):
    """The numbers the issue names are among those checked above (at the defaults)."""
    wanted = {
        "data": {"Training points": "80", "Validation points": "20"},
        "init": {"Random b": "0.4967", "Random w": "-0.1383"},
        "loss": {"MSE (loss)": "2.7422", "Minimum b*": "1.0235", "MSE in full": "2.7421577700550976"},
        "gradients": {"∂MSE/∂b": "-3.0448", "∂MSE/∂w": "-1.8338"},
        "update": {"b after one update": "0.8012", "w after one update": "0.0451"},
        "learning_rate": {"Limit along b (2/curvature)": "1.0000", "Critical rate 2/λ_max": "0.8055"},
        "bad_feature": {"After: critical η": "0.0309"},
        "scaling": {"Mean of x, 6 decimals": "0.472459", "σ of x, 6 decimals": "0.306225"},
        "rinse_and_repeat": {
            "b after 1,000 epochs": "1.0235",
            "w after 1,000 epochs": "1.9690",
            "Final training MSE": "0.0080",
        },
    }
    for page, numbers in wanted.items():
        printed = dict(parse(outputs[f"{page}/defaults"]))
        for label, value in numbers.items():
            assert printed[label] == value, (page, label)


def test_diverging_run_says_where_it_stopped(page_runs, outputs):
    printed = dict(parse(outputs["rinse_and_repeat/diverging"]))
    epoch = printed["Numbers stopped being finite during epoch"]
    assert 1 < int(epoch.replace(",", "")) < 1000
    assert "Printed by numpy" not in printed  # no final line to print
    lr_printed = dict(parse(outputs["learning_rate/diverging"]))
    assert lr_printed["Batch descent at this η"] == "Diverges"
    assert int(lr_printed["Last epoch with finite numbers"]) == int(epoch.replace(",", "")) - 1


def test_rinse_script_runs_alone_like_a_learner_would(page_runs, tmp_path):
    """The default Rinse and Repeat script, saved to a file and run by a clean interpreter, gives 1.0235 and 1.9690."""
    path = tmp_path / "rinse.py"
    path.write_text(page_runs[("rinse_and_repeat", "defaults")].script, encoding="utf-8")
    probe = "import importlib.util; print(importlib.util.find_spec('gdcore'))"
    assert _clean_python(["-c", probe], tmp_path).strip() == "None"
    printed = dict(parse(_clean_python([str(path)], tmp_path)))
    assert (printed["b after 1,000 epochs"], printed["w after 1,000 epochs"]) == ("1.0235", "1.9690")
    assert printed["Printed by numpy"] == "[1.02354094] [1.96896411]"


def test_rinse_paths_follow_the_page_controls(tmp_path):
    """The paths' epochs slider and the reference-start toggle reach the script, and its numbers still match."""
    at = run_page("rinse_and_repeat", {"batch": "8"})
    at.slider(key="rinse_path_epochs").set_value(7)
    at.toggle(key="rinse_paths_book_start").set_value(True)
    at.run()
    assert not at.exception
    code = code_of(at)
    assert "path_epochs = 7\n" in code and "np.array([0.83]), np.array([0.7645])" in code
    page_metrics, text = metrics(at), shown_text(at)
    (tmp_path / "rinse.py").write_text(code, encoding="utf-8")
    printed = parse(_clean_python(["rinse.py"], tmp_path))
    paths = [(label, value) for label, value in printed if label.split(":")[0] in ("Batch", "Mini-batch", "Stochastic")]
    assert len(paths) == 6
    for label, value in paths:
        if label in page_metrics:
            assert page_metrics[label] == value, label
        else:
            assert IN_TEXT[label].format(value) in text, label
    assert dict(printed)["Updates per epoch: k = 8"] == page_metrics["Updates per epoch: k = 8"] == "10"


def test_downloads_hold_the_script_and_the_notebook(monkeypatch):
    """What the two download buttons hand out: the code shown, and a notebook of the same cells."""
    files: dict[str, bytes] = {}
    store = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        if isinstance(path_or_data, bytes) and filename:
            files[filename] = path_or_data
        return store(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    at = run_page("update", {"lr": "0.3", "b0": "1.5"})
    assert not at.exception
    code = code_of(at)
    assert files["step06_update.py"].decode("utf-8") == code + "\n"
    nb = nbformat.reads(files["step06_update.ipynb"].decode("utf-8"), as_version=4)
    nbformat.validate(nb)
    sources = ["".join(c.source) for c in nb.cells if c.cell_type == "code"]
    assert sources == [c.code.rstrip("\n") for c in cells(6, at.session_state[STATE_KEY])]
    assert "b = np.array([1.5])" in sources[2] and "lr = 0.3\n" in sources[-1]


@pytest.mark.parametrize("page", PAGES)
def test_notebook_is_valid_and_prints_the_same(page_runs, outputs, page):
    run = page_runs[(page, "defaults")]
    text = notebook(run.step, run.settings)
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    headings = ["".join(c.source) for c in nb.cells if c.cell_type == "markdown"][1:]
    assert headings == [f"## {c.title}" for c in cells(run.step, run.settings)]
    assert headings[-1] == f"## Step {run.step} · {STEPS[run.step - 1].label}"
    assert outputs[f"{page}/notebook"] == outputs[f"{page}/defaults"]


_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])")


def _skeleton(code: str) -> str:
    """The code with every number literal replaced by one placeholder."""
    return _NUMBER.sub("#", code)


@pytest.mark.parametrize("fuzz", list(FUZZ_SETS))
def test_hostile_links_give_valid_code_with_numbers_only(fuzz):
    """After the sidebar's validation, a hostile link changes only number literals in the script."""
    query = FUZZ_SETS[fuzz]
    at = run_page("rinse_and_repeat", query)  # a list value repeats its key in the link
    assert not at.exception
    code = code_of(at)
    compile(code, "<reproduce>", "exec")
    settings = at.session_state[STATE_KEY]
    # The same script with the book's numbers (and a chosen start where the link set one)
    reference = dataclasses.replace(
        DEFAULTS, b0=None if settings.b0 is None else 0.5, w0=None if settings.w0 is None else 0.5
    )
    assert _skeleton(code) == _skeleton(script(10, reference)).rstrip("\n")
    for bad in FORBIDDEN:
        assert bad not in code
    for raw in (v for value in query.values() for v in (value if isinstance(value, list) else [value])):
        if len(raw.strip()) >= 4 and not _NUMBER.fullmatch(raw.strip()):
            assert raw not in code, raw
