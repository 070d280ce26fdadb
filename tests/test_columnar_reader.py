"""The columnar reader of rossim's result tables (:func:`rossim.resultfiles.read_columns`, issue 10
section 4) against its slow twin, the row-by-row reader (:func:`rossim.resultfiles.read_csv`,
which tests every cell with a Python callable).

The truth: on real run folders (every kind of column: numbers, empty numbers, whole numbers, dates,
empty dates, text, a year and a crew level) both give the same values; on damaged copies (a letter
in a number, a day not in the calendar, "inf", a negative count, a missing column, a row short of
fields, blank lines, quotes) both refuse with the same one line, naming the file, the row and the
column — including a bad cell tens of thousands of rows in, past pyarrow's first blocks. And the
columnar reader holds about its arrays' bytes where the row reader holds Python strings.
"""

from __future__ import annotations

import json
import shutil
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from rossim import cli, compare, resultfiles
from test_damaged_folders import set_cell
from rossim.errors import InputError

HIGH = Path(__file__).parent.parent / "scenarios" / "ross_high_latitude.toml"
#: Rows of the modest synthetic folder: several of pyarrow's blocks (~6,000 rows each).
BIG = 20_000


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("columnar") / "run"
    assert cli.main(["run", str(HIGH), "-n", "40", "--workers", "1", "--no-report", "--events", "csv",
                     "--out", str(out)]) == 0
    return out


def tables(folder: Path) -> dict[str, tuple[dict, tuple | None]]:
    """The tables of a run folder rossim reads back: {file: (columns, pattern)}."""
    summary = json.loads((folder / "summary.json").read_text())
    return {
        "replications.csv": (compare._replications_columns(list(summary["milestones"]), summary["modules"]),
                             resultfiles.REPLICATION_COUNTS_PATTERN),
        "person_days_by_year.csv": (resultfiles.PERSON_DAYS_COLUMNS, resultfiles.PERSON_DAYS_PATTERN),
        "capacity.csv": (resultfiles.CAPACITY_COLUMNS, resultfiles.CAPACITY_PATTERN),
        "occupancy.csv": (resultfiles.OCCUPANCY_COLUMNS, resultfiles.OCCUPANCY_PATTERN),
        "occupancy_by_year.csv": (resultfiles.OCCUPANCY_BY_YEAR_COLUMNS, None),
        "events.csv": (resultfiles.EVENTS_COLUMNS, None),
    }


def assert_same(path: Path, columns, pattern) -> dict[str, np.ndarray]:
    """read_columns(path) holds read_csv(path)'s values, column by column, as arrays."""
    rows = resultfiles.read_csv(path, columns, pattern=pattern)
    cols = resultfiles.read_columns(path, columns, pattern=pattern)
    assert list(cols) == list(rows)
    for name, values in rows.items():
        got = cols[name]
        assert got.shape == (len(values),), name
        if got.dtype.kind == "M":
            assert np.array_equal(got, np.array([v or "NaT" for v in values], dtype="datetime64[D]"),
                                  equal_nan=True), name
        elif got.dtype.kind == "f":
            assert np.array_equal(got, np.array(values, dtype=float), equal_nan=True), name
        else:
            assert got.tolist() == values, name
    return cols


def refusal(path: Path, columns, pattern) -> str:
    """The one line the columnar reader refuses ``path`` with."""
    with pytest.raises(InputError) as fast:
        resultfiles.read_columns(path, columns, pattern=pattern)
    assert "\n" not in str(fast.value)
    return str(fast.value)


def same_refusal(path: Path, columns, pattern) -> str:
    """The one line both readers refuse ``path`` with (it must be the same)."""
    with pytest.raises(InputError) as slow:
        resultfiles.read_csv(path, columns, pattern=pattern)
    with pytest.raises(InputError) as fast:
        resultfiles.read_columns(path, columns, pattern=pattern)
    assert str(fast.value) == str(slow.value)
    assert "\n" not in str(fast.value)
    return str(fast.value)


def test_same_values_as_the_row_reader_on_a_run_folder(run_folder):
    kinds = set()
    for name, (columns, pattern) in tables(run_folder).items():
        cols = assert_same(run_folder / name, columns, pattern)
        kinds |= {a.dtype.kind for a in cols.values()}
    assert kinds == {"f", "i", "M", "O"}  # numbers, counts, dates and text were all compared
    reps = resultfiles.read_columns(run_folder / "replications.csv", tables(run_folder)["replications.csv"][0])
    assert np.isnat(reps["hosting_4_date"]).any() and np.isnan(reps["hosting_4_day"]).any()  # empty cells met


