"""Robustness of every page (AppTest, no browser): malformed links, divergence, tiny data.

* URL fuzz: each page runs with several query strings whose every parameter is malformed
  (not a number, NaN/inf, negative, huge, empty, unicode, HTML/script and Markdown
  payloads, repeated keys). No exception; each rejected value gets a warning naming its
  parameter; no payload text is rendered outside a code span; the URL the page writes
  back holds only valid numbers.
* Divergence: lr = 2.5 with 10,000 epochs (also with batch = 1 on n = 10). No exception, no
  non-finite number in any chart's data or spec.
* Tiny data: n = 10 and noise = 0. No exception.

Pages come from ``ui.page.STEPS`` plus the landing page, so new steps are covered. Each
page is one test that runs all its query sets in a row, so the page's cached data are
shared between the runs (the autouse fixture clears the caches between tests).
"""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from kit import DIVERGENCE_SETS, FORBIDDEN, FUZZ_SETS
from streamlit.testing.v1 import AppTest

from ui.page import STEPS
from ui.settings import PARAMS

ROOT = Path(__file__).resolve().parents[2]
PAGE_FILES = [("landing", ROOT / "streamlit_app.py")] + [
    (label.replace(" ", "_"), ROOT / path) for path, label in STEPS
]
PAGE_IDS = [name for name, _ in PAGE_FILES]

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
#: Text that must never be rendered outside a code span.
#: Position channels: a missing value there would make Vega drop or misplace a mark.
POSITION_CHANNELS = {"x", "y", "x2", "y2", "theta", "radius", "latitude", "longitude", "xOffset", "yOffset"}


def run(path: Path, query: dict[str, str | list[str]], timeout: float = 90) -> AppTest:
    at = AppTest.from_file(str(path), default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    return at


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


def check_finite_charts(at: AppTest, where: str) -> list[str]:
    """Every numeric value sent to a chart is finite; position fields have no missing values;
    no spec contains NaN or Infinity."""
    problems = []

    def bad_constant(token):
        raise ValueError(token)

    for i, el in enumerate(at.get("vega_lite_chart")):
        try:
            spec = json.loads(el.proto.spec, parse_constant=bad_constant)
        except ValueError as exc:
            problems.append(f"{where}: chart {i}: Vega-Lite spec contains {exc}")
            spec = {}
        positional: set[str] = set()

        def walk(node, positional=positional):
            if isinstance(node, dict):
                enc = node.get("encoding")
                if isinstance(enc, dict):
                    for channel, d in enc.items():
                        if channel in POSITION_CHANNELS and isinstance(d, dict) and isinstance(d.get("field"), str):
                            positional.add(d["field"])
                for v in node.values():
                    walk(v, positional)
            elif isinstance(node, list):
                for v in node:
                    walk(v, positional)

        walk(spec)
        for j, ds in enumerate(el.proto.datasets):
            table = pa.ipc.open_stream(io.BytesIO(ds.data.data)).read_all()
            for name in table.column_names:
                col = table[name]
                if not (pa.types.is_floating(col.type) or pa.types.is_integer(col.type)):
                    continue
                present = len(col) - col.null_count
                if pa.types.is_floating(col.type) and present:
                    finite = pc.sum(pc.is_finite(col)).as_py() or 0
                    if finite != present:
                        problems.append(
                            f"{where}: chart {i} dataset {j} column {name!r}: "
                            f"{present - finite} non-finite value(s) of {len(col)}"
                        )
                if name in positional and col.null_count:
                    problems.append(
                        f"{where}: chart {i} dataset {j} position column {name!r}: "
                        f"{col.null_count} missing value(s) (NaN/None) of {len(col)}"
                    )
    for i, el in enumerate(at.get("plotly_chart")):
        try:
            json.loads(el.proto.spec, parse_constant=bad_constant)
        except ValueError as exc:
            problems.append(f"{where}: Plotly chart {i}: figure JSON contains {exc}")
    return problems


# --------------------------------------------------------------------------- tests


def test_fuzz_sets_cover_every_parameter():
    covered = set().union(*(q.keys() for q in FUZZ_SETS.values()))
    assert covered == set(PARAMS), f"parameters never fuzzed: {set(PARAMS) - covered}"


@pytest.mark.parametrize("path", [p for _, p in PAGE_FILES], ids=PAGE_IDS)
def test_malformed_links(path):
    problems: list[str] = []
    for set_name, query in FUZZ_SETS.items():
        where = f"{path.name} [{set_name}]"
        at = run(path, query)
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
        at = run(path, query)
        problems += check_no_exception(at, where)
        problems += check_finite_charts(at, where)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", [p for _, p in PAGE_FILES], ids=PAGE_IDS)
def test_tiny_noiseless_data(path):
    where = f"{path.name} [n=10, noise=0]"
    at = run(path, {"n": "10", "noise": "0"})
    problems = check_no_exception(at, where) + check_finite_charts(at, where)
    assert not problems, "\n".join(problems)
