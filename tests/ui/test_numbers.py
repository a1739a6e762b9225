"""ui.numbers: the one number formatter (fmt, num, tex_num, signed, numpy_print)."""

from __future__ import annotations

import numpy as np
import pytest

from ui import numbers


def test_fmt():
    assert numbers.fmt(-0.00001) == "0.0000"
    assert numbers.fmt(2.74215777) == "2.7422"
    assert numbers.fmt(float("inf")) == "∞" and numbers.fmt(float("nan")) == "undefined"


@pytest.mark.parametrize(
    "value, printed",
    [
        (0.4967141530112327, "[0.49671415]"),
        (-0.13826430117118466, "[-0.1382643]"),
        (0.04511107054392366, "[0.04511107]"),
        (1.02354093708, "[1.02354094]"),
        (1e-9, "[1.e-09]"),
    ],
)
def test_numpy_print_is_numpys_own(value, printed):
    assert numbers.numpy_print(value) == printed == str(np.array([value]))


def test_num_tex_num_and_signed():
    assert numbers.num(2.74215777) == "2.7422" and numbers.num(-0.0) == "0.0000"
    assert numbers.num(-2.878e153) == "-2.878e+153" and numbers.num(3.2e-6) == "3.200e-06"
    assert numbers.num(123456.7) == "123456.7000"  # fixed below a million
    assert numbers.num(float("inf")) == "∞" and numbers.num(float("nan")) == "undefined"
    assert numbers.tex_num(-0.2, paren=True) == "(-0.2000)" and numbers.tex_num(0.2, paren=True) == "0.2000"
    assert numbers.tex_num(1.23456e152) == r"1.2346 \times 10^{152}"
    assert numbers.signed(-0.1383) == "- 0.1383" and numbers.signed(2) == "+ 2.0000"
    assert numbers.signed(0.2, None) == "+ 0.2" and numbers.signed(-5.0, None) == "- 5"


@pytest.mark.parametrize(
    "spec, digits",
    [
        (numbers.D3_FORMAT, 4),
        (numbers.D3_FORMAT_2, 2),
        (numbers.D3_FORMAT_3, 3),
        (numbers.D3_FORMAT_6, 6),
    ],
)
def test_fixed_d3_formats_match_fmt(spec, digits):
    """A browser-side fixed format shows what fmt shows (d3's ".Nf" is Python's ".Nf" for finite values)."""
    for value in (0.0, 0.52, -0.16, 1.0235409399, 64.8196, 12345.678901):
        assert format(value, spec) == numbers.fmt(value, digits)
