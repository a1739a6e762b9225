"""ui.settings: URL parameters (parsing, clamping, warnings), the settings they make, and back."""

from __future__ import annotations

import pytest

import gdcore
from ui.settings import DEFAULTS, PARAMS, Settings, parse_value, settings_from_query, to_query


@pytest.mark.parametrize("raw, expected", [("0.5", 0.5), (" 0.25 ", 0.25), ("1e-2", 0.01), ("2.5", 2.5)])
def test_parse_valid_float(raw, expected):
    value, note = parse_value(PARAMS["lr"], raw, 0.1)
    assert value == expected and note is None


@pytest.mark.parametrize("raw", ["abc", "", "0x1p", "[1]", "<script>alert(1)</script>", "１２"])
def test_parse_junk_falls_back_with_a_named_warning(raw):
    value, note = parse_value(PARAMS["lr"], raw, 0.1)
    if raw == "１２":  # full-width digits are numbers to Python: 12, clamped to 2.5
        assert value == 2.5 and "outside" in note
        return
    assert value == 0.1
    assert note.startswith("`lr` = `") and "using 0.1" in note


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf", "NaN", "Infinity"])
def test_parse_non_finite(raw):
    value, note = parse_value(PARAMS["noise"], raw, 0.1)
    assert value == 0.1 and "not a finite number" in note


@pytest.mark.parametrize(
    "name, raw, expected",
    [
        ("lr", "100", 2.5),
        ("lr", "-1", 1e-6),
        ("n", "5", 10),
        ("n", "1e30", 1_000_000),
        ("seed", "-5", 0),
        ("seed", str(2**40), 2**32 - 1),
        ("epochs", "0", 1),
        ("noise", "3", 1.0),
    ],
)
def test_parse_out_of_range_clamps(name, raw, expected):
    value, note = parse_value(PARAMS[name], raw, getattr(DEFAULTS, name))
    assert value == expected and "outside" in note
    assert isinstance(value, PARAMS[name].kind)


def test_parse_integer_with_fraction_rounds():
    value, note = parse_value(PARAMS["n"], "150.6", 100)
    assert value == 151 and "whole number" in note


def test_parse_optional_start_accepts_random():
    assert parse_value(PARAMS["b0"], "random", None) == (None, None)
    assert parse_value(PARAMS["b0"], "", None) == (None, None)
    assert parse_value(PARAMS["w0"], "1.5", None) == (1.5, None)


def test_warning_text_cannot_break_out_of_the_code_span():
    value, note = parse_value(PARAMS["lr"], "`**bold**` [x](javascript:alert(1))" + "x" * 100, 0.1)
    quoted = note.split("`lr` = `", 1)[1].split("` is not", 1)[0]
    assert "`" not in quoted
    assert len(quoted) <= 41  # 40 characters and an ellipsis


def test_settings_from_query_repeated_key_uses_last_and_warns():
    settings, warnings = settings_from_query({"seed": ["1", "7"], "unknown": ["x"]})
    assert settings.seed == 7
    assert any("appears 2 times" in w for w in warnings)


def test_batch_larger_than_training_set_becomes_full_batch():
    settings, warnings = settings_from_query({"n": ["20"], "batch": ["50"]})
    assert settings.batch == 0 and settings.batch_size is None
    assert any("larger than the 16 training points" in w for w in warnings)


def test_query_round_trip():
    s = Settings(seed=7, n=250, noise=0.3, true_b=-1.5, true_w=0.5, lr=0.75, epochs=30, batch=16, b0=0.25, w0=-2.0)
    query = {k: [v] for k, v in to_query(s).items()}
    back, warnings = settings_from_query(query)
    assert back == s and warnings == []
    assert "b0" not in to_query(DEFAULTS)


def test_settings_properties():
    assert DEFAULTS.is_book and DEFAULTS.n_train == 80 and DEFAULTS.batch_size is None
    assert DEFAULTS.start == gdcore.init_params(42)
    s = Settings(b0=1.0)
    assert s.start == (1.0, gdcore.init_params(42)[1]) and not s.is_book
    assert Settings(batch=16).batch_size == 16 and Settings(batch=80).batch_size is None
