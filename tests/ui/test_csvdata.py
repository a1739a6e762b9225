"""ui.csvdata: a learner's CSV read into numbers, the columns picked, small data in a link, safe downloads.

Every bad-file case of the "bring your own data" issue has a test here that checks the exact
numbers read or the message: the row and column it names, and the first bad value shown as a
code span, so that nothing of the learner's text renders as Markdown or HTML.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import time
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

from ui import csvdata
from ui.csvdata import DataError, csv_safe, decode_inline, encode_inline, plain_value, read_table, select

# Characters that would render as Markdown or HTML if they reached st.error outside a code span.
_MARKUP = set("*_<>[]`$#|\\~")


def _csv(rows: list[list[object]], sep: str = ",") -> bytes:
    return "".join(sep.join(str(cell) for cell in row) + "\n" for row in rows).encode("utf-8")


def _line(n: int = 20, slope: float = 2.0) -> bytes:
    """A file of ``n`` rows on y = 1 + slope x, x = 0, 1, 2, ..."""
    return _csv([["x", "y"]] + [[i, 1 + slope * i] for i in range(n)])


def _error(raw: bytes, *select_args: str, **select_kwargs) -> str:
    """The message a file gets, from reading it or from picking its columns."""
    with pytest.raises(DataError) as caught:
        table = read_table(raw)
        select(table, *(select_args or ("x", "y")), **select_kwargs)
    return str(caught.value)


def assert_inert(message: str, *values: str) -> None:
    """``message`` shows each value as a code span and holds no markup outside its code spans."""
    for value in values:
        assert plain_value(value) in message, (value, message)
    outside = re.sub(r"`[^`\n]*`", "", message)
    assert not _MARKUP & set(outside), message
    assert "\n" not in message and "Traceback" not in message


# --- plain_value ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("abc", "`abc`"),
        ("**x**", "`**x**`"),
        ("<script>alert(1)</script>", "`<script>alert(1)</script>`"),
        ("[a](javascript:alert(1))", "`[a](javascript:alert(1))`"),
        ("a`b``c", "`a'b''c`"),  # a backtick would close the span
        ("line\nbreak\ttab", "`line\ufffdbreak\ufffdtab`"),
        ("\u202eevil", "`\ufffdevil`"),  # a right-to-left override does not print
        ("", "` `"),
        ("1\u00a0234", "`1 234`"),
        ("x" * 41, "`" + "x" * 39 + "…`"),
        ("x" * 40, "`" + "x" * 40 + "`"),
    ],
)
def test_plain_value_is_a_code_span_of_printable_text(raw, shown):
    assert plain_value(raw) == shown
    inner = shown[1:-1]
    assert "`" not in inner and all(ch.isprintable() for ch in inner)


def test_plain_value_limit():
    assert plain_value("abcdef", limit=4) == "`abc…`"


# --- files the lesson refuses ----------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"\n\n  \n", b"\xef\xbb\xbf", b" , \n"])
def test_empty_file(raw):
    message = _error(raw)
    assert "The file is empty" in message
    assert_inert(message)


@pytest.mark.parametrize("raw", [b"x,y\n", b"x,y", b"x;y\n\n\n", b"\n\nx,y\n,\n"])
def test_header_only(raw):
    message = _error(raw)
    assert "header but no data rows" in message and "at least 10" in message
    assert_inert(message)


def test_one_row():
    table = read_table(b"x,y\n1,2\n")
    assert table.n_rows == 1 and table.column("x").values.tolist() == [1.0]
    message = _error(b"x,y\n1,2\n")
    assert message.startswith("The file has 1 data row;") and "at least 10" in message
    assert "80/20" in message and "training" in message and "validation" in message
    assert_inert(message)


def test_fewer_rows_than_the_lesson_needs():
    message = _error(_line(9))
    assert "9 data rows" in message and "at least 10" in message
    sel = select(read_table(_line(10)), "x", "y")
    assert sel.x.tolist() == list(map(float, range(10)))
    assert sel.y.tolist() == [1 + 2.0 * i for i in range(10)]
    assert sel.is_val is None and sel.notice is None and sel.n_rows_read == 10


def test_non_numeric_cell_names_row_column_and_value():
    rows = [["x", "y"]] + [[i, i] for i in range(12)]
    rows[4][1] = "abc"  # data row 3: spreadsheet row 5, one more for the blank line below
    rows[9][1] = "also bad"
    raw = _csv(rows[:2]) + b"\n" + _csv(rows[2:])
    message = _error(raw)
    assert message.startswith("Row 6, column `y`: `abc` is not a number")
    assert "1 more cell" in message
    assert_inert(message, "abc")
    table = read_table(raw)
    assert np.isnan(table.column("y").values[3]) and table.column("y").values[4] == 4.0
    assert table.column("y").n_bad == 2 and table.row_number(3) == 6


@pytest.mark.parametrize(
    "cell",
    [
        "**bold**",
        "<script>alert(1)</script>",
        "[a](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        ":red[x] $x^2$ # h",
        "a`b`c",
        '"quoted\nbreak"',
        "=cmd|' /C calc'!A0",
    ],
)
def test_a_hostile_cell_is_shown_inert(cell):
    rows = [["x", "y"]] + [[i, i] for i in range(12)]
    rows[2][0] = cell
    message = _error(_csv(rows))
    shown = cell.strip('"')
    assert message.startswith("Row 3, column `x`: ")
    assert_inert(message, shown)


def test_a_hostile_column_name_is_shown_inert():
    name = "<b>**x**</b>`"
    message = _error(_csv([[name, "y"]] + [[1, i] for i in range(12)]), name, "y")
    assert "takes one value" in message
    assert_inert(message, name)
    assert_inert(_error(_line(12), "[y](javascript:1)", "y"), "[y](javascript:1)")


@pytest.mark.parametrize("cell", ["nan", "NaN", "-nan"])
def test_nan_cell(cell):
    rows = [["x", "y"]] + [[i, i] for i in range(12)]
    rows[5][1] = cell
    message = _error(_csv(rows))
    assert message.startswith(f"Row 6, column `y`: `{cell}` is NaN (not a number)")
    assert_inert(message, cell)
    assert np.isnan(read_table(_csv(rows)).column("y").values[4])


@pytest.mark.parametrize(
    "cell, value, says",
    [
        ("inf", np.inf, "is infinite"),
        ("-Infinity", -np.inf, "is infinite"),
        ("1e400", np.inf, "is too large to compute with"),
        ("-1.5e309", -np.inf, "is too large to compute with"),
    ],
)
def test_infinite_cell(cell, value, says):
    rows = [["x", "y"]] + [[i, i] for i in range(12)]
    rows[12][0] = cell
    assert read_table(_csv(rows)).column("x").values[11] == value
    message = _error(_csv(rows))
    assert message.startswith(f"Row 13, column `x`: `{cell}` {says}; the lesson needs a finite number")
    assert_inert(message, cell)


def test_empty_cell():
    rows = [["x", "y"]] + [[i, i] for i in range(12)]
    rows[7][1] = ""
    message = _error(_csv(rows))
    assert message.startswith("Row 8, column `y`: the cell is empty")
    assert_inert(message)


def test_constant_x():
    message = _error(_csv([["x", "y"]] + [[3.5, i] for i in range(12)]))
    assert "x (`x`) takes one value, so there is no slope to learn" in message
    assert_inert(message)


def test_duplicate_column_names_name_both_columns():
    message = _error(b"x,y, x \n1,2,3\n")
    assert message.startswith("Columns 1 (A) and 3 (C) are both named `x`")
    assert_inert(message, "x")
    assert "28 (AB)" in _error(_csv([[f"c{j}" for j in range(27)] + ["c0"], list(range(28))]))


def test_bom_is_not_part_of_the_first_name():
    raw = b"\xef\xbb\xbf" + _line(12)
    table = read_table(raw)
    assert table.columns == ("x", "y")
    assert select(table, "x", "y").y.tolist() == [1 + 2.0 * i for i in range(12)]


def test_semicolons_with_decimal_commas():
    raw = "x;y\n" + "".join(f"{i},5;{-i},25\n" for i in range(12))
    table = read_table(raw.encode())
    assert (table.separator, table.decimal_mark) == (";", ",")
    sel = select(table, "x", "y")
    assert sel.x.tolist() == [i + 0.5 for i in range(12)]
    assert sel.y.tolist() == [-i - 0.25 if i else 0.25 for i in range(12)]
    assert "semicolons, with decimal commas" in table.describe()


def test_semicolons_with_decimal_points():
    # As in the UCI wine-quality files: ; separators and decimal points.
    table = read_table(b"fixed acidity;quality\n7.4;5\n7.8;5\n11.2;6\n")
    assert (table.separator, table.decimal_mark) == (";", ".")
    assert table.column("fixed acidity").values.tolist() == [7.4, 7.8, 11.2]


def test_tabs():
    table = read_table(b"x\ty\n1.5\t2\n3\t4.25\n")
    assert table.separator == "\t" and table.column("y").values.tolist() == [2.0, 4.25]
    table = read_table(b"x\ty\n1,5\t2\n")
    assert table.decimal_mark == "," and table.column("x").values.tolist() == [1.5]


def test_separator_is_the_one_that_splits_rows_like_the_header():
    # Semicolons inside a comma file's text and commas inside a ; file's numbers do not fool it.
    table = read_table(b"note,x,y\na;b,1,2\nc;d;e,3,4\n")
    assert table.separator == "," and table.column("note").labels == ("a;b", "c;d;e")
    table = read_table(b"x;y;z\n1,5;2,5;3,5\n")
    assert table.separator == ";" and table.column("z").values.tolist() == [3.5]


def test_quoted_numbers():
    table = read_table(b'"x","y"\n"1.5","-2"\n "3" , "4e-1" \n')
    assert table.columns == ("x", "y")
    assert table.column("x").values.tolist() == [1.5, 3.0]
    assert table.column("y").values.tolist() == [-2.0, 0.4]
    assert read_table(b'x;y\n"1,5";"2,25"\n').column("y").values.tolist() == [2.25]


@pytest.mark.parametrize(
    "raw, values",
    [
        (b'x,y\n"1,234.5",0\n"-1,234,567",0\n"999",0\n', [1234.5, -1234567.0, 999.0]),
        (b"x,y\n1 234.5,0\n", [1234.5]),
        ("x,y\n1\u00a0234.5,0\n2\u202f000,0\n".encode(), [1234.5, 2000.0]),
        (b"x;y\n1.234,5;0\n-12.345.678,9;0\n", [1234.5, -12345678.9]),
        (b"x;y\n1 234,5;0\n", [1234.5]),
        (b"x;y\n1,234.5;0\n0.5;0\n", [1234.5, 0.5]),  # ; with decimal points: , groups thousands
        (b"x;y\n1.234;0\n", [1.234]),  # ambiguous alone: read as Python reads it
        (b"x;y\n1.234;0\n0,5;0\n", [1234.0, 0.5]),  # a decimal comma elsewhere settles it
    ],
)
def test_thousands_separators_accepted(raw, values):
    assert read_table(raw).column("x").values.tolist() == values


@pytest.mark.parametrize(
    "raw, cell",
    [
        (b'x,y\n"1,5",0\n', "1,5"),  # a decimal comma in a comma file
        (b'x,y\n"12,34.5",0\n', "12,34.5"),  # groups of two
        (b'x,y\n"0,123",0\n', "0,123"),  # a first group of 0
        (b'x,y\n"1,234 567",0\n', "1,234 567"),  # two kinds of separator
        (b"x,y\n1'234,0\n", "1'234"),  # the Swiss apostrophe is not accepted
        (b"x;y\n12.34,5;0\n0,5;0\n", "12.34,5"),
        (b"x,y\n$5,0\n", "$5"),
        ("x,y\n\u0661\u0662,0\n".encode(), "\u0661\u0662"),  # digits of another script
        (b"x,y\n1_000,0\n", "1_000"),  # Python's underscores are not a CSV's
        (b"x,y\n0x10,0\n", "0x10"),
    ],
)
def test_other_number_forms_are_not_numbers(raw, cell):
    table = read_table(raw)
    col = table.column("x")
    assert np.isnan(col.values[0]) and col.first_bad_raw == cell
    message = table.bad_cell_message("x")
    assert message.startswith("Row 2, column `x`: ")
    assert_inert(message, cell)


def test_decimal_comma_in_a_comma_file_gets_a_hint():
    message = read_table(b'x,y\n"1,5",0\n').bad_cell_message("x")
    assert "a decimal comma?" in message


def test_spaces_blank_rows_and_line_ends():
    raw = b"\r\n x , y \r\n\r\n  1.5 ,  2  \r\n\r\n3,4\r\n  \r\n,,\r\n5,6"
    table = read_table(raw)
    assert table.columns == ("x", "y") and table.n_rows == 3
    assert table.column("x").values.tolist() == [1.5, 3.0, 5.0]
    assert table.column("y").values.tolist() == [2.0, 4.0, 6.0]
    assert [table.row_number(i) for i in range(3)] == [4, 6, 9]  # the header is row 2 here
    assert read_table(b"x,y\r1,2\r3,4\r").column("y").values.tolist() == [2.0, 4.0]  # old Mac line ends


def test_ragged_row_is_named():
    message = _error(b"x,y\n1,2\n\n3,4,5\n")
    assert message == "Row 4 has 3 cells but the header names 2 columns: every row needs one value per column."
    assert _error(b"x,y,z\n1,2,3\n4\n").startswith("Row 3 has 1 cell but")


def test_unclosed_quote_and_oversized_cells():
    message = _error(b'x,y\n"1,2\n3,4\n')
    assert message.startswith("Row 2 has 1 cell but") and "A quote opened in this row is never closed." in message
    huge = b"9" * 200_000
    assert _error(b"x,y\n1," + huge + b"\n").startswith("Row 2 cannot be read as CSV: field larger than")
    assert _error(b"x," + huge + b"\n1,2\n").startswith("The header row cannot be read as CSV")


def test_trailing_empty_cells_are_dropped():
    table = read_table(b"x,y,,\n1,2,,\n3,4,\n")
    assert table.columns == ("x", "y") and table.column("y").values.tolist() == [2.0, 4.0]


def test_one_column_file():
    message = _error(b"x\n1\n2\n")
    assert "one column (`x`)" in message and "commas, semicolons or tabs" in message


def test_unnamed_column_gets_a_name():
    assert read_table(b"x,,y\n1,2,3\n").columns == ("x", "column 2", "y")


# --- binary files ---------------------------------------------------------------------------------


def _xlsx_bytes() -> bytes:
    """A real ZIP container holding the parts an .xlsx starts with."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        book.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


