"""A learner's own data: CSV bytes read into numbers, two columns picked, and a small set carried in a link.

Pure parsing: this module uses numpy and the standard library only (no Streamlit), so every rule
here is fast and tested on bytes. The page shows a :class:`DataError`'s message as it is; every piece of the
learner's text in a message goes through :func:`plain_value`, so it shows as plain text.

What is read (:func:`read_table`):

- Text in UTF-8, with or without a byte-order mark. Binary files (an Excel workbook renamed
  ``.csv``, anything holding NUL bytes) and bytes that are not UTF-8 are refused.
- Columns separated by ``,``, ``;`` or a tab, whichever splits the first rows into the same
  number of columns as the header (the first non-blank row). Cells may be quoted; spaces around a
  cell are ignored; blank rows are skipped (rows are still counted as a spreadsheet shows them).
  A row may end with extra empty cells (spreadsheets write them); otherwise every row has one cell
  per header column.
- Numbers: an optional sign, digits, a decimal mark, an exponent (``1.5``, ``-2``, ``.5``,
  ``3e-4``); ``nan`` and ``inf`` are read (and refused later, by :func:`select`). In a
  ``,``-separated file the decimal mark is ``.``. In a ``;``- or tab-separated file it is ``,``
  when some number can only be read that way (``1,5``, ``0,25``, ``1234,5``, ``1.234,5``), and
  ``.`` otherwise (``1,234`` and ``1.234`` alone could be either: they read as 1234 and 1.234).
  A file with numbers of both kinds keeps the separator's custom (``,`` after ``;``, ``.`` after
  a tab) and reports the first cell written the other way.
  Thousands separators are accepted only in groups of three after a first group of one to three
  digits not starting with 0: with a ``.`` decimal mark ``,`` or a space (``"1,234.5"`` quoted in
  a ``,`` file, ``1 234.5``); with a ``,`` decimal mark ``.`` or a space (``1.234,5``,
  ``1 234,5``). No-break and narrow no-break spaces count as spaces. Anything else (``1,5`` in a
  ``,`` file, ``12,34.5``, ``1'234``, ``$5``, digits of other scripts) is not a number.
- At most :data:`MAX_ROWS` data rows and :data:`MAX_CELLS` cells are read; larger files are refused.

:func:`select` picks the x and y columns (and an optional split column). The lesson runs on at
most :data:`MAX_POINTS` rows: a larger selection is sampled, with a seed, and says so.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import itertools
import re
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .numbers import count

#: Data rows a file may hold (more are refused; the lesson samples :data:`MAX_POINTS` of them).
MAX_ROWS = 1_000_000
#: Cells read at most (rows times columns read), so a wide file cannot fill the server's memory.
MAX_CELLS = 5_000_000
#: Rows the lesson needs: an 80/20 split leaves 8 points to fit and 2 to check the fit.
MIN_ROWS = 10
#: Rows the lesson runs on at most; a larger selection is a seeded sample of this many rows.
MAX_POINTS = 100_000
#: Rows a link can carry (larger data cannot travel in a URL).
INLINE_MAX_ROWS = 200
#: Length of a link's data parameter read at most (checked before decoding anything).
INLINE_MAX_CHARS = 12_000
#: Bytes a link's data may decompress to (a zip bomb stops here).
INLINE_MAX_BYTES = 64_000
#: Version tag of the link format.
INLINE_VERSION = "v1"
#: Distinct texts a column may hold and still be a split column (more are not tracked).
MAX_LABELS = 8

_SEPARATORS = (",", ";", "\t")
_SEPARATOR_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}
_SNIFF_ROWS = 30
_CHUNK_ROWS = 1 << 16
_BLOCK_CHARS = 1 << 20
_SPACES = " \u00a0\u202f"
_SPECIAL = frozenset(f"{sign}{word}" for sign in ("", "+", "-") for word in ("nan", "inf", "infinity"))
_KEPT_RAW = 200  # characters of a bad cell kept for the message (plain_value shows fewer)

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"

_BINARY = (
    "This looks like a binary or Excel file, not CSV text: save it as CSV "
    "(in a spreadsheet: Save As, then CSV UTF-8) and upload that file."
)

# Evidence that a ;- or tab-separated file writes a decimal comma, or a decimal point: a number
# that can only be read one way (not three digits after the mark, a leading 0, four or more
# digits before it, or both marks). Searched once over the whole text, at C speed.
_EDGE_BEFORE = r"(?<![\w.,])[+-]?"
_EDGE_AFTER = r"(?:[eE][+-]?[0-9]+)?(?![\w.,])"


def _evidence(mark: str, other: str) -> re.Pattern[str]:
    m, o = re.escape(mark), re.escape(other)
    body = (
        rf"[0-9]*{m}[0-9]{{1,2}}|[0-9]*{m}[0-9]{{4,}}|0{m}[0-9]+|[0-9]{{4,}}{m}[0-9]+"
        rf"|[1-9][0-9]{{0,2}}(?:{o}[0-9]{{3}})+{m}[0-9]*"
    )
    return re.compile(rf"{_EDGE_BEFORE}(?:{body}){_EDGE_AFTER}", re.ASCII)


_COMMA_DECIMAL = _evidence(",", ".")
_POINT_DECIMAL = _evidence(".", ",")


class DataError(ValueError):
    """A file or link the lesson cannot use, with a message written for the learner.

    The message is plain text apart from code spans made by :func:`plain_value`; it names the row
    (as a spreadsheet numbers it, the header being row 1) and the column where it can.
    """


def plain_value(raw: str, limit: int = 40) -> str:
    """Show a piece of the learner's text inside a Markdown code span, so nothing in it renders.

    Parameters
    ----------
    raw : str
        Text from a file or a link: a cell, a column name.
    limit : int
        Characters kept; a longer text is cut and ends with "…".

    Returns
    -------
    str
        The text between backticks: wide spaces become spaces, other characters that do not
        print (controls, line breaks, direction overrides) become "�", and backticks become "'",
        since a backtick would end the code span and let the rest render as Markdown.
    """
    shown = "".join(_printable(ch) for ch in raw[: limit + 1]).replace("`", "'")
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return f"`{shown or ' '}`"  # two backticks alone would not be a code span


def _printable(ch: str) -> str:
    """A character as it can be shown: spaces of any width as a space, other invisible ones as "�"."""
    if ch.isprintable():
        return ch
    return " " if unicodedata.category(ch) == "Zs" else "\ufffd"


def _column_label(index: int) -> str:
    """A column as a spreadsheet names it and as a count: ``3 (C)``."""
    letters, n = "", index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{index + 1} ({letters})"


# --------------------------------------------------------------------------------------------
# Reading a table


@dataclass(frozen=True, eq=False)
class Column:
    """One column of a :class:`Table`: its numbers and what the first bad cell was.

    Attributes
    ----------
    name : str
        The header cell, stripped (``column 3`` when the header cell is empty).
    values : numpy.ndarray
        float64, read-only: the number in each data row, NaN where a cell is not a number.
    n_bad : int
        Cells that are not a finite number (text, empty, NaN, inf).
    first_bad_index : int or None
        Data-row index of the first such cell.
    first_bad_raw : str or None
        Its text, as written (cut to 200 characters).
    labels : tuple of str
        The distinct texts of the cells that are not numbers, in order of appearance, when there
        are at most :data:`MAX_LABELS` of them (empty otherwise).
    label_codes : numpy.ndarray or None
        int8 per data row: the index into ``labels``, -1 where the cell is a number or empty;
        None when the column holds no text or too many kinds of it.
    many_labels : bool
        True when the column holds more than :data:`MAX_LABELS` different texts.
    skipped : bool
        True when ``usecols`` left the column unread (its values are all NaN).
    """

    name: str
    values: np.ndarray
    n_bad: int
    first_bad_index: int | None
    first_bad_raw: str | None
    labels: tuple[str, ...]
    label_codes: np.ndarray | None
    many_labels: bool = False
    skipped: bool = False


@dataclass(frozen=True, eq=False)
class Table:
    """A CSV file read column by column.

    Attributes
    ----------
    columns : tuple of str
        The column names, in file order.
    data : tuple of Column
        One :class:`Column` per name.
    n_rows : int
        Data rows read (blank rows not counted).
    separator : str
        ``","``, ``";"`` or ``"\\t"``.
    decimal_mark : str
        ``"."`` or ``","``.
    header_row : int
        The header's row number as a spreadsheet shows it (1 unless blank rows come first).
    blank_before : numpy.ndarray
        int64, sorted: for each blank row after the header, how many data rows came before it
        (so a data row's spreadsheet number can be told without keeping one per row).
    """

    columns: tuple[str, ...]
    data: tuple[Column, ...]
    n_rows: int
    separator: str
    decimal_mark: str
    header_row: int
    blank_before: np.ndarray

    def column(self, name: str) -> Column:
        """The column called ``name``; :class:`DataError` if there is none."""
        if name not in self.columns:
            known = ", ".join(plain_value(c) for c in self.columns)
            raise DataError(f"There is no column {plain_value(name)}. The columns are {known}.")
        return self.data[self.columns.index(name)]

    def row_number(self, index: int) -> int:
        """The spreadsheet row number of data row ``index`` (0-based): header row + 1 + blank rows before it."""
        blanks = int(np.searchsorted(self.blank_before, index, side="right"))
        return self.header_row + 1 + index + blanks

    def bad_cell_message(self, name: str) -> str | None:
        """A sentence naming the first cell of column ``name`` that is not a finite number, or None."""
        col = self.column(name)
        if col.first_bad_index is None:
            return None
        raw = col.first_bad_raw or ""
        where = f"Row {self.row_number(col.first_bad_index)}, column {plain_value(name)}"
        more = col.n_bad - 1
        tail = f" ({count(more)} more {'cell' if more == 1 else 'cells'} in this column too)" if more else ""
        value = float(col.values[col.first_bad_index])
        return f"{where}: {_what_is_wrong(raw, value, self.separator)}{tail}."

    def describe(self) -> str:
        """How the file was read, in one plain sentence (for the page to show under the upload)."""
        decimal = "decimal commas" if self.decimal_mark == "," else "decimal points"
        return (
            f"Read {count(self.n_rows)} rows and {count(len(self.columns))} columns, "
            f"separated by {_SEPARATOR_NAMES[self.separator]}, with {decimal}."
        )


def _what_is_wrong(raw: str, value: float, separator: str) -> str:
    """Why a cell is not a usable number (``value`` is what it was read as), quoting it."""
    cell = raw.strip()
    if not cell:
        return "the cell is empty; the lesson needs a number in every row"
    if cell.lower() in _SPECIAL:
        kind = "NaN (not a number)" if np.isnan(value) else "infinite"
        return f"{plain_value(cell)} is {kind}; the lesson needs a finite number in every row"
    if np.isinf(value):  # written as a number, but beyond the largest float64 (about 1.8e308)
        return f"{plain_value(cell)} is too large to compute with; the lesson needs a finite number in every row"
    hint = ""
    if separator == "," and re.fullmatch(r"[+-]?[0-9]*,[0-9]+", cell):
        hint = " (a decimal comma? In a comma-separated file write a decimal point, or separate the columns with ;)"
    return f"{plain_value(cell)} is not a number{hint}"


def read_table(raw: bytes, *, max_rows: int = MAX_ROWS, usecols: Sequence[str] | None = None) -> Table:
    """Read CSV bytes into a :class:`Table` (the rules are in the module's docstring).

    Parameters
    ----------
    raw : bytes
        The file as uploaded or pasted.
    max_rows : int
        Data rows accepted at most; a larger file is refused, with its row count.
    usecols : sequence of str, optional
        Read the numbers of these columns only (all names are still checked); the others come
        back with an all-NaN column, so a wide file costs memory only for what the lesson uses.

    Returns
    -------
    Table

    Raises
    ------
    DataError
        Binary or not UTF-8; empty; a header only; one column; duplicate or unknown column names;
        a ragged row; more than ``max_rows`` rows or :data:`MAX_CELLS` cells.
    """
    text = _decode(raw)
    if not text.strip():
        raise DataError("The file is empty: it needs a header row and at least one row of numbers.")
    if "\r" in text:  # old Mac line ends and Windows ones become one kind, so rows split the same way
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    separator = _sniff_separator(text)
    decimal = _decimal_mark(text, separator)
    return _Reader(text, separator, decimal, max_rows, usecols).read()


def _decode(raw: bytes) -> str:
    """UTF-8 text without its byte-order mark; :class:`DataError` for anything binary or another encoding."""
    if raw.startswith(_UTF16_BOMS):
        raise DataError("This file is saved as UTF-16 text: save it as CSV UTF-8 and upload that file.")
    if raw.startswith((_ZIP_MAGIC, _OLE_MAGIC)) or b"\x00" in raw:
        raise DataError(_BINARY)
    raw = raw.removeprefix(_UTF8_BOM)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        row = raw.count(b"\n", 0, error.start) + 1
        raise DataError(
            f"Row {row} holds bytes that are not UTF-8 text. {_BINARY.replace('This', 'The file', 1)} "
            "A file saved in another text encoding needs saving as CSV UTF-8 too."
        ) from None


def _records(text: str, separator: str) -> Iterator[list[str]]:
    """The CSV records of ``text``, read through small buffers (one StringIO would hold 4 bytes a character)."""
    return csv.reader(itertools.chain.from_iterable(_blocks(text)), delimiter=separator, skipinitialspace=True)


def _blocks(text: str) -> Iterator[io.StringIO]:
    """``text`` in pieces of about a megabyte that end at a line end."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + _BLOCK_CHARS)
        end = len(text) if end < 0 else end + 1
        yield io.StringIO(text[start:end], newline="")
        start = end


def _is_blank(fields: list[str]) -> bool:
    return not "".join(fields).strip()


def _sniff_separator(text: str) -> str:
    """The separator that splits the first rows like the header, preferring more columns; ``,`` on a tie."""

    def score(separator: str) -> tuple[int, int]:
        try:
            rows = [r for r in itertools.islice(_records(text, separator), _SNIFF_ROWS * 2) if not _is_blank(r)]
        except csv.Error:
            return (-1, 0)
        rows = rows[:_SNIFF_ROWS]
        width = len(rows[0]) if rows else 0
        if width < 2:  # one column splits nothing: no evidence for this separator
            return (0, 0)
        return (sum(len(r) == width for r in rows), width)

    return max(_SEPARATORS, key=score)  # max keeps the first of equals, and "," comes first


def _decimal_mark(text: str, separator: str) -> str:
    """``,`` when a ;- or tab-separated file holds a number only a decimal comma can read, else ``.``."""
    if separator == ",":
        return "."
    body = text[text.find("\n") + 1 :]  # the header's words are no evidence
    comma, point = _COMMA_DECIMAL.search(body), _POINT_DECIMAL.search(body)
    if comma and point:  # mixed: the separator's usual convention wins, the other cells are reported
        return "," if separator == ";" else "."
    return "," if comma else "."


class _NumberReader:
    """Turns a column's cells into float64 under one file's decimal mark and thousands separators."""

    def __init__(self, decimal: str) -> None:
        groupers = _SPACES + ("," if decimal == "." else ".")
        g, d = re.escape(groupers), re.escape(decimal)
        integer = rf"(?:[1-9][0-9]{{0,2}}(?P<g>[{g}])[0-9]{{3}}(?:(?P=g)[0-9]{{3}})*|[0-9]+)"
        self.pattern = re.compile(rf"[+-]?(?:{integer}(?:{d}[0-9]*)?|{d}[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
        self.to_python = str.maketrans({**{c: None for c in groupers}, decimal: "."})
        # Cells made only of these are plain numbers (or malformed, which numpy then refuses).
        self.not_plain = re.compile(rf"[^0-9eE+\-{d}]")
        self.decimal = decimal

    def convert(self, cells: Sequence[str]) -> tuple[np.ndarray, list[tuple[int, str]]]:
        """The cells as numbers, and the (index, text) of each non-empty cell that is no number."""
        if not self.not_plain.search("".join(cells)):
            try:  # the common case, at numpy's speed: every cell a plain number
                plain = cells if self.decimal == "." else [c.replace(",", ".") for c in cells]
                return np.array(plain, dtype=np.float64), []
            except ValueError:
                pass  # an empty cell or a stray "e": the careful path below finds it
        values = np.empty(len(cells), dtype=np.float64)
        texts: list[tuple[int, str]] = []
        for i, raw in enumerate(cells):
            cell = raw.strip()
            if self.pattern.fullmatch(cell):
                values[i] = float(cell.translate(self.to_python))
            elif cell.lower() in _SPECIAL:
                values[i] = float(cell)
            else:
                values[i] = np.nan
                if cell:
                    texts.append((i, cell))
        return values, texts


class _ColumnBuilder:
    """Collects one column chunk by chunk; only float arrays and a few labels outlive a chunk."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.chunks: list[np.ndarray] = []
        self.n = 0
        self.first_bad: tuple[int, str] | None = None
        self.labels: dict[str, int] = {}
        self.code_chunks: list[tuple[int, np.ndarray]] = []
        self.too_many_labels = False

    def add(self, values: np.ndarray, texts: list[tuple[int, str]], cells: Sequence[str]) -> None:
        bad = np.flatnonzero(~np.isfinite(values))
        if self.first_bad is None and bad.size:
            self.first_bad = (self.n + int(bad[0]), cells[int(bad[0])][:_KEPT_RAW])
        if texts and not self.too_many_labels:
            self._add_labels(texts, len(cells))
        self.chunks.append(values)
        self.n += len(values)

    def _add_labels(self, texts: list[tuple[int, str]], size: int) -> None:
        codes = np.full(size, -1, dtype=np.int8)
        for i, text in texts:
            code = self.labels.setdefault(text, len(self.labels))
            if code >= MAX_LABELS:  # free text, not a split column: stop keeping codes
                self.too_many_labels = True
                self.labels.clear()
                self.code_chunks.clear()
                return
            codes[i] = code
        self.code_chunks.append((self.n, codes))

    def finish(self) -> Column:
        values = np.concatenate(self.chunks) if self.chunks else np.empty(0)
        values.flags.writeable = False
        codes = None
        if self.labels:
            codes = np.full(self.n, -1, dtype=np.int8)
            for start, part in self.code_chunks:
                codes[start : start + len(part)] = part
            codes.flags.writeable = False
        n_bad = int(np.count_nonzero(~np.isfinite(values)))
        index, raw = self.first_bad if self.first_bad else (None, None)
        return Column(self.name, values, n_bad, index, raw, tuple(self.labels), codes, self.too_many_labels)


class _Reader:
    """One pass over the records: header, blank and ragged rows, chunks of cells into columns."""

    def __init__(self, text: str, separator: str, decimal: str, max_rows: int, usecols: Sequence[str] | None):
        self.text, self.separator, self.decimal = text, separator, decimal
        self.max_rows, self.usecols = max_rows, usecols
        self.numbers = _NumberReader(decimal)

    def read(self) -> Table:
        self._refuse_if_too_long()
        records = _records(self.text, self.separator)
        row, header = self._header(records)
        names = _column_names(header)
        wanted = self._wanted(names)
        # Past this many rows the file breaks a limit: too many rows, or too many cells to keep.
        row_limit = min(self.max_rows, MAX_CELLS // max(len(wanted), 1))
        builders = {j: _ColumnBuilder(names[j]) for j in wanted}
        n_rows, blank_before, chunk = 0, [], []
        header_row, width = row, len(names)
        try:
            for fields in records:  # the per-row work is kept small: this loop runs up to a million times
                row += 1
                if not (fields and fields[0].strip()) and _is_blank(fields):
                    blank_before.append(n_rows)
                    continue
                if len(fields) != width:
                    fields = _fit_row(fields, width, row)
                n_rows += 1
                if n_rows > row_limit:
                    self._refuse_too_many(n_rows + self._count_rest(records), len(wanted))
                chunk.append(fields)
                if len(chunk) == _CHUNK_ROWS:
                    self._convert(chunk, builders)
                    chunk = []
        except csv.Error as error:
            raise DataError(f"Row {row + 1} cannot be read as CSV: {error}.") from None
        self._convert(chunk, builders)
        if n_rows == 0:
            raise DataError(
                f"The file has a header but no data rows: the lesson needs at least {MIN_ROWS} rows of numbers."
            )
        columns = tuple(
            builders[j].finish() if j in builders else _skipped_column(name, n_rows) for j, name in enumerate(names)
        )
        blanks = np.array(blank_before, dtype=np.int64)
        blanks.flags.writeable = False
        return Table(tuple(names), columns, n_rows, self.separator, self.decimal, header_row, blanks)

    def _header(self, records: Iterator[list[str]]) -> tuple[int, list[str]]:
        """The header row's number and cells (blank rows before it are skipped)."""
        try:
            for row, fields in enumerate(records, start=1):
                if not _is_blank(fields):
                    return row, fields
        except csv.Error as error:
            raise DataError(f"The header row cannot be read as CSV: {error}.") from None
        raise DataError("The file is empty: it needs a header row and at least one row of numbers.")

    def _wanted(self, names: list[str]) -> list[int]:
        if self.usecols is None:
            return list(range(len(names)))
        for name in self.usecols:
            if name not in names:
                known = ", ".join(plain_value(c) for c in names)
                raise DataError(f"There is no column {plain_value(name)}. The columns are {known}.")
        return [j for j, name in enumerate(names) if name in self.usecols]

    def _convert(self, chunk: list[list[str]], builders: dict[int, _ColumnBuilder]) -> None:
        if not chunk:
            return
        for j, builder in builders.items():
            cells = [fields[j] for fields in chunk]
            values, texts = self.numbers.convert(cells)
            builder.add(values, texts, cells)

    def _refuse_if_too_long(self) -> None:
        """Refuse a file with too many rows before converting any, if its line count says it may be one."""
        if self.text.count("\n") <= self.max_rows:
            return
        records = _records(self.text, self.separator)
        try:
            n_rows = sum(1 for fields in records if not _is_blank(fields)) - 1
        except csv.Error:
            return  # the full read names the row
        if n_rows > self.max_rows:
            self._refuse_too_many(n_rows, 0)

    def _count_rest(self, records: Iterator[list[str]]) -> int:
        try:
            return sum(1 for fields in records if not _is_blank(fields))
        except csv.Error:
            return 0

    def _refuse_too_many(self, n_rows: int, n_columns: int) -> None:
        if n_rows > self.max_rows:
            raise DataError(
                f"The file has {count(n_rows)} data rows; the app reads at most {count(self.max_rows)}. "
                f"Keep fewer rows (the lesson itself runs on at most {count(MAX_POINTS)} rows, picked at random)."
            )
        raise DataError(
            f"The file has {count(n_rows)} rows of {count(n_columns)} columns, more than the "
            f"{count(MAX_CELLS)} cells the app reads. Keep only the columns the lesson needs."
        )


def _column_names(header: list[str]) -> list[str]:
    """Stripped header names (``column N`` for an empty one); :class:`DataError` for one column or a repeated name."""
    while len(header) > 2 and not header[-1].strip():  # a spreadsheet's trailing empty cells
        header = header[:-1]
    names = [cell.strip() or f"column {j + 1}" for j, cell in enumerate(header)]
    if len(names) < 2:
        raise DataError(
            f"The file has one column ({plain_value(names[0])}): the lesson needs an x and a y column. "
            "Separate the columns with commas, semicolons or tabs."
        )
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if name in seen:
            raise DataError(
                f"Columns {_column_label(seen[name])} and {_column_label(j)} are both named {plain_value(name)}: "
                "rename one of them, so that each column can be picked by its name."
            )
        seen[name] = j
    return names


def _fit_row(fields: list[str], width: int, row: int) -> list[str]:
    """A row with extra empty cells at its end cut to the header's width; :class:`DataError` if it is ragged."""
    if len(fields) > width and not "".join(fields[width:]).strip():
        return fields[:width]
    cells = "cell" if len(fields) == 1 else "cells"
    # csv reads on past a line end inside quotes, so a quote never closed swallows the rows after it.
    hint = " (A quote opened in this row is never closed.)" if any("\n" in f for f in fields) else ""
    raise DataError(
        f"Row {row} has {count(len(fields))} {cells} but the header names {count(width)} columns: "
        f"every row needs one value per column.{hint}"
    )


def _skipped_column(name: str, n_rows: int) -> Column:
    """A column left out by ``usecols``: all NaN, nothing to report (it is never selected)."""
    values = np.full(n_rows, np.nan)
    values.flags.writeable = False
    return Column(name, values, 0, None, None, (), None, skipped=True)


# --------------------------------------------------------------------------------------------
# Picking the columns


@dataclass(frozen=True, eq=False)
class Selection:
    """The x and y the lesson runs on, and which rows are for validation.

    Attributes
    ----------
    x, y : numpy.ndarray
        1-D float64, finite, read-only, in file order.
    is_val : numpy.ndarray or None
        bool per row, True for a validation row, from the file's split column; None when the
        file has none (the page then splits 80/20 with the seed, as the book does).
    x_name, y_name : str
        The column names.
    n_rows_read : int
        Data rows in the file.
    notice : str or None
        A sentence for the learner when the rows were sampled, else None.
    split_name : str or None
        The split column's name, if one was picked.
    """

    x: np.ndarray
    y: np.ndarray
    is_val: np.ndarray | None
    x_name: str
    y_name: str
    n_rows_read: int
    notice: str | None = None
    split_name: str | None = None

    @cached_property
    def digest(self) -> str:
        """A short fingerprint of the numbers and names (16 hex characters of a SHA-256), for cache keys."""
        h = hashlib.sha256()
        for name in (self.x_name, self.y_name, self.split_name or ""):
            encoded = name.encode("utf-8")
            h.update(len(encoded).to_bytes(8, "little") + encoded)  # lengths keep ("ab", "c") apart from ("a", "bc")
        for array in (self.x, self.y, self.is_val if self.is_val is not None else np.empty(0, dtype=bool)):
            data = np.ascontiguousarray(array).tobytes()
            h.update(len(data).to_bytes(8, "little") + data)
        return h.hexdigest()[:16]


# The kind of each accepted split value; a split column holds exactly one of these pairs of kinds.
_SPLIT_WORDS = {
    "train": "train",
    "training": "train",
    "validation": "val",
    "valid": "val",
    "val": "val",
    "test": "val",
    "true": "true",
    "false": "false",
}
_SPLIT_PAIRS = ({"0", "1"}, {"false", "true"}, {"train", "val"})
_VALIDATION_KINDS = ("1", "true", "val")
_ACCEPTED_SPLITS = "0 and 1, false and true, or train and validation (or valid, val, test)"


def select(
    table: Table,
    x: str,
    y: str,
    split: str | None = None,
    *,
    seed: int = 42,
    max_points: int = MAX_POINTS,
) -> Selection:
    """Pick the columns the lesson runs on and check that it can run on them.

    Files of up to :data:`MAX_ROWS` (10^6) rows are read; the lesson runs on at most
    ``max_points`` (:data:`MAX_POINTS`, 100,000) rows: a larger selection is a sample of that many
    rows, drawn with ``numpy.random.RandomState(seed)`` (never numpy's global state) and kept in
    file order, and ``notice`` says so. Larger files are refused by :func:`read_table`.

    Parameters
    ----------
    table : Table
        From :func:`read_table`.
    x, y : str
        The feature and target column names.
    split : str, optional
        A column marking each row as training or validation: two kinds of value, 0 and 1,
        false and true, or train and validation (also valid, val, test), in any letter case.
        1, true and the validation words mark validation rows.
    seed : int
        Seed of the sample taken when there are more than ``max_points`` rows.
    max_points : int
        Rows the lesson runs on at most.

    Returns
    -------
    Selection

    Raises
    ------
    DataError
        An unknown column; x the same as y (or as split); a cell of x or y that is not a finite
        number (naming its row, column and value); fewer than :data:`MIN_ROWS` rows; a constant x;
        a split column with other values, or leaving fewer than 2 training or 1 validation rows.
    """
    _check_names(table, x, y, split)
    xs, ys = _finite(table, x), _finite(table, y)
    n = table.n_rows
    if n < MIN_ROWS:
        rows = "row" if n == 1 else "rows"
        raise DataError(
            f"The file has {count(n)} data {rows}; the lesson needs at least {MIN_ROWS}. It splits the rows "
            "80/20 into training points, which fit the line, and validation points, which check it, "
            "and each part needs enough of them."
        )
    is_val = _split(table, split) if split is not None else None
    notice = None
    if n > max_points:
        keep = np.sort(np.random.RandomState(seed).choice(n, size=max_points, replace=False))
        xs, ys = xs[keep], ys[keep]
        is_val = is_val[keep] if is_val is not None else None
        notice = (
            f"The file has {count(n)} rows; the lesson runs on {count(max_points)} of them, "
            f"picked at random with seed {seed} and kept in file order."
        )
    _check_spread(xs, x)
    if is_val is not None:
        _check_split_sizes(is_val, split or "")
        _check_spread(xs[~is_val], x, "On the training rows x", "pick a split that trains on varied x")
    return Selection(_frozen(xs), _frozen(ys), _frozen(is_val) if is_val is not None else None, x, y, n, notice, split)


def _check_names(table: Table, x: str, y: str, split: str | None) -> None:
    for name in (x, y, split):
        if name is not None and table.column(name).skipped:  # column() raises for an unknown name
            raise DataError(f"The column {plain_value(name)} was not read: read the file again with it.")
    if x == y:
        raise DataError(f"x and y are both {plain_value(x)}: pick two different columns.")
    if split in (x, y):
        raise DataError(f"The split column {plain_value(split or '')} is also x or y: pick another column.")


def _finite(table: Table, name: str) -> np.ndarray:
    """The column's values; :class:`DataError` naming the first cell that is not a finite number."""
    message = table.bad_cell_message(name)
    if message:
        raise DataError(message)
    return table.column(name).values


def _check_spread(xs: np.ndarray, x: str, subject: str = "x", advice: str = "pick a column whose values vary") -> None:
    """x must take two values at least, or there is no slope to learn."""
    if xs.min() == xs.max():
        raise DataError(f"{subject} ({plain_value(x)}) takes one value, so there is no slope to learn: {advice}.")


def _split(table: Table, name: str) -> np.ndarray:
    """True for validation rows, from a split column holding exactly two accepted kinds of value."""
    col = table.column(name)
    if col.many_labels:
        raise DataError(
            f"The split column {plain_value(name)} holds many different texts; it must hold two kinds of value: "
            f"{_ACCEPTED_SPLITS}."
        )
    is_number = np.isfinite(col.values)
    is_label = col.label_codes >= 0 if col.label_codes is not None else np.zeros(table.n_rows, dtype=bool)
    missing = np.flatnonzero(~is_number & ~is_label)
    if missing.size:  # an empty, NaN or infinite cell
        index = int(missing[0])
        raise DataError(
            f"Row {table.row_number(index)}, split column {plain_value(name)}: the cell is empty or not a finite "
            f"value; every row needs one of two kinds of value: {_ACCEPTED_SPLITS}."
        )
    numbers = np.unique(col.values[is_number])
    kinds = {_split_kind_of_number(v) for v in numbers} | {_SPLIT_WORDS.get(w.lower(), "other") for w in col.labels}
    if kinds not in _SPLIT_PAIRS:
        found = [plain_value(_exact(v)) for v in numbers[:4]] + [plain_value(w) for w in col.labels[:4]]
        more = " and more" if len(found) < numbers.size + len(col.labels) else ""
        raise DataError(
            f"The split column {plain_value(name)} must hold two kinds of value: {_ACCEPTED_SPLITS}. "
            f"It holds {', '.join(found)}{more}."
        )
    is_val = col.values == 1
    if col.label_codes is not None:
        val_codes = [code for code, word in enumerate(col.labels) if _SPLIT_WORDS[word.lower()] in _VALIDATION_KINDS]
        is_val |= np.isin(col.label_codes, val_codes)
    return is_val


def _split_kind_of_number(value: float) -> str:
    return {0.0: "0", 1.0: "1"}.get(float(value), "other")


def _check_split_sizes(is_val: np.ndarray, name: str) -> None:
    """The fit needs 2 training rows and the check 1 validation row."""
    n_val = int(np.count_nonzero(is_val))
    n_train = is_val.size - n_val
    if n_train < 2 or n_val < 1:
        raise DataError(
            f"The split column {plain_value(name)} leaves {count(n_train)} training and {count(n_val)} validation "
            "rows; the lesson needs at least 2 training rows to fit a line and 1 validation row to check it."
        )


def _frozen(array: np.ndarray) -> np.ndarray:
    """A read-only copy, so that no caller can change what a cache holds."""
    out = np.array(array, copy=True)
    out.flags.writeable = False
    return out


def _exact(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` (``0.1``, ``1.0``, ``1e-05``).

    Not a display format (that is :mod:`ui.numbers`): a link must carry the value bit for bit.
    """
    return repr(float(value))


# --------------------------------------------------------------------------------------------
# Small data in a link


def encode_inline(sel: Selection) -> str:
    """A small selection as a URL-safe text: ``v1.`` and base64url of the zlib-compressed CSV.

    The CSV holds the names and the exact shortest text of every number, so
    :func:`decode_inline` gives back the same floats bit for bit.

    Raises
    ------
    DataError
        More than :data:`INLINE_MAX_ROWS` rows, or names too long for a link.
    """
    n = sel.x.size
    if n > INLINE_MAX_ROWS:
        raise DataError(
            f"This data has {count(n)} rows; a link can carry at most {INLINE_MAX_ROWS}, "
            "so a link to this page opens the book's data instead."
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = [sel.x_name, sel.y_name] + ([sel.split_name or "split"] if sel.is_val is not None else [])
    writer.writerow(header)
    split = sel.is_val.astype(int).tolist() if sel.is_val is not None else None
    for i, (xv, yv) in enumerate(zip(sel.x.tolist(), sel.y.tolist())):
        writer.writerow([_exact(xv), _exact(yv)] + ([split[i]] if split is not None else []))
    packed = zlib.compress(out.getvalue().encode("utf-8"), 9)
    text = f"{INLINE_VERSION}." + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")
    if len(text) > INLINE_MAX_CHARS:
        raise DataError("The column names are too long for a link, so a link to this page opens the book's data.")
    return text


_INLINE_DAMAGED = "The data in this link is damaged ({why}): the link may be cut short or edited. "
_INLINE_FALLBACK = "Upload the file again, or use the book's data."


def decode_inline(text: str) -> Selection:
    """The selection a link's data parameter carries, checked exactly like an uploaded file.

    Raises
    ------
    DataError
        A text too long, of another version, not base64url, not zlib, too large once
        decompressed, or data that :func:`read_table` or :func:`select` refuses.
    """
    text = text.strip()
    if len(text) > INLINE_MAX_CHARS:  # before any decoding: a huge parameter costs nothing
        raise DataError(
            f"The data in this link is too long ({count(len(text))} characters; a link carries at most "
            f"{count(INLINE_MAX_CHARS)}). {_INLINE_FALLBACK}"
        )
    version, dot, body = text.partition(".")
    if not dot or version != INLINE_VERSION:
        raise DataError(
            f"The data in this link is not in a format this app reads (it should start with "
            f"{plain_value(INLINE_VERSION + '.')}). {_INLINE_FALLBACK}"
        )
    packed = _unbase64(body)
    raw = _inflate(packed)
    try:
        table = read_table(raw, max_rows=INLINE_MAX_ROWS)
    except DataError as error:
        raise DataError(f"The data in this link cannot be used. {error}") from None
    if len(table.columns) not in (2, 3):
        raise DataError(_INLINE_DAMAGED.format(why="it should hold two or three columns") + _INLINE_FALLBACK)
    split = table.columns[2] if len(table.columns) == 3 else None
    try:
        return select(table, table.columns[0], table.columns[1], split)
    except DataError as error:
        raise DataError(f"The data in this link cannot be used. {error}") from None


def _unbase64(body: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", body, re.ASCII) or len(body) % 4 == 1:
        raise DataError(_INLINE_DAMAGED.format(why="it holds characters a link's data never has") + _INLINE_FALLBACK)
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise DataError(_INLINE_DAMAGED.format(why="it is not base64") + _INLINE_FALLBACK) from None


def _inflate(packed: bytes) -> bytes:
    """Decompress at most :data:`INLINE_MAX_BYTES`; a stream that is cut, padded or larger is refused."""
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(packed, INLINE_MAX_BYTES)
    except zlib.error:
        raise DataError(_INLINE_DAMAGED.format(why="it does not decompress") + _INLINE_FALLBACK) from None
    if inflater.unconsumed_tail:
        raise DataError(
            f"The data in this link unpacks to more than {count(INLINE_MAX_BYTES)} bytes, more than a link "
            f"carries. {_INLINE_FALLBACK}"
        )
    if not inflater.eof or inflater.unused_data:
        raise DataError(_INLINE_DAMAGED.format(why="it is incomplete or has extra bytes") + _INLINE_FALLBACK)
    return raw


# --------------------------------------------------------------------------------------------
# Downloads


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """A text cell for a CSV download: a spreadsheet shows it as text and never runs it as a formula.

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    apostrophe (spreadsheets treat such a cell as a formula); then the usual CSV quoting: a cell
    holding a comma, a semicolon, a quote, a line break or spaces at its ends is quoted, its quotes
    doubled. Numbers are written by the app's own formatting and are not text cells.
    """
    if text.startswith(_FORMULA_STARTS):
        text = "'" + text
    if any(ch in text for ch in ',;"\n\r') or text != text.strip():
        text = '"' + text.replace('"', '""') + '"'
    return text
