"""CSV import: sniffing, the parsing rules, errors that name line and column, Standardizer."""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bpstudio.core.data import csv_data
from bpstudio.core.data.csv_data import DELIMITERS, Standardizer, read_csv, sniff_csv
from bpstudio.core.errors import BPStudioError

Writer = Callable[..., Path]


@pytest.fixture
def write(tmp_path: Path) -> Writer:
    """Write text (or bytes) to a file in tmp_path and return its path."""

    def _write(content: str | bytes, name: str = "data.csv") -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_bytes(content.encode("utf-8"))
        else:
            path.write_bytes(content)
        return path

    return _write


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse a few lines per chunk, so small files cross chunk boundaries."""
    monkeypatch.setattr(csv_data, "_CHUNK_CHARS", 40)


# -- sniffing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delimiter", "header", "names"),
    [
        ("a,b,y\n1,2,3\n4,5,6\n", ",", True, ("a", "b", "y")),
        ("1,2,3\n4,5,6\n", ",", False, ("x1", "x2", "x3")),
        ("a;b\n1,5;2,5\n3,0;4,0\n", ";", True, ("a", "b")),
        ("a\tb c\n1\t2\n", "\t", True, ("a", "b c")),
        ("  1   2  3\n4 5 6\n", " ", False, ("x1", "x2", "x3")),
        ("x, y\n1, 2\n", ",", True, ("x", "y")),
        ('"length, cm",species\n1.5,"iris setosa"\n', ",", True, ("length, cm", "species")),
        ("5.1,3.5,setosa\n4.9,3.0,setosa\n6.3,2.9,virginica\n", ",", False, ("x1", "x2", "x3")),
        ("sl,sw,species\n5.1,3.5,setosa\n4.9,3.0,setosa\n", ",", True, ("sl", "sw", "species")),
        ("a,a,,b\n1,2,3,4\n", ",", True, ("a", "a_2", "x3", "b")),
        ("only,a,header\n", ",", True, ("only", "a", "header")),
    ],
)
def test_sniff(write: Writer, text: str, delimiter: str, header: bool, names: tuple[str]) -> None:
    fmt = sniff_csv(write(text))
    assert (fmt.delimiter, fmt.has_header, fmt.column_names) == (delimiter, header, names)
    assert fmt.n_columns == len(names)


def test_sniff_truncated_sample(write: Writer) -> None:
    # The sample ends inside a multi-byte character and inside a line.
    path = write("é,b\n" + "1,2\n" * 50 + "123456,7")
    fmt = sniff_csv(path, sample_bytes=2)
    assert fmt.has_header
    assert sniff_csv(path, sample_bytes=30).column_names == ("é", "b")
    with pytest.raises(BPStudioError, match="empty"):
        sniff_csv(write(""))


# -- reading --------------------------------------------------------------------------------


def test_header_features_and_last_target(write: Writer) -> None:
    path = write("a,b,y\n1,2,0.5\n3,4.25,-1e3\n")
    data = read_csv(path)
    ds = data.dataset
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4.25]])
    np.testing.assert_array_equal(ds.Y, [[0.5], [-1000.0]])
    assert ds.task == "regression"
    assert ds.name == "data"
    assert ds.feature_names == ("a", "b")
    assert ds.target_names == ("y",)
    assert data.column_names == ("a", "b", "y")
    assert data.feature_columns == ("a", "b")
    assert data.target_columns == ("y",)
    assert data.label_column is None
    assert (data.delimiter, data.has_header, data.truncated) == (",", True, False)
    assert data.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_no_header_names_and_n_targets(write: Writer) -> None:
    data = read_csv(write("1,2,3,4\n5,6,7,8\n"), n_targets=2)
    assert data.column_names == ("x1", "x2", "x3", "x4")
    assert data.target_columns == ("x3", "x4")
    np.testing.assert_array_equal(data.dataset.Y, [[3, 4], [7, 8]])


def test_named_target_columns(write: Writer) -> None:
    data = read_csv(write("y,a,z,b\n1,2,3,4\n5,6,7,8\n"), target_columns=["z", "y"])
    np.testing.assert_array_equal(data.dataset.X, [[2, 4], [6, 8]])
    np.testing.assert_array_equal(data.dataset.Y, [[3, 1], [7, 5]])
    assert data.feature_columns == ("a", "b")
    assert data.target_columns == ("z", "y")


def test_binary_and_one_hot_numeric_targets_are_classification(write: Writer) -> None:
    binary = read_csv(write("a,b,y\n1,2,0\n3,4,1\n5,6,1\n")).dataset
    assert binary.task == "classification"
    assert binary.class_names == ("0", "1")
    assert binary.suggested_output() == ("sigmoid", "cross_entropy")
    one_hot = read_csv(write("a,p,q,r\n1,0,1,0\n2,1,0,0\n"), n_targets=3).dataset
    assert one_hot.task == "classification"
    assert one_hot.class_names == ("p", "q", "r")
    np.testing.assert_array_equal(one_hot.labels, [1, 0])


def test_string_label_column_is_one_hot_with_sorted_classes(write: Writer) -> None:
    text = "sl,species,sw\n5.1,setosa,3.5\n6.3,virginica,2.9\n5.9, versicolor ,3.0\n5.0,setosa,3\n"
    data = read_csv(write(text), label_column="species")
    ds = data.dataset
    assert data.class_names == ("setosa", "versicolor", "virginica")
    assert ds.class_names == data.class_names
    np.testing.assert_array_equal(ds.labels, [0, 2, 1, 0])
    np.testing.assert_array_equal(ds.X, [[5.1, 3.5], [6.3, 2.9], [5.9, 3.0], [5.0, 3.0]])
    assert ds.suggested_output() == ("softmax", "cross_entropy")
    assert data.feature_columns == ("sl", "sw")
    assert data.target_columns == ("species",)
    assert data.label_column == "species"


def test_integer_labels_sort_numerically(write: Writer) -> None:
    data = read_csv(write("label,a\n10,1\n9,2\n2.0,3\n10,4\n"), label_column="label")
    assert data.class_names == ("2", "9", "10")
    np.testing.assert_array_equal(data.dataset.labels, [2, 1, 0, 2])


def test_two_classes_without_one_hot(write: Writer) -> None:
    path = write("a,cls\n1,yes\n2,no\n3,yes\n")
    ds = read_csv(path, label_column="cls", one_hot=False).dataset
    np.testing.assert_array_equal(ds.Y, [[1.0], [0.0], [1.0]])
    assert ds.class_names == ("no", "yes")
    assert ds.suggested_output() == ("sigmoid", "cross_entropy")
    with pytest.raises(BPStudioError, match="exactly two classes.*has 3"):
        read_csv(write("a,cls\n1,x\n2,y\n3,z\n"), label_column="cls", one_hot=False)


@pytest.mark.parametrize(("j", "n_cols"), [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (1, 2)])
def test_label_column_at_any_position(write: Writer, j: int, n_cols: int) -> None:
    rng = np.random.default_rng(j)
    values = rng.integers(0, 100, size=(6, n_cols)).astype(float)
    labels = np.array(["b", "a", "c", "a", "b", "c"])
    cells = values.astype(int).astype(str)
    cells[:, j] = labels
    names = [f"c{i}" for i in range(n_cols)]
    text = ",".join(names) + "\n" + "\n".join(",".join(row) for row in cells) + "\n"
    data = read_csv(write(text), label_column=f"c{j}")
    np.testing.assert_array_equal(data.dataset.X, np.delete(values, j, axis=1))
    np.testing.assert_array_equal(data.dataset.labels, [1, 0, 2, 0, 1, 2])


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a;b;y\n1.5;2;3\n4;5;6\n", ";"),
        ("a\tb\ty\n1.5\t2\t3\n4\t5\t6\n", "\t"),
        ("a b y\n 1.5   2 3 \n4 5\t6\n", " "),
        ("a, b, y\n1.5, 2, 3\n4 ,5 , 6\n", ","),
    ],
)
def test_delimiters(write: Writer, text: str, delimiter: str) -> None:
    data = read_csv(write(text))
    assert data.delimiter == delimiter
    assert data.column_names == ("a", "b", "y")
    np.testing.assert_array_equal(data.dataset.X, [[1.5, 2], [4, 5]])
    np.testing.assert_array_equal(data.dataset.Y, [[3], [6]])


def test_bom_crlf_and_blank_lines(write: Writer) -> None:
    path = write(b"\xef\xbb\xbfa,y\r\n1,2\r\n\r\n3,4\r\n\r\n  \r\n")
    data = read_csv(path)
    assert data.column_names == ("a", "y")
    np.testing.assert_array_equal(data.dataset.X, [[1], [3]])
    # Line numbers count blank lines: the bad row is line 4.
    with pytest.raises(BPStudioError, match=r"line 4, column 'a': 'x' is not a number"):
        read_csv(write(b"\xef\xbb\xbfa,y\r\n1,2\r\n\r\nx,4\r\n"))


def test_quoted_cells(write: Writer) -> None:
    text = '"x 1","x,2","kind"\n"1.5",2,"a, b"\n3,"4",c\n'
    data = read_csv(write(text), label_column="kind")
    assert data.column_names == ("x 1", "x,2", "kind")
    np.testing.assert_array_equal(data.dataset.X, [[1.5, 2], [3, 4]])
    assert data.class_names == ("a, b", "c")
    with pytest.raises(BPStudioError, match=r"line 3, column 'x,2': 'z' is not a number"):
        read_csv(write('"a","x,2","y"\n1,2,3\n1,"z",3\n'))
    with pytest.raises(BPStudioError, match="line 2 has 2 columns, expected 3"):
        read_csv(write('"a","b","y"\n1,"2"\n'))


def test_number_forms(write: Writer) -> None:
    # Ints, floats, exponents, signs, an int64 overflow that must fall back to floats.
    text = "a,b,y\n+1,-2.5e-3,99999999999999999999\n007,.5,-9223372036854775808\n1_0,1.,0\n"
    ds = read_csv(write(text)).dataset
    np.testing.assert_array_equal(ds.X, [[1, -0.0025], [7, 0.5], [10, 1]])
    np.testing.assert_array_equal(ds.Y[:, 0], [1e20, -(2.0**63), 0.0])


def test_max_rows(write: Writer) -> None:
    data = read_csv(write("a,y\n1,2\n3,4\n5,6\n"), max_rows=2)
    assert data.dataset.n_examples == 2
    assert data.truncated
    assert not read_csv(write("a,y\n1,2\n3,4\n"), max_rows=2).truncated
    with pytest.raises(BPStudioError, match="max_rows"):
        read_csv(write("a,y\n1,2\n"), max_rows=0)


def test_explicit_format_overrides_sniffing(write: Writer) -> None:
    # All-numeric first line, but the caller says it is a header.
    data = read_csv(write("1,2\n3,4\n5,6\n"), has_header=True, delimiter=",")
    assert data.column_names == ("1", "2")
    assert data.dataset.n_examples == 2
    piped = read_csv(write("a|b\n1|2\n"), delimiter="|")
    np.testing.assert_array_equal(piped.dataset.X, [[1.0]])
    for bad in ("ab", "e", "."):
        with pytest.raises(BPStudioError, match="delimiter must be one of"):
            read_csv(write("1,2\n"), delimiter=bad)


def test_helper_thread_prefaults_ahead_of_the_parser(
    write: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Force the threaded path on a small file: tiny chunks, tiny prefault blocks.
    monkeypatch.setattr(csv_data, "_CHUNK_CHARS", 64)
    monkeypatch.setattr(csv_data._Prefault, "MIN_BYTES", 0)
    monkeypatch.setattr(csv_data._Prefault, "BLOCK_BYTES", 40)
    rng = np.random.default_rng(11)
    table = rng.integers(-50, 50, size=(400, 5))
    rows = [",".join(map(str, row)) for row in table]
    path = write("\n".join(rows) + "\n")
    for _ in range(3):
        ds = read_csv(path).dataset
        np.testing.assert_array_equal(ds.X, table[:, :4])
        np.testing.assert_array_equal(ds.Y, table[:, 4:])
    rows[350] = "1,2,x,4,5"
    with pytest.raises(BPStudioError, match="line 351, column 'x3'"):
        read_csv(write("\n".join(rows) + "\n"))
    assert not [t for t in threading.enumerate() if t.name.startswith("bpstudio-csv")]


def test_progress_is_monotone_and_ends_at_one(write: Writer, small_chunks: None) -> None:
    rows = "\n".join(f"{i},{i * 2},{i % 3}" for i in range(200))
    seen: list[float] = []
    data = read_csv(write("a,b,y\n" + rows + "\n"), progress=seen.append)
    assert data.dataset.n_examples == 200
    assert len(seen) > 10
    assert seen[0] == 0.0
    assert seen[-1] == 1.0
    assert all(0.0 <= a < b <= 1.0 for a, b in zip(seen, seen[1:], strict=False))


def test_progress_callback_can_cancel(write: Writer) -> None:
    def cancel(fraction: float) -> None:
        if fraction > 0.01:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        read_csv(write("a,y\n1,2\n"), progress=cancel)


def test_chunks_agree_with_one_pass(write: Writer, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    ints = rng.integers(-1000, 1000, size=(300, 4))
    floats = rng.normal(size=(300, 2))
    lines = [
        ",".join([*map(str, a), *(repr(float(v)) for v in b)])
        for a, b in zip(ints, floats, strict=True)
    ]
    # A float in an integer column half-way: later chunks switch to the float parser.
    lines[150] = lines[150].replace(str(ints[150, 0]), "0.5", 1)
    path = write("\n".join(lines) + "\n")
    whole = read_csv(path).dataset
    monkeypatch.setattr(csv_data, "_CHUNK_CHARS", 100)
    chunked = read_csv(path).dataset
    np.testing.assert_array_equal(chunked.X, whole.X)
    np.testing.assert_array_equal(chunked.Y, whole.Y)
    assert whole.X[150, 0] == 0.5
    np.testing.assert_array_equal(whole.X[:, 1:4], ints[:, 1:4])
    np.testing.assert_array_equal(whole.X[:, 4], floats[:, 0])


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "kwargs", "message"),
    [
        ("", {}, "data.csv: the file is empty"),
        ("\n  \n\n", {}, "the file is empty"),
        ("a,b,y\n\n", {}, r"header \(line 1\) is not followed by any data"),
        ("a,b,y\n1,2,3\n1,2\n", {}, "line 3 has 2 columns, expected 3"),
        ("a,b,y\n1,2,3\n1,2,3,\n", {}, "line 3 has 4 columns, expected 3"),
        ("a,x2,y\n1,2,3\n1,abc,3\n", {}, r"line 3, column 'x2': 'abc' is not a number"),
        ("a,b,y\n1,,3\n", {}, r"line 2, column 'b': empty cell, expected a number"),
        ("a,b,y\n1, ,3\n", {}, r"line 2, column 'b': empty cell"),
        ("a,b,y\n1,2,nan\n", {}, r"line 2, column 'y': 'nan' is not a finite number"),
        ("a,b,y\n1,1e999,3\n", {}, r"line 2, column 'b': '1e999' is not a finite number"),
        ("a;b;y\n1,5;2;3\n", {}, r"'1,5' is not a number \(use a point for decimals"),
        ("a,b,y\n1 2,3,4\n", {}, r"line 2, column 'a': '1 2' is not a number"),
        ("a,b,y\n1,2,3\n", {"target_columns": ["q"]}, r"no target column 'q'.*'a', 'b', 'y'"),
        ("a,b,y\n1,2,3\n", {"label_column": "c"}, "no label column 'c'"),
        ("a,b\n1,2\n", {"n_targets": 2}, "leave no feature columns"),
        ("a,b\n1,2\n", {"n_targets": 0}, "n_targets must be a positive integer"),
        ("a,b\n1,2\n", {"target_columns": ["a", "b"]}, "no feature columns left"),
        ("a,b\n1,2\n", {"target_columns": ["a", "a"]}, "names a column twice"),
        ("a,b\n1,2\n", {"target_columns": []}, "target_columns is empty"),
        ("a,b\n1,2\n", {"label_column": "b", "n_targets": 1}, "not both"),
        ("a,b\n1,2\n", {"target_columns": ["b"], "n_targets": 1}, "not both"),
        ("a\n1\n", {}, "leave no feature columns"),
        ("a,c\n1,x\n2,x\n", {"label_column": "c"}, "single class \\('x'\\)"),
        ("a,c\n1,x\n2,\n", {"label_column": "c"}, "line 3, column 'c': empty label"),
        (b"a,y\n1,2\n\xff,3\n", {}, r"not UTF-8 text \(byte 0xff at offset 8, line 3\)"),
        (b"\xef\xbb\xbfa,y\n\xc3(,1\n", {}, r"byte 0xc3 at offset 7, line 2"),
    ],
)
def test_errors_name_the_place(
    write: Writer, content: str | bytes, kwargs: dict[str, object], message: str
) -> None:
    path = write(content)
    with pytest.raises(BPStudioError, match=message) as info:
        read_csv(path, **kwargs)  # type: ignore[arg-type]
    if "line" in message:
        assert str(path) in str(info.value)


def test_too_many_classes(write: Writer) -> None:
    rows = "\n".join(f"{i},{i}" for i in range(csv_data.MAX_CLASSES + 1))
    with pytest.raises(BPStudioError, match="1,001 distinct values"):
        read_csv(write("a,t\n" + rows + "\n"), label_column="t")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BPStudioError, match="cannot read"):
        read_csv(tmp_path / "nope.csv")
    with pytest.raises(BPStudioError, match="cannot read"):
        sniff_csv(tmp_path / "nope.csv")


def test_error_in_a_later_chunk(write: Writer, small_chunks: None) -> None:
    rows = [f"{i},{i + 1},{i % 2}" for i in range(100)]
    rows[76] = "76,7x,0"
    with pytest.raises(BPStudioError, match=r"line 78, column 'b': '7x' is not a number"):
        read_csv(write("a,b,y\n" + "\n".join(rows) + "\n"))
    rows[76] = "76,77"
    with pytest.raises(BPStudioError, match="line 78 has 2 columns, expected 3"):
        read_csv(write("a,b,y\n" + "\n".join(rows) + "\n"))


# -- property tests -------------------------------------------------------------------------

cells = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[list[int | float]], str, bool]:
    n_rows = draw(st.integers(1, 12))
    n_cols = draw(st.integers(2, 6))
    rows = [[draw(cells) for _ in range(n_cols)] for _ in range(n_rows)]
    return rows, draw(st.sampled_from(DELIMITERS)), draw(st.booleans())


def write_table(path: Path, rows: list[list[int | float]], delimiter: str, header: bool) -> None:
    lines = [delimiter.join(f"col{j}" for j in range(len(rows[0])))] if header else []
    lines += [delimiter.join(repr(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=tables())
def test_random_tables_read_back_equal(tmp_path: Path, table: tuple) -> None:  # type: ignore[type-arg]
    rows, delimiter, header = table
    path = tmp_path / "t.csv"
    write_table(path, rows, delimiter, header)
    data = read_csv(path)
    expected = np.array(rows, dtype=np.float64)
    assert data.delimiter == delimiter
    assert data.has_header == header
    np.testing.assert_array_equal(data.dataset.X, expected[:, :-1])
    np.testing.assert_array_equal(data.dataset.Y, expected[:, -1:])


BAD_CELLS = ["abc", "1.2.3", "--1", "0x1F", "1e", "12a", "", "nan", "inf", "1,5"]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=tables(), data=st.data())
def test_one_corrupt_cell_is_located(tmp_path: Path, table: tuple, data: st.DataObject) -> None:  # type: ignore[type-arg]
    rows, delimiter, header = table
    r = data.draw(st.integers(0, len(rows) - 1))
    c = data.draw(st.integers(0, len(rows[0]) - 1))
    bad = data.draw(st.sampled_from(BAD_CELLS))
    if delimiter == " " and bad == "":
        bad = "abc"  # an empty cell cannot be written space-separated
    if delimiter == "," and bad == "1,5":
        bad = "1;5"
    lines = [delimiter.join(repr(v) for v in row) for row in rows]
    cells_of_row = [repr(v) for v in rows[r]]
    cells_of_row[c] = bad
    lines[r] = delimiter.join(cells_of_row)
    names = [f"col{j}" for j in range(len(rows[0]))]
    if header:
        lines.insert(0, delimiter.join(names))
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    line = r + 1 + int(header)
    name = names[c] if header else f"x{c + 1}"
    with pytest.raises(BPStudioError) as info:
        read_csv(path, delimiter=delimiter, has_header=header)
    message = str(info.value)
    assert f"line {line}, column {name!r}: " in message
    assert "not a number" in message or "not a finite number" in message or "empty cell" in message


NUMBER_LIKE = [
    *("1", "-2", "3.5", "+4", "1e3", "007", ".5", "1.", "-0"),
    *("inf", "-inf", "nan", "1e400", "99999999999999999999", "-9223372036854775808"),
    *("", "-", "+", ".", "1e", "1e+", "--1", "+-1", "1_0", "1d3", "0x1p3", "1j", "\u0663"),
]


def _as_float(cell: str) -> float | None:
    """What Python's float() reads from ``cell``: a finite number, or None."""
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