def test_what_rossim_does_not_write_is_read_row_by_row_alike(run_folder, tmp_path):
    """A byte order mark, CRLF or CR line ends, an editor's last blank lines, a blank line between rows
    (rows are numbered counting it, as read_csv does), a quoted cell: the same values."""
    columns, pattern = tables(run_folder)["capacity.csv"]
    lines = (run_folder / "capacity.csv").read_text().splitlines()
    variants = {
        "bom": "\ufeff" + "\n".join(lines) + "\n",
        "crlf": "\r\n".join(lines) + "\r\n",
        "cr": "\r".join(lines) + "\r",
        "trailing": "\n".join(lines) + "\n\n\n",
        "no-last-newline": "\n".join(lines),
        "quoted": "\n".join(lines[:3] + ['"' + lines[3].replace(",", '","') + '"'] + lines[4:]) + "\n",
        "blank-between": "\n".join(lines[:5] + [""] + lines[5:]) + "\n",
    }
    for name, text in variants.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(text.encode())
        assert len(assert_same(path, columns, pattern)["date"]) == len(lines) - 1, name
    bad = tmp_path / "blank-then-bad.csv"  # the bad cell is row 9 for read_csv (the blank line counts)
    cells = lines[8].split(",")
    cells[2] = "abc"
    bad.write_text("\n".join(lines[:5] + [""] + lines[5:8] + [",".join(cells)] + lines[9:]) + "\n")
    assert same_refusal(bad, columns, pattern).startswith(f"{bad}: row 9, ")


def big_folder(run_folder: Path, out: Path, n: int = BIG) -> Path:
    """A run folder of ``n`` replications: ``run_folder``'s rows repeated with new numbers."""
    out.mkdir()
    for f in run_folder.iterdir():
        if f.name not in ("replications.csv", "person_days_by_year.csv", "summary.json") and f.is_file():
            (out / f.name).write_bytes(f.read_bytes())
    for name in ("replications.csv", "person_days_by_year.csv"):
        header, *rows = (run_folder / name).read_text().splitlines()
        rests = [r.split(",", 1)[1] for r in rows]
        (out / name).write_text(header + "\n" + "".join(f"{k},{rests[k % len(rests)]}\n" for k in range(n)))
    summary = json.loads((run_folder / "summary.json").read_text())
    summary["replications"] = n
    (out / "summary.json").write_text(json.dumps(summary))
    return out


@pytest.fixture(scope="module")
def big(run_folder, tmp_path_factory) -> Path:
    return big_folder(run_folder, tmp_path_factory.mktemp("big") / "run")


def damage(path: Path, out: Path, row: int, column: str, value: str) -> Path:
    """``out``, a copy of ``path`` (or ``path`` itself) whose data row ``row`` (1 = first after the
    header) holds ``value`` in ``column``."""
    if out != path:
        shutil.copyfile(path, out)
    set_cell(row, column, value)(out)
    return out


CELLS = [  # (column, bad value, what the line says is expected)
    ("first_crew_day", "12x.5", "a finite number or empty"),
    ("person_days", "inf", "a finite number or empty"),
    ("person_days", "1e999", "a finite number or empty"),
    ("capacity_4_date", "2027-02-29", "an ISO date YYYY-MM-DD or empty"),
    ("nem_docked_date", "2031-13-01", "an ISO date YYYY-MM-DD or empty"),
    ("lab_ready_date", "31/01/2031", "an ISO date YYYY-MM-DD or empty"),
    ("capacity_4_date", "0000-01-08", "an ISO date YYYY-MM-DD or empty"),  # pyarrow's date32 takes these three
    ("first_crew_date", " 2030-01-01", "an ISO date YYYY-MM-DD or empty"),
    ("first_crew_date", "2030-01-01\t", "an ISO date YYYY-MM-DD or empty"),
    ("first_crew_date", "2030-01-1", "an ISO date YYYY-MM-DD or empty"),
    ("first_crew_date", "2030-01-01T00:00", "an ISO date YYYY-MM-DD or empty"),
    ("first_crew_date", "\u0662\u0660\u0663\u0660-01-01", "an ISO date YYYY-MM-DD or empty"),
    ("launches", "", "a whole number >= 0"),
    ("launches", "-3", "a whole number >= 0"),
    ("losses", "+1", "a whole number >= 0"),
    ("nem_losses", "2.0", "a whole number >= 0"),
    ("scrubs.vostochny_1s", "0x10", "a whole number >= 0"),
    ("replication", "1" * 19, "a whole number >= 0"),
]


