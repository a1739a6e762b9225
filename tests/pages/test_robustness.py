"""Robustness of every page (AppTest, no browser): malformed links, divergence, tiny data.

* URL fuzz: each page runs with several query strings whose every parameter is malformed
  (not a number, NaN/inf, negative, huge, empty, unicode, HTML/script and Markdown
  payloads, repeated keys). No exception; each rejected value gets a warning naming its
  parameter; no payload text is rendered outside a code span; the URL the page writes
  back holds only valid numbers.
* Divergence: lr = 2.5 with 10,000 epochs (also with batch = 1 on n = 10). No exception, and
  every chart finite (``kit.chart_problems``: no inf, NaN or missing number in any chart's
  data, spec or figure).
* Tiny data: n = 10 and noise = 0. No exception, every chart finite.

Pages come from ``ui.registry.STEPS`` plus the landing page, so new steps are covered. Each
page is one test that runs all its query sets in a row, so the page's cached data are
shared between the runs (the autouse fixture clears the caches between tests).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from kit import DIVERGENCE_SETS, FORBIDDEN, FUZZ_SETS, chart_problems, run_app
from streamlit.testing.v1 import AppTest

from ui.registry import STEPS
from ui.settings import PARAMS

ROOT = Path(__file__).resolve().parents[2]
PAGE_FILES = [("landing", ROOT / "streamlit_app.py")] + [(entry.url_path, ROOT / entry.file) for entry in STEPS]
PAGE_IDS = [name for name, _ in PAGE_FILES]
#: Seconds a page run may take (several query sets run in a row on a busy machine).
TIMEOUT = 90

TEXT_KINDS = (
    "markdown",
    "caption",
    "latex",
    "title",
    "header",
    "subheader",
    "warning",
    "info",
    "success",
    "error",
    "exception",
    "toast",
)


def is_rejected(name: str, raw: str) -> bool:
    """Whether a link value must be replaced: not a finite number in the parameter's range
    (a whole number for integer parameters). An empty start (b0, w0) means "random"."""
    param = PARAMS[name]
    text = raw.strip()
    if param.optional and text.lower() in ("", "random", "none"):
        return False
    try:
        number = float(text)
    except ValueError:
        return True
    if not math.isfinite(number):
        return True
    if param.kind is int and number != round(number):
        return True
    return not (param.low <= number <= param.high)


def expected_warnings(query: dict[str, str | list[str]]) -> set[str]:
    """Parameters that must be named in a warning."""
    names = set()
    for name, value in query.items():
        values = value if isinstance(value, list) else [value]
        if len(values) > 1 or is_rejected(name, values[-1]):
            names.add(name)
    return names


def names_param(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text) is not None


def strip_code_spans(text: str) -> str:
    """Remove Markdown code spans (a run of n backticks up to the next run of exactly n)."""
    return re.sub(r"(?<!`)(`+)(?!`)(.*?)(?<!`)\1(?!`)", " ", text, flags=re.S)


def rendered_texts(at: AppTest) -> list[tuple[str, str]]:
    """(kind, text) of every element whose text reaches the page, metrics included."""
    out = []
    for kind in TEXT_KINDS:
        for el in at.get(kind):
            out.append((kind, str(getattr(el, "value", "") or "")))
    for m in at.metric:
        out.append(("metric", f"{m.label} {m.value} {getattr(m.proto, 'help', '')}"))
    return out


def check_no_exception(at: AppTest, where: str) -> list[str]:
    return [f"{where}: exception: {e.value}" for e in at.exception]


# --------------------------------------------------------------------------- tests


def test_fuzz_sets_cover_every_parameter():
    covered = set().union(*(q.keys() for q in FUZZ_SETS.values()))
    assert covered == set(PARAMS), f"parameters never fuzzed: {set(PARAMS) - covered}"


@pytest.mark.parametrize("path", [p for _, p in PAGE_FILES], ids=PAGE_IDS)
def test_malformed_links(path):
    problems: list[str] = []
    for set_name, query in FUZZ_SETS.items():
        where = f"{path.name} [{set_name}]"
        at = run_app(path, query, TIMEOUT)
        problems += check_no_exception(at, where)
        warnings = [str(w.value) for w in at.warning]
        for name in sorted(expected_warnings(query)):
            if not any(names_param(w, name) for w in warnings):
                problems.append(f"{where}: no warning names {name!r} (value {query[name]!r}); warnings: {warnings}")
        if set_name == "valid-edges" and warnings:
            problems.append(f"{where}: warnings for valid values: {warnings}")
        for kind, text in rendered_texts(at):
            outside = strip_code_spans(text)
            for bad in FORBIDDEN:
                if bad in outside:
                    problems.append(f"{where}: {kind} renders {bad!r} outside a code span: {text[:200]!r}")
        # The link the page writes back must reproduce a valid view: only numbers in range.
        for name, value in at.query_params.items():
            if name in PARAMS:
                value = value if isinstance(value, str) else (value[-1] if value else "")
                if is_rejected(name, value) or not value.strip():
                    problems.append(f"{where}: the page wrote {name}={value!r} back into the URL")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", [p for _, p in PAGE_FILES], ids=PAGE_IDS)
def test_divergence_keeps_charts_finite(path):
    problems: list[str] = []
    for set_name, query in DIVERGENCE_SETS.items():
        where = f"{path.name} [{set_name}]"
        at = run_app(path, query, TIMEOUT)
        problems += check_no_exception(at, where)
        problems += [f"{where}: {p}" for p in chart_problems(at)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", [p for _, p in PAGE_FILES], ids=PAGE_IDS)
def test_tiny_noiseless_data(path):
    where = f"{path.name} [n=10, noise=0]"
    at = run_app(path, {"n": "10", "noise": "0"}, TIMEOUT)
    problems = check_no_exception(at, where) + [f"{where}: {p}" for p in chart_problems(at)]
    assert not problems, "\n".join(problems)