@settings(max_examples=300, deadline=None)
@given(
    delimiter=st.sampled_from(DELIMITERS),
    shape=st.tuples(st.integers(1, 3), st.integers(2, 3)),
    data=st.data(),
)
def test_the_reader_reads_exactly_what_float_reads(
    delimiter: str, shape: tuple[int, int], data: st.DataObject
) -> None:
    """Every cell is read as float() reads it, or the file is refused: whichever path
    parses a chunk (NumPy's C parser first, cell by cell when it declines), the numbers
    are the same, and a cell float() cannot read, or reads as NaN or ±inf, is an error."""
    n_rows, n_cols = shape
    noise = st.text(alphabet="0123456789+-.eE \t\v\fnaifx_", max_size=4)
    cell = st.one_of(st.sampled_from(NUMBER_LIKE), noise)
    rows = [[data.draw(cell) for _ in range(n_cols)] for _ in range(n_rows)]
    rows = [[c.replace(delimiter, "") for c in row] for row in rows]
    if delimiter == " ":  # runs of spaces are one delimiter: no cell can be blank
        rows = [[c.replace("\t", "").strip() or "1" for c in row] for row in rows]
    lines = [delimiter.join(row) for row in rows]
    assume(all(line.strip() for line in lines))  # a blank line is skipped, not a row
    header = delimiter.join(f"c{j}" for j in range(n_cols))
    expected = [_as_float(c) for row in rows for c in row]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cells.csv"
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        if None in expected:
            with pytest.raises(BPStudioError, match="line"):
                read_csv(path, delimiter=delimiter, has_header=True)
            return
        dataset = read_csv(path, delimiter=delimiter, has_header=True).dataset
    read = np.hstack([dataset.X, dataset.Y]).ravel()
    np.testing.assert_array_equal(read, np.asarray(expected, dtype=np.float64))