@pytest.mark.parametrize("column, value, expected", CELLS, ids=[f"{c}={v!r}" for c, v, _ in CELLS])
def test_a_bad_cell_is_refused_as_the_row_reader_does(run_folder, big, tmp_path, column, value, expected):
    """In a small table, the row reader's line; deep in a big one (in pyarrow's last blocks), the
    same words for its row."""
    columns, pattern = tables(big)["replications.csv"]
    for folder, row in ((run_folder, 7), (big, BIG - 1234)):
        path = damage(folder / "replications.csv", tmp_path / "replications.csv", row, column, value)
        line = (same_refusal if folder is run_folder else refusal)(path, columns, pattern)
        assert line == f"{path}: row {row}, {column}: expected {expected}, got {value!r}", line


def test_the_first_bad_cell_row_by_row_is_named(big, tmp_path):
    """Two bad cells in different blocks: the one in the earlier row, though in a later column;
    in one row, the leftmost."""
    columns, pattern = tables(big)["person_days_by_year.csv"]
    years = (big / "person_days_by_year.csv").read_text().split("\n", 1)[0].split(",")[1:]
    path = damage(big / "person_days_by_year.csv", tmp_path / "a.csv", 15_000, years[1], "abc")
    damage(path, path, 9_000, years[-1], "-2")
    assert refusal(path, columns, pattern) == f"{path}: row 9000, {years[-1]}: expected a finite number >= 0, got '-2'"
    damage(path, path, 9_000, years[-2], "x")
    assert refusal(path, columns, pattern).startswith(f"{path}: row 9000, {years[-2]}: ")


def test_a_row_short_of_fields_a_missing_column_and_not_utf8(run_folder, big, tmp_path):
    columns, pattern = tables(big)["person_days_by_year.csv"]
    for folder, row in ((run_folder, 30), (big, 12_001)):
        src = folder / "person_days_by_year.csv"
        check = same_refusal if folder is run_folder else refusal
        lines = src.read_text().splitlines()
        fields = len(lines[0].split(","))
        ragged = tmp_path / "ragged.csv"
        ragged.write_text("\n".join(lines[:row] + [lines[row].rsplit(",", 1)[0]] + lines[row + 1:]) + "\n")
        assert check(ragged, columns, pattern) == (f"{ragged}: row {row}: expected {fields} fields as in the "
                                                   f"header, got {fields - 1} (a truncated or damaged line)")
        short = tmp_path / "short.csv"  # a file cut mid-line (a disk that filled up)
        short.write_text("\n".join(lines[:row]) + "\n" + lines[row][:7])
        assert f"{short}: row {row}: expected {fields} fields" in check(short, columns, pattern)
        missing = tmp_path / "missing.csv"
        missing.write_text("\n".join(",".join(c.split(",")[1:]) for c in lines) + "\n")
        assert check(missing, columns, pattern) == (f"{missing}: no column 'replication' (rossim writes it: the "
                                                    "file is damaged or from another version)")
        binary = tmp_path / "binary.csv"  # and a bad cell before the bad bytes: still "not UTF-8"
        damage(src, binary, 2, "replication", "x")
        binary.write_bytes(binary.read_bytes()[:5000] + b"\xff\xfe" + src.read_bytes()[5000:])
        assert check(binary, columns, pattern) == f"{binary}: not UTF-8 text (byte 5000 is b'\\xff')"
    for text in ("", "\n1,2\n"):
        (tmp_path / "e.csv").write_text(text)
        assert "empty file" in same_refusal(tmp_path / "e.csv", columns, pattern)


