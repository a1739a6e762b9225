"""gdcore stays a pure-numpy package that never touches numpy's global RNG.

* importing it in a fresh interpreter loads none of the UI / heavy packages;
* statically, every import in gdcore/*.py is numpy, the standard-library
  modules it needs, or a relative import;
* no source calls the legacy global random functions (``np.random.seed``,
  ``np.random.rand``, ...): only ``RandomState`` instances are allowed;
* at run time, no seeded function reads or moves numpy's global random state,
  and results are the same from many threads at once.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import gdcore as g

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "gdcore"
SOURCES = sorted(PACKAGE.glob("*.py"))

FORBIDDEN_MODULES = ["streamlit", "altair", "pandas", "plotly", "sklearn", "scipy", "matplotlib"]
ALLOWED_IMPORTS = {"numpy", "__future__", "dataclasses", "typing", "math", "numbers"}
GLOBAL_RNG_FUNCTIONS = {"seed", "rand", "randn", "shuffle", "choice", "permutation", "normal", "uniform"}


def test_sources_found():
    names = {p.name for p in SOURCES}
    assert {"__init__.py", "data.py", "model.py", "surface.py", "curvature.py", "descent.py"} <= names


# --------------------------------------------------------------------------
# Fresh interpreter
# --------------------------------------------------------------------------
def _import_in_fresh_interpreter() -> dict:
    code = (
        "import json, sys\n"
        "import gdcore\n"
        "print(json.dumps({'file': gdcore.__file__, 'modules': sorted(sys.modules)}))\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def fresh_import() -> dict:
    return _import_in_fresh_interpreter()


def test_fresh_import_is_the_repository_package(fresh_import):
    assert Path(fresh_import["file"]).resolve() == PACKAGE / "__init__.py"
    assert "numpy" in fresh_import["modules"]  # sanity: the module list is real


@pytest.mark.parametrize("name", FORBIDDEN_MODULES)
def test_fresh_import_loads_no_heavy_module(fresh_import, name):
    loaded = [m for m in fresh_import["modules"] if m == name or m.startswith(name + ".")]
    assert loaded == [], f"importing gdcore loaded {loaded}"


# --------------------------------------------------------------------------
# Static checks
# --------------------------------------------------------------------------
def import_violations(source: str) -> list[str]:
    """Imports of anything but ALLOWED_IMPORTS (relative imports are fine)."""
    bad = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in ALLOWED_IMPORTS:
                    bad.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            if node.level > 0:
                continue
            if (node.module or "").split(".")[0] not in ALLOWED_IMPORTS:
                bad.append(f"line {node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__":
            bad.append(f"line {node.lineno}: __import__(...)")
    return bad


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def global_rng_uses(source: str) -> list[str]:
    """Uses of numpy's global random functions, whatever numpy is called."""
    tree = ast.parse(source)
    numpy_names = {"numpy"}
    random_names = set()
    direct = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "numpy":
                    numpy_names.add(alias.asname or "numpy")
                elif alias.name == "numpy.random" and alias.asname:
                    random_names.add(alias.asname)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if node.module == "numpy":
                for alias in node.names:
                    if alias.name == "random":
                        random_names.add(alias.asname or "random")
            elif node.module == "numpy.random":
                for alias in node.names:
                    if alias.name in GLOBAL_RNG_FUNCTIONS or alias.name == "*":
                        direct.add(alias.asname or alias.name)
    prefixes = {f"{n}.random" for n in numpy_names} | random_names
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in GLOBAL_RNG_FUNCTIONS:
            if _dotted(node.value) in prefixes:
                bad.append(f"line {node.lineno}: {_dotted(node)}")
        elif isinstance(node, ast.Name) and node.id in direct:
            bad.append(f"line {node.lineno}: {node.id}")
    if direct:
        bad.append(f"imports {sorted(direct)} from numpy.random")
    # textual backstop (catches uses hidden from the AST walk, e.g. in exec strings)
    pattern = r"\b(?:np|numpy)\.random\.(?:{})\b".format("|".join(sorted(GLOBAL_RNG_FUNCTIONS)))
    for match in re.finditer(pattern, _code_only(source)):
        bad.append(f"text: {match.group(0)}")
    return bad