# -- Standardizer ---------------------------------------------------------------------------


def test_standardizer_fit_transform_round_trip() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[3.0, -2.0, 0.1], scale=[2.0, 0.5, 1.0], size=(500, 3))
    X[:, 2] = 0.1  # a constant column (its mean is not exactly 0.1 in floating point)
    st_ = Standardizer.fit(X)
    Z = st_.transform(X)
    np.testing.assert_allclose(Z[:, :2].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z[:, :2].std(axis=0), 1.0, rtol=1e-12)
    assert st_.std[2] == 1.0
    np.testing.assert_allclose(Z[:, 2], 0.0, atol=1e-15)
    np.testing.assert_allclose(st_.inverse_transform(Z), X, rtol=1e-12, atol=1e-12)
    again = Standardizer.from_dict(st_.to_dict())
    np.testing.assert_array_equal(again.mean, st_.mean)
    np.testing.assert_array_equal(again.std, st_.std)
    assert st_.n_features == 3


def test_standardizer_uses_the_training_split_only() -> None:
    train_X = np.array([[0.0], [2.0]])
    val_X = np.array([[100.0]])
    s = Standardizer.fit(train_X)
    np.testing.assert_allclose(s.transform(val_X), [[99.0]], rtol=1e-15)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Standardizer.fit(np.zeros((0, 3))), "at least one row"),
        (lambda: Standardizer.fit(np.zeros(3)), "2-D"),
        (lambda: Standardizer.fit(np.ones((2, 2))).transform(np.ones((2, 3))), "2 columns"),
        (lambda: Standardizer(np.zeros(2), np.zeros(2)), "positive"),
        (lambda: Standardizer(np.zeros(2), np.ones(3)), "same length"),
        (lambda: Standardizer.from_dict({"mean": [0.0]}), "expected"),
        (lambda: Standardizer.from_dict({"mean": ["a"], "std": [1]}), "expected"),
    ],
)
def test_standardizer_errors(call: Callable[[], object], message: str) -> None:
    with pytest.raises(BPStudioError, match=message):
        call()


def test_read_csv_standardize(write: Writer) -> None:
    data = read_csv(write("a,b,y\n1,5,0\n3,5,1\n"), standardize=True)
    assert data.standardizer is not None
    np.testing.assert_allclose(data.dataset.X, [[-1.0, 0.0], [1.0, 0.0]], atol=1e-15)
    np.testing.assert_array_equal(data.dataset.Y, [[0.0], [1.0]])
    np.testing.assert_allclose(data.standardizer.mean, [2.0, 5.0], rtol=1e-15)
    assert read_csv(write("a,y\n1,2\n")).standardizer is None