def test_the_first_error_is_the_row_readers(run_folder, big, tmp_path, monkeypatch):
    """A bad cell before a row short of fields (in the same block of pyarrow's), or after it: the
    earlier, as read_csv, which reads row by row, says. A lone CR in a row ends the row there for
    read_csv (and numbers the rows after it one more): its line, not the line pyarrow's reading
    would give (pyarrow ends rows at a lone CR too, but numbers rows by line feeds here). The big
    table is not read row by row for it (a CR starting a line makes a blank line: it is)."""
    columns, pattern = tables(big)["person_days_by_year.csv"]
    by_rows = []
    monkeypatch.setattr(resultfiles, "read_csv", lambda *a, _read=resultfiles.read_csv, **k: by_rows.append(a[0])
                        or _read(*a, **k))
    for folder, row in ((run_folder, 12), (big, 12_001)):
        check = same_refusal if folder is run_folder else refusal
        lines = (folder / "person_days_by_year.csv").read_text().splitlines()
        header = lines[0].split(",")
        year, fields = header[2], len(header)

        def write(name: str, edits: dict[int, str]) -> Path:
            path = tmp_path / f"{name}-{row}.csv"
            path.write_text("\n".join(edits.get(k, line) for k, line in enumerate(lines)) + "\n", newline="")
            return path

        def cell(k: int, value: str) -> str:  # data row k with ``value`` in ``year``
            cells = lines[k].split(",")
            cells[2] = value
            return ",".join(cells)

        def short(k: int) -> str:  # data row k without its last field
            return lines[k].rsplit(",", 1)[0]

        cases = {
            "bad-then-short": ({row: cell(row, "abc"), row + 5: short(row + 5)},
                               f"row {row}, {year}: expected a finite number >= 0, got 'abc'"),
            "short-then-bad": ({row: short(row), row + 5: cell(row + 5, "abc")},
                               f"row {row}: expected {fields} fields as in the header, got {fields - 1} (a truncated "
                               "or damaged line)"),
            "cr-for-comma": ({row: lines[row].replace(",", "\r", 1)},
                             f"row {row}: expected {fields} fields as in the header, got 1 (a truncated or damaged line)"),
            "cr-in-cell": ({row: cell(row, lines[row].split(",")[2] + "\r7")},
                           f"row {row}: expected {fields} fields as in the header, got 3 (a truncated or damaged line)"),
            "cr-then-bad": ({row: "\r" + lines[row], row + 5: cell(row + 5, "abc")},  # a blank row for read_csv
                            f"row {row + 6}, {year}: expected a finite number >= 0, got 'abc'"),
        }
        for name, (edits, expected) in cases.items():
            path = write(name, edits)
            assert check(path, columns, pattern) == f"{path}: {expected}", (folder, name)
            assert folder is run_folder or (path in by_rows) == (name == "cr-then-bad"), name


def test_a_big_table_reads_alike_in_the_memory_of_its_arrays(big):
    """20,000 replications: the same values as the row reader, and the columnar reader's peak of
    Python-traced memory (numpy's arrays are traced; pyarrow's blocks are not, bounded by the
    block size) is about its arrays' bytes: no string per cell is kept."""
    columns, pattern = tables(big)["replications.csv"]
    path = big / "replications.csv"
    arrays = sum(a.nbytes for a in assert_same(path, columns, pattern).values())
    tracemalloc.start()
    out = resultfiles.read_columns(path, columns, pattern=pattern)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert sum(a.nbytes for a in out.values()) == arrays
    assert peak < 1.5 * arrays, (peak, arrays)


def test_read_run_of_a_big_folder_holds_its_rows_as_arrays(big, run_folder):
    """read_run of the 20,000 replications: each row is the small run's row it was made from."""
    run, small = compare.read_run(big), compare.read_run(run_folder)
    assert run.n == BIG
    source = np.arange(BIG) % small.n
    for name, values in small.replications.items():
        if name != "replication":
            assert np.array_equal(run.replications[name], values[source], equal_nan=values.dtype.kind in "fM"), name
    assert run.replications["replication"].tolist() == list(range(BIG))
    assert run.replications["launches"].dtype == np.int64
    assert run.dates("first_crew_date").dtype == np.dtype("datetime64[D]")
    assert np.array_equal(run.person_days, small.person_days[source])