def _xls_bytes() -> bytes:
    """The OLE2 compound-file header an .xls starts with, then its sector bytes."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    return header + b"\xff" * 480


@pytest.mark.parametrize(
    "raw",
    [_xlsx_bytes(), _xls_bytes(), b"x,y\n1,2\x00\n", bytes(range(256))],
    ids=["xlsx", "xls", "nul", "bytes"],
)
def test_binary_or_excel_file(raw):
    assert raw[:4] != b"x,y\n" or b"\x00" in raw
    message = _error(raw)
    assert "binary or Excel file, not CSV text" in message and "save it as CSV" in message
    assert_inert(message)


def test_utf16_and_other_encodings():
    assert "UTF-16" in _error("x,y\n1,2\n".encode("utf-16"))
    message = _error(b"x,y\n1,2\n3,caf\xe9\n")  # Latin-1
    assert message.startswith("Row 3 holds bytes that are not UTF-8 text.") and "CSV UTF-8" in message
    assert_inert(message)


# --- limits -----------------------------------------------------------------------------------------


def test_more_than_a_million_rows_is_refused_quickly():
    raw = b"x,y\n" + b"1,2\n" * (csvdata.MAX_ROWS + 1)
    start = time.process_time()  # CPU time: the machine is shared
    message = _error(raw)
    elapsed = time.process_time() - start
    assert message.startswith("The file has 1,000,001 data rows; the app reads at most 1,000,000.")
    assert elapsed < 5.0, elapsed


def test_row_limit_boundary():
    assert read_table(_line(50), max_rows=50).n_rows == 50
    with pytest.raises(DataError, match="51 data rows; the app reads at most 50"):
        read_table(_line(51), max_rows=50)
    with pytest.raises(DataError, match="51 data rows"):  # blank lines do not count, nor do they hide rows
        read_table(_line(51).replace(b"\n", b"\n\n", 10), max_rows=50)


def test_cell_limit_and_usecols(monkeypatch):
    monkeypatch.setattr(csvdata, "MAX_CELLS", 100)
    raw = _csv([["a", "b", "c", "d"]] + [[i, 2 * i, 3 * i, 4 * i] for i in range(30)])
    with pytest.raises(DataError, match="30 rows of 4 columns, more than the 100 cells"):
        read_table(raw)
    table = read_table(raw, usecols=["b", "d"])
    assert table.columns == ("a", "b", "c", "d")
    assert table.column("d").values.tolist() == [4.0 * i for i in range(30)]
    assert np.isnan(table.column("a").values).all()
    with pytest.raises(DataError, match="There is no column `e`"):
        read_table(raw, usecols=["e"])
    with pytest.raises(DataError, match="The column `a` was not read"):
        select(table, "a", "b")
    assert select(table, "b", "d").y.tolist() == [4.0 * i for i in range(30)]


def test_parsing_100k_rows_is_fast():
    # A gross-regression guard only: the file is 100,000 random rows, and the time is this process's
    # CPU time, since the machine is shared and wall time measures the others' work too.
    rng = np.random.RandomState(0)
    x, y = rng.normal(size=100_000), rng.normal(size=100_000)
    raw = ("x,y\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(x.tolist(), y.tolist()))).encode()
    start = time.process_time()
    table = read_table(raw)
    elapsed = time.process_time() - start
    assert np.array_equal(table.column("x").values, x) and np.array_equal(table.column("y").values, y)
    assert elapsed < 1.5, elapsed


def test_memory_stays_modest():
    # Column-wise parsing: the table keeps 8 bytes a cell, and the peak stays near the text's own size
    # (the decoded text plus one chunk of rows), not one Python object per cell of the whole file.
    n = 200_000
    raw = b"x,y\n" + b"".join(b"%d.25,%d.5\n" % (i, -i) for i in range(n))
    tracemalloc.start()
    try:
        table = read_table(raw)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert table.column("y").values[-1] == -(n - 1) - 0.5 and table.column("x").values[-1] == n - 1 + 0.25
    assert kept < 16 * n * 1.2, kept
    assert peak < 2 * len(raw) + 16 * n + 20e6, (peak, len(raw))


# --- picking columns ------------------------------------------------------------------------------


def test_unknown_column_and_same_column():
    table = read_table(_line(12))
    with pytest.raises(DataError, match=r"There is no column `z`\. The columns are `x`, `y`\."):
        select(table, "z", "y")
    with pytest.raises(DataError, match="x and y are both `x`"):
        select(table, "x", "x")
    with pytest.raises(DataError, match="split column `y` is also x or y"):
        select(table, "x", "y", "y")


def test_selection_is_read_only_and_has_a_digest():
    sel = select(read_table(_line(12)), "x", "y")
    assert sel.x.dtype == np.float64 and sel.x.ndim == 1
    for array in (sel.x, sel.y):
        with pytest.raises(ValueError):
            array[0] = 1.0
    assert re.fullmatch(r"[0-9a-f]{16}", sel.digest)
    assert sel.digest == select(read_table(_line(12)), "x", "y").digest
    assert sel.digest != select(read_table(_line(12, slope=3.0)), "x", "y").digest
    renamed = read_table(_line(12).replace(b"x,y", b"u,y", 1))
    assert sel.digest != select(renamed, "u", "y").digest


def _split_file(labels: list[str]) -> bytes:
    return _csv([["x", "y", "part"]] + [[i, 2 * i, label] for i, label in enumerate(labels)])


@pytest.mark.parametrize(
    "train, val",
    [("0", "1"), ("0.0", "1"), ("false", "TRUE"), ("False", "true"), ("train", "validation"), ("Train", "VALID")],
)
def test_split_column_accepted(train, val):
    labels = [val if i % 4 == 0 else train for i in range(12)]
    sel = select(read_table(_split_file(labels)), "x", "y", "part")
    assert sel.is_val.tolist() == [i % 4 == 0 for i in range(12)]
    assert sel.split_name == "part" and not sel.is_val.flags.writeable


@pytest.mark.parametrize("word", ["val", "test", "Validation"])
def test_split_words_for_validation(word):
    labels = [word if i < 3 else "training" for i in range(12)]
    assert select(read_table(_split_file(labels)), "x", "y", "part").is_val.sum() == 3


@pytest.mark.parametrize(
    "labels, found",
    [
        (["train"] * 10 + ["val", "maybe"], "`train`, `val`, `maybe`"),
        (["train"] * 12, "`train`"),
        (["0"] * 10 + ["1", "2"], "`0.0`, `1.0`, `2.0`"),
        (["0"] * 10 + ["train", "val"], "`0.0`, `train`, `val`"),
        (["true"] * 10 + ["train", "val"], "`true`, `train`, `val`"),
    ],
)
def test_split_column_with_other_values(labels, found):
    message = _error(_split_file(labels), "x", "y", "part")
    assert message.startswith("The split column `part` must hold two kinds of value: 0 and 1, false and true,")
    assert message.endswith(f"It holds {found}.")
    assert_inert(message)


def test_split_column_with_free_text():
    message = _error(_split_file([f"note {i}" for i in range(12)]), "x", "y", "part")
    assert "holds many different texts" in message


def test_split_column_with_an_empty_cell():
    labels = ["train"] * 12
    labels[6] = ""
    message = _error(_split_file(labels), "x", "y", "part")
    assert message.startswith("Row 8, split column `part`: the cell is empty")


def test_split_leaving_too_few_rows():
    message = _error(_split_file(["val"] * 11 + ["train"]), "x", "y", "part")
    assert "leaves 1 training and 11 validation rows" in message
    assert "leaves 12 training and 0" not in message
    with pytest.raises(DataError, match="On the training rows x"):
        select(
            read_table(_csv([["x", "y", "s"]] + [[1 if i else 5, i, int(i == 0)] for i in range(12)])), "x", "y", "s"
        )


def test_sampling_is_seeded_reproducible_and_in_file_order():
    table = read_table(_line(150))
    state = np.random.get_state()[1].copy()
    sel = select(table, "x", "y", max_points=100)
    assert np.array_equal(np.random.get_state()[1], state)  # numpy's global state is untouched
    expected = np.sort(np.random.RandomState(42).choice(150, size=100, replace=False)).astype(float)
    assert np.array_equal(sel.x, expected) and np.array_equal(sel.y, 1 + 2 * expected)
    assert sel.n_rows_read == 150
    assert sel.notice == (
        "The file has 150 rows; the lesson runs on 100 of them, picked at random with seed 42 and kept in file order."
    )
    assert np.array_equal(select(table, "x", "y", max_points=100).x, sel.x)
    assert not np.array_equal(select(table, "x", "y", seed=7, max_points=100).x, sel.x)
    assert select(table, "x", "y", max_points=150).notice is None


def test_sampling_at_the_default_limit_keeps_the_split():
    n = csvdata.MAX_POINTS + 5
    raw = b"x,y,s\n" + b"".join(b"%d,%d,%d\n" % (i, i % 7, i % 5 == 0) for i in range(n))
    sel = select(read_table(raw), "x", "y", "s")
    assert sel.x.size == csvdata.MAX_POINTS and "100,005 rows" in sel.notice
    assert np.array_equal(sel.is_val, sel.x.astype(int) % 5 == 0)
    assert np.array_equal(sel.y, sel.x % 7)


# --- small data in a link -------------------------------------------------------------------------


def _awkward_selection(n: int = 200, split: bool = True) -> csvdata.Selection:
    rng = np.random.RandomState(3)
    x = rng.normal(size=n) * 10.0 ** rng.randint(-300, 300, size=n)
    x[:4] = [5e-324, -0.0, 1 / 3, 1.7976931348623157e308]
    y = rng.normal(size=n)
    part = ["val" if v else "train" for v in rng.rand(n) < 0.2]
    rows = [['fe,"at"ure ü', "y", "part"]] + [[repr(a), repr(b), p] for a, b, p in zip(x.tolist(), y.tolist(), part)]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return select(read_table(out.getvalue().encode()), 'fe,"at"ure ü', "y", "part" if split else None)


@pytest.mark.parametrize("split", [True, False])
def test_inline_round_trip_is_bit_exact(split):
    sel = _awkward_selection(split=split)
    text = encode_inline(sel)
    assert text.startswith("v1.") and re.fullmatch(r"v1\.[A-Za-z0-9_-]+", text)
    assert len(text) <= csvdata.INLINE_MAX_CHARS
    back = decode_inline(text)
    assert back.x.view(np.uint64).tolist() == sel.x.view(np.uint64).tolist()  # -0.0 and subnormals too
    assert back.y.view(np.uint64).tolist() == sel.y.view(np.uint64).tolist()
    assert (back.x_name, back.y_name) == (sel.x_name, sel.y_name)
    if split:
        assert back.is_val.tolist() == sel.is_val.tolist() and back.split_name == "part"
    else:
        assert back.is_val is None
    assert back.digest == sel.digest


def test_inline_refuses_more_than_200_rows():
    sel = select(read_table(_line(201)), "x", "y")
    with pytest.raises(DataError, match="201 rows; a link can carry at most 200, so a link to this page opens"):
        encode_inline(sel)


def _packed(payload: bytes) -> str:
    return "v1." + base64.urlsafe_b64encode(zlib.compress(payload)).rstrip(b"=").decode()


def _flip(text: str, at: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return text[:at] + alphabet[(alphabet.index(text[at]) + 1) % 64] + text[at + 1 :]


def _corruptions() -> dict[str, tuple[str, str]]:
    good = encode_inline(select(read_table(_line(30)), "x", "y"))
    bomb = zlib.compress(b"x,y\n" + b"1,2\n" * 250_000, 9)
    return {
        "truncated": (good[:-12], "damaged"),
        "bit flipped": (_flip(good, len(good) // 2), "damaged"),
        "wrong version": ("v2." + good[3:], "not in a format this app reads"),
        "no version": (good[3:], "not in a format this app reads"),
        "huge": ("v1." + "A" * 50_000, "too long (50,003 characters"),
        "bad characters": (good[:20] + "$%<>" + good[20:], "characters a link's data never has"),
        "impossible length": (good + "A" * (5 - len(good) % 4), "damaged"),
        "not zlib": ("v1." + base64.urlsafe_b64encode(b"hello world, not zlib").decode().rstrip("="), "damaged"),
        "extra bytes": (_packed(_line(30)) + "AAAA", "damaged"),
        "zip bomb": ("v1." + base64.urlsafe_b64encode(bomb).decode().rstrip("="), "unpacks to more than"),
        "empty": ("v1.", "damaged"),
        "bad cell": (_packed(_line(30).replace(b"\n5,", b"\n**5**,")), "Row 7, column `x`: `**5**` is not a number"),
        "one column": (_packed(b"x\n" + b"1\n" * 20), "one column"),
        "four columns": (_packed(b"a,b,c,d\n" + b"1,2,3,4\n" * 20), "two or three columns"),
        "too many rows": (_packed(_line(201)), "201 data rows; the app reads at most 200"),
    }


@pytest.mark.parametrize("case", list(_corruptions()))
def test_corrupted_inline_data_is_a_clear_error(case):
    text, expected = _corruptions()[case]
    with pytest.raises(DataError) as caught:
        decode_inline(text)
    message = str(caught.value)
    assert expected in message, message
    assert_inert(message)


# --- downloads --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, cell",
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", '"\'\r=1"'),
        ('=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'),
        ("plain name", "plain name"),
        ("a,b", '"a,b"'),
        ("a;b", '"a;b"'),
        ('say "hi"', '"say ""hi"""'),
        (" padded ", '" padded "'),
        ("", ""),
    ],
)
def test_csv_safe(text, cell):
    assert csv_safe(text) == cell
    read_back = next(csv.reader([csv_safe(text)])) if text else [""]
    assert len(read_back) == 1 and not read_back[0].startswith(("=", "+", "-", "@", "\t", "\r"))


def test_a_formula_column_name_never_comes_back_unescaped():
    name = "=cmd|' /C calc'!A0"
    raw = _csv([[f'"{name}"', "y"]] + [[i, i] for i in range(12)])
    table = read_table(raw)
    assert table.columns[0] == name
    line = ",".join(csv_safe(c) for c in table.columns)
    assert next(csv.reader([line])) == ["'" + name, "y"]