def _code_only(source: str) -> str:
    """The source without docstrings and comments (which may mention np.random.seed)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            first = body[0] if body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                for i in range(first.lineno - 1, first.end_lineno):
                    lines[i] = ""
    return "\n".join(re.sub(r"#.*", "", line) for line in lines)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_only_numpy_and_small_stdlib_imports(path):
    assert import_violations(path.read_text()) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_global_random_state(path):
    assert global_rng_uses(path.read_text()) == []


def test_random_draws_come_from_randomstate_instances():
    uses = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and _dotted(node.func) in (
                "np.random.RandomState",
                "numpy.random.RandomState",
            ):
                uses.append(path.name)
    # data generation, initialisation and shuffling all need a local stream
    assert {"data.py", "descent.py"} <= set(uses)


# The checkers themselves must catch what they are meant to catch.
@pytest.mark.parametrize(
    "source",
    [
        "import pandas as pd\n",
        "import sklearn.linear_model\n",
        "from scipy import linalg\n",
        "from matplotlib import pyplot\n",
        "import os\n",
        "def f():\n    import streamlit\n",
        "x = __import__('plotly')\n",
    ],
)
def test_import_checker_flags_bad_imports(source):
    assert import_violations(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations\nimport numpy as np\nfrom dataclasses import dataclass\n"
        "from typing import Any\nimport math\nfrom .data import as_1d\nfrom . import model\n",
    ],
)
def test_import_checker_accepts_allowed_imports(source):
    assert import_violations(source) == []


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\nnp.random.seed(0)\n",
        "import numpy as np\nx = np.random.rand(3)\n",
        "import numpy\nnumpy.random.shuffle(a)\n",
        "import numpy as xp\nf = xp.random.permutation\n",
        "from numpy import random as r\nr.normal()\n",
        "import numpy.random as npr\nnpr.uniform()\n",
        "from numpy.random import choice\nchoice(3)\n",
        "import numpy as np\ny = np.random.randn(4, 1)\n",
    ],
)
def test_rng_checker_flags_global_state(source):
    assert global_rng_uses(source) != []


def test_rng_checker_accepts_local_streams():
    source = (
        '"""Docs may say np.random.seed(42) is what the book does."""\n'
        "import numpy as np\n"
        "rng = np.random.RandomState(42)  # unlike np.random.rand\n"
        "x = rng.rand(3); rng.shuffle(x); y = rng.randn(2); p = rng.permutation(5)\n"
    )
    assert global_rng_uses(source) == []


# --------------------------------------------------------------------------
# At run time: numpy's global random state is never read nor moved
# --------------------------------------------------------------------------
def assert_same_state(before, after):
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    assert tuple(before[2:]) == tuple(after[2:])


def _seeded_calls():
    d = g.make_data(n=60, seed=3)
    x, y = d.x_train, d.y_train
    return [
        ("make_data", lambda: g.make_data(n=30, seed=17)),
        ("make_data default", lambda: g.make_data()),
        ("make_bad_feature_data", lambda: g.make_bad_feature_data(n=30, seed=17)),
        ("init_params", lambda: g.init_params(8)),
        ("descend batch", lambda: g.descend(x, y, 0, 0, 0.1, 5, seed=2)),
        ("descend minibatch", lambda: g.descend(x, y, 0, 0, 0.1, 5, batch_size=8, seed=2)),
        ("descend stochastic", lambda: g.descend(x, y, 0, 0, 0.1, 5, batch_size=1, seed=2)),
    ]


@pytest.mark.parametrize("name", [name for name, _ in _seeded_calls()])
def test_global_random_state_untouched(name):
    fn = dict(_seeded_calls())[name]
    saved = np.random.get_state()
    try:
        np.random.seed(2024)
        before = np.random.get_state()
        fn()
        after = np.random.get_state()
        assert_same_state(before, after)
        # and the next global draw is the one seed 2024 gives
        assert np.random.rand() == np.random.RandomState(2024).rand()
    finally:
        np.random.set_state(saved)


def test_global_seed_does_not_influence_results():
    saved = np.random.get_state()
    try:
        np.random.seed(1)
        a = g.make_data(n=40, seed=6), g.descend(*_xy(6), 0, 0, 0.1, 3, batch_size=4, seed=6)
        np.random.seed(2)
        b = g.make_data(n=40, seed=6), g.descend(*_xy(6), 0, 0, 0.1, 3, batch_size=4, seed=6)
    finally:
        np.random.set_state(saved)
    np.testing.assert_array_equal(a[0].x, b[0].x)
    np.testing.assert_array_equal(a[1].update_w, b[1].update_w)


def _xy(seed):
    d = g.make_data(n=40, seed=seed)
    return d.x_train, d.y_train


def _pipeline(seed):
    d = g.make_data(n=300, seed=seed)
    b0, w0 = g.init_params(seed)
    hs = g.descend(d.x_train, d.y_train, b0, w0, 0.1, 20, batch_size=1, seed=seed)
    hm = g.descend(d.x_train, d.y_train, b0, w0, 0.1, 40, batch_size=16, seed=seed, x_val=d.x_val, y_val=d.y_val)
    hb = g.descend(d.x_train, d.y_train, b0, w0, 0.1, 200)
    return d, (b0, w0), hs, hm, hb


def test_results_identical_across_threads():
    seeds = list(range(100, 116))
    serial = [_pipeline(s) for s in seeds]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(_pipeline, seeds))
    for (d1, p1, *h1), (d2, p2, *h2) in zip(serial, threaded):
        np.testing.assert_array_equal(d1.x, d2.x)
        np.testing.assert_array_equal(d1.y, d2.y)
        np.testing.assert_array_equal(d1.train_idx, d2.train_idx)
        assert p1 == p2
        for a, b in zip(h1, h2):
            np.testing.assert_array_equal(a.update_b, b.update_b)
            np.testing.assert_array_equal(a.update_w, b.update_w)
            np.testing.assert_array_equal(a.train_loss, b.train_loss)
    # the seeds really gave different paths
    assert not np.array_equal(serial[0][2].update_b, serial[1][2].update_b)