def test_compare_takes_a_reused_folder_as_its_copy_reads(run_folder, tmp_path, monkeypatch):
    """rossim compare reads a run folder once (to check it) and takes its tables for the copy in
    the comparison folder: what read_run of the copy gives. A copy lacking a table is read."""
    monkeypatch.setattr(compare, "_run_coverage", lambda *a, **k: None)  # coverage is not what is tested
    other = tmp_path / "other"
    big_folder(run_folder, other, 25)
    comp, runs = compare.build(tmp_path / "cmp", [str(run_folder), str(other)], None)
    for run in runs:
        fresh = compare.read_run(run.path, run.label)
        assert run.path.parent == tmp_path / "cmp" and (run.path, run.label) == (fresh.path, fresh.label)
        assert run.meta == fresh.meta and run.coverage_dir == fresh.coverage_dir and run.summary == fresh.summary
        assert list(run.replications) == list(fresh.replications)
        for name, values in fresh.replications.items():
            assert np.array_equal(run.replications[name], values, equal_nan=values.dtype.kind in "fM"), name
        assert np.array_equal(run.person_days, fresh.person_days)
    assert [r.n for r in runs] == [40, 25]
    taken = []
    monkeypatch.setattr(compare, "read_run", lambda *a, _read=compare.read_run, **k: taken.append(a) or _read(*a, **k))
    (tmp_path / "cmp" / runs[1].path.name / "capacity.csv").unlink()
    with pytest.raises(InputError, match="capacity.csv: no such file"):
        compare._copied(runs[1], other, runs[1].path, "x")
    assert taken == [(runs[1].path, "x")]


def test_spaces_around_a_number_are_read_as_float_reads_them(run_folder, tmp_path):
    """" 12.5\t" is 12.5 for the row reader (Python's float) and the columnar reader, whether the
    file is otherwise good or refused for a later cell (which is the one named)."""
    columns, pattern = tables(run_folder)["person_days_by_year.csv"]
    year = (run_folder / "person_days_by_year.csv").read_text().split("\n", 1)[0].split(",")[2]
    path = damage(run_folder / "person_days_by_year.csv", tmp_path / "p.csv", 3, year, " 12.5\t")
    assert assert_same(path, columns, pattern)[year][2] == 12.5
    damage(path, path, 20, year, "abc")
    assert same_refusal(path, columns, pattern) == f"{path}: row 20, {year}: expected a finite number >= 0, got 'abc'"


def test_a_date_is_what_the_row_reader_takes(run_folder, tmp_path):
    """capacity.csv with a year 0, or a date with a space around it (pyarrow's own dates take
    them), is refused as read_csv refuses it; and the columnar check of dates (from the bytes)
    against its twins: numpy's reading of every day from 0001-01-01 to 9999-12-31, and read_csv's
    test (:func:`resultfiles._is_date`) on near misses (a day past the month's end, 29 February,
    year 0, a sign, other bytes), a slice of the array too."""
    columns, pattern = tables(run_folder)["capacity.csv"]
    for value in ("0000-01-08", "2030-01-01 ", "\t2030-01-01"):
        path = damage(run_folder / "capacity.csv", tmp_path / "capacity.csv", 5, "date", value)
        assert same_refusal(path, columns, pattern) == (f"{path}: row 5, date: expected an ISO date YYYY-MM-DD, "
                                                        f"got {value!r}")
    import pyarrow as pa
    days = np.arange(np.datetime64("0001-01-01"), np.datetime64("10000-01-01"))
    values, bad = resultfiles._dates(pa.array(days.astype(str).tolist()), resultfiles.DATE_COL)
    assert not bad.any() and np.array_equal(values, days)
    rng = np.random.default_rng(5)
    ymd = zip(*(rng.integers(0, k, 20_000) for k in (10_000, 14, 33)))
    cells = [f"{y:04d}-{m:02d}-{d:02d}" for y, m, d in ymd] + ["2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29"]
    cells += ["2024-01-0" + chr(c) for c in range(256)] + ["+024-01-01", "2024-1-011", "2024_01_01", "2024-01-01\n"]
    cells += ["".join(chr(c) for c in rng.integers(32, 127, 10)) for _ in range(2_000)] + ["", "2024-01-01"]
    truth = np.array([resultfiles._is_date(c) for c in cells])
    assert 5_000 < truth.sum() < len(cells) - 5_000
    text = pa.array(["x"] + cells)[1:]  # a slice: its offsets do not start at the array's
    for kind in (resultfiles.DATE_COL, resultfiles.OPT_DATE_COL):
        values, bad = resultfiles._dates(text, kind)
        assert np.array_equal(~bad, truth | ((np.array(cells) == "") & kind.empty_ok))
        assert np.array_equal(values[truth], np.array(cells, dtype=object)[truth].astype("datetime64[D]"))
        assert np.isnat(values[~truth]).all()
