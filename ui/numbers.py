"""Numbers as text, in one place: for metrics, sentences, chart labels and ``st.latex``.

- :func:`fmt` fixed decimals (the metrics' 4), ``-0`` shown as ``0``, non-finite values in words;
- :func:`num` the same, but huge values (a diverging run) and tiny non-zero ones in
  scientific notation, so a number never reads ``0.0000`` or a 150-digit string;
- :func:`tex_num` :func:`num` for ``st.latex`` (``1.2346 \\times 10^{152}``), optionally
  in parentheses when negative (to follow a minus or a times sign);
- :func:`signed` a term to append after another one (``+ 0.2000``, ``- 1.5``);
- :func:`numpy_print` how numpy prints a one-element array, as the book's ``print(b, w)``;
- :func:`count` a count with thousands separators (``1,000``);
- :func:`short` the shortest form of a value a learner set (``0.1``, ``1e-05``, ``2.5``);
- :func:`sci` scientific notation (``1.2e-07``), :func:`full` all 16 significant digits;
- :data:`D3_FORMAT` the same 4 decimals for tooltips and axis labels drawn by the browser
  (:data:`D3_FORMAT_2`, :data:`D3_FORMAT_3`, :data:`D3_FORMAT_6` other decimals, :data:`D3_SIG3`,
  :data:`D3_SIG6` significant digits, :data:`D3_SHORT` shortest form), :data:`TABLE_FORMAT` for table columns;
- :func:`subscript` an index as subscript digits, :func:`human_bytes` a size in KiB, MiB, …

Pages and charts format numbers only through these: no raw format specs.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "D3_FORMAT",
    "D3_FORMAT_2",
    "D3_FORMAT_3",
    "D3_FORMAT_6",
    "D3_SHORT",
    "D3_SIG3",
    "D3_SIG6",
    "TABLE_FORMAT",
    "count",
    "fmt",
    "full",
    "human_bytes",
    "num",
    "numpy_print",
    "sci",
    "short",
    "signed",
    "subscript",
    "tex_num",
]

#: :func:`num` switches to scientific notation from this magnitude on.
HUGE = 1e6

#: d3-format of :func:`fmt`'s default, for tooltips and labels that Vega formats in the browser.
D3_FORMAT = ".4f"

#: d3-format of ``fmt(value, 2)``: grid coordinates (the 0.06-step loss grid) and cross-section positions.
D3_FORMAT_2 = ".2f"

#: d3-format of ``fmt(value, 3)``: the position along a cross-section in its tooltip.
D3_FORMAT_3 = ".3f"

#: d3-format of ``fmt(value, 6)``: small errors, such as a finite difference's distance from the true slope.
D3_FORMAT_6 = ".6f"

#: d3-format with 3 significant digits: values spanning many powers of ten (a loss's excess over its minimum).
D3_SIG3 = ".3g"

#: d3-format with 6 significant digits: losses on a log scale, from huge to tiny.
D3_SIG6 = ".6g"

#: d3-format of :func:`short`'s kind, insignificant zeros trimmed (``0.001``, ``10``, ``1e-7``): log-axis ticks.
D3_SHORT = "~g"

#: printf format of :func:`fmt`'s default, for ``st.column_config.NumberColumn`` table columns.
TABLE_FORMAT = "%.4f"


def fmt(value: float, digits: int = 4) -> str:
    """A number with ``digits`` decimals (handles -0 and non-finite values)."""
    if value is None or not math.isfinite(value):
        return "∞" if value and value > 0 else ("−∞" if value and value < 0 else "undefined")
    text = f"{value:.{digits}f}"
    return "0." + "0" * digits if text.startswith("-") and float(text) == 0 else text


def _scientific(value: float, digits: int) -> bool:
    """True when ``value`` is finite and too large, or non-zero and too small, for ``digits`` decimals."""
    return value is not None and math.isfinite(value) and (abs(value) >= HUGE or 0 < abs(value) < 10.0**-digits)


def num(value: float, digits: int = 4, sci_digits: int = 3) -> str:
    """A number as plain text with ``digits`` decimals; huge values (a diverging
    run) and tiny non-zero ones in scientific notation with ``sci_digits`` decimals."""
    if _scientific(value, digits):
        return f"{value:.{sci_digits}e}"
    return fmt(value, digits)


def tex_num(value: float, digits: int = 4, *, paren: bool = False) -> str:
    """A number for ``st.latex`` (``1.2346 \\times 10^{152}`` when huge or tiny).

    ``paren`` wraps negative values in parentheses, so ``- (-0.2)`` never reads ``- -0.2``.
    """
    if value is None or not math.isfinite(value):
        text = r"\infty" if value and value > 0 else (r"-\infty" if value and value < 0 else r"\text{undefined}")
    elif _scientific(value, digits):
        mantissa, exponent = f"{value:.{digits}e}".split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    else:
        text = fmt(value, digits)
    return f"({text})" if paren and text.startswith("-") else text


def signed(value: float, digits: int | None = 4) -> str:
    """``+ 1.2345`` or ``- 1.2345``: a term to append after another one.

    ``digits=None`` gives the shortest form (``+ 0.2``, ``- 5``) for round numbers.
    """
    sign = "-" if value < 0 else "+"
    return f"{sign} {abs(value):g}" if digits is None else f"{sign} {num(abs(value), digits)}"


def numpy_print(value: float) -> str:
    """How numpy prints a one-element float64 array (``[0.49671415]``, ``[-0.1382643]``).

    numpy itself does the formatting: up to 8 significant decimals, trailing
    zeros trimmed, scientific notation when numpy would use it.
    """
    return np.array2string(np.array([float(value)], dtype=np.float64))


def count(value: int) -> str:
    """A count with thousands separators: ``1,000``, ``800,000``."""
    return f"{int(value):,}"


def short(value: float) -> str:
    """The shortest form of a value as a learner set it (``0.1``, ``2.5``, ``1e-05``, ``100``)."""
    if value is None or not math.isfinite(value):
        return fmt(value)
    return f"{value:g}"


def sci(value: float, digits: int = 3) -> str:
    """Scientific notation with ``digits`` decimals (``1.234e-07``, ``inf``)."""
    return f"{value:.{digits}e}"


def full(value: float) -> str:
    """A float at full precision: 16 significant digits (``1.02354093708``)."""
    return f"{value:.16g}"


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def subscript(index: int) -> str:
    """An index as Unicode subscript digits (``error₀``, ``ŷ₁₁``)."""
    return str(int(index)).translate(_SUBSCRIPTS)


def human_bytes(n_bytes: float) -> str:
    """A byte count in binary units (``512 bytes``, ``6.23 MiB``), 3 significant figures above 1 KiB."""
    value = float(n_bytes)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:.3g} {unit}"
        value /= 1024
    return f"{value:.3g} TiB"
