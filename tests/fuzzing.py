"""What the fuzz tests share: Hypothesis strategies for hostile form input, derived from WTForms fields,
and a way to run each generated request inside a transaction that is rolled back afterwards.

The strings are the ones real users and attackers send: markup, template syntax, spreadsheet formulas,
control characters and NUL, emoji with joiners, CJK Extension B, right-to-left marks and Arabic,
combining characters, digits that are not ASCII (² ١٢ ４), numbers past any column's range and
texts of thousands of characters."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from flask import Flask
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Field,
    FileField,
    IntegerField,
    SelectField,
    SelectMultipleField,
)

from workflow_app.extensions import db

# ---------------------------------------------------------------- text
NASTY_TEXT = [
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', '" onmouseover="alert(1)', "{{7*7}}",
    "{% for x in range(9) %}x{% endfor %}", "${7*7}", "%(name)s %s %n", "=HYPERLINK(\"http://evil.example\",\"点我\")",
    "=cmd|' /C calc'!A0", "+1+1", "-1+1", "@SUM(1+1)", "'; DROP TABLE nomination; --", "../../etc/passwd",
    "..\\..\\windows\\win.ini", "\x00", "a\x00b", "\x0b", "\x1b[31m红\x1b[0m", "\x07\x08\x0c", "\ufffe\uffff",
    "\ud7ff", "\u200f", "\u202e反转\u202c", "مرحبا بالعالم", "\u200fمحمد\u200f", "e\u0301", "q\u0303", "👷‍♀️",
    "👨‍👩‍👧‍👦", "🇨🇳", "𠀀𪚥𠮷", "𠮷野家", "\u200d", "\ufeff", "　全角空格　", "ＡＢＣ１２３", "²", "١٢٣", "٣",
    "\r\n\r\n", "\t", " ", "", "null", "None", "true", "-1", "0", "NaN", "马金凤", "沈丘县总工会",
]
# Stretched to a length: past every Length validator and every column's size.
_REPEATED = st.builds(lambda text, times: text * times, st.sampled_from(["劳", "a", "👷‍♀️", "𠮷", "\x00", "<b>"]),
                      st.integers(min_value=100, max_value=6000))
TEXT = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=40), _REPEATED,
                 st.lists(st.sampled_from(NASTY_TEXT), min_size=2, max_size=4).map("".join))

NUMBER = st.one_of(
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.integers(min_value=-3, max_value=120).map(str),
    st.sampled_from(["", "0", "-0", "00", "1e5", "1e-5", "1.5", "NaN", "nan", "Infinity", "-inf", "0x10", "1_000",
                     " 7 ", "+5", "²", "³", "١٢", "４２", "Ⅻ", "9" * 5000, "1" * 4400, "2147483648", "-2147483649",
                     "9223372036854775808", "1" + "0" * 40]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
DATE = st.one_of(
    st.dates().map(date.isoformat),
    st.sampled_from(["", "2026-02-30", "2026-13-01", "0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01",
                     "2026/01/01", "2026-1-1", "1-1-1", "today", "2026-01-01T00:00", "２０２６-０１-０１",
                     "2026-01-01\x00", "-2026-01-01"]),
)
BOOLEAN = st.sampled_from(["y", "1", "on", "true", "", "false", "0", "n", "\x00"])
ID = st.one_of(st.integers(min_value=-5, max_value=60).map(str), NUMBER)

# ---------------------------------------------------------------- files
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4e70000000049454e44ae426082")
FILE_CONTENTS = [
    b"", b"%PDF-1.4\n% real enough\n", b"%PDF-1.4\n<html><script>alert(1)</script></html>", PNG_1X1,
    b"\xff\xd8\xff\xe0" + b"\x00" * 32, b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"<html><body>not a pdf</body></html>", b"MZ\x90\x00", b"PK\x03\x04" + b"\x00" * 26, b"\x00" * 64,
]
FILE_NAMES = [
    "事迹.pdf", "../../etc/passwd", "/etc/passwd", "..\\..\\windows\\win.ini", "证\x00明.pdf", "..", "...", ".",
    "a" * 400 + ".pdf", "", " ", "照片.png", "units.xlsx", "<script>.pdf", "\u202egpj.exe", "CON.pdf",
]
FILE = st.tuples(st.sampled_from(FILE_CONTENTS), st.sampled_from(FILE_NAMES))


def file_value(content_and_name: tuple[bytes, str]) -> tuple[io.BytesIO, str]:
    content, name = content_and_name
    return io.BytesIO(content), name


# ---------------------------------------------------------------- from WTForms fields
def strategy_for(field: Field) -> st.SearchStrategy:
    """Hostile values for one form field, chosen by its type (choices offered are mixed with wrong ones)."""
    if isinstance(field, FileField):
        return FILE
    if isinstance(field, SelectMultipleField):
        return st.lists(st.one_of(_choices(field), ID, TEXT), max_size=4)
    if isinstance(field, SelectField):
        return st.one_of(_choices(field), ID, TEXT)
    if isinstance(field, BooleanField):
        return BOOLEAN
    if isinstance(field, DateField):
        return DATE
    if isinstance(field, IntegerField | DecimalField):
        return NUMBER
    return TEXT


def _choices(field: SelectField) -> st.SearchStrategy:
    values = [str(choice[0]) for choice in (field.iter_choices() if field.choices else [])]
    return st.sampled_from(values) if values else ID


@st.composite
def form_input(draw, fields: dict[str, tuple[object, st.SearchStrategy]]) -> dict:
    """A form body: a few fields (now and then all of them) get a hostile value, go missing or are
    repeated, the others keep their valid value (so the request gets past the first check and the
    hostile value reaches the code behind it); plus a few fields nobody asked for."""
    names = sorted(fields)
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        chosen = set(names)
    else:
        chosen = draw(st.sets(st.sampled_from(names), max_size=min(3, len(names)))) if names else set()
    data: dict = {}
    for name in names:
        valid, hostile = fields[name]
        how = draw(st.sampled_from(["hostile", "hostile", "missing", "repeated"])) if name in chosen else "valid"
        if how == "valid" and valid is not None:
            data[name] = valid
        elif how in ("hostile", "valid"):
            data[name] = draw(hostile)
        elif how == "repeated":
            data[name] = draw(st.lists(hostile, min_size=2, max_size=3))
    extra = draw(st.dictionaries(st.text(min_size=1, max_size=12).filter(lambda key: key not in fields), TEXT,
                                 max_size=2))
    return {**extra, **data}


def as_request_data(data: dict, file_fields: set[str]) -> dict:
    """Files as (stream, name) pairs, which make the test client send multipart/form-data."""
    out = {}
    for name, value in data.items():
        if name in file_fields:
            out[name] = [file_value(v) for v in value] if isinstance(value, list) else file_value(value)
        else:
            out[name] = value
    return out


class ErrorLog(logging.Handler):
    """The app's records at ERROR and above while it is attached (a fuzzed request may log none)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


# ---------------------------------------------------------------- one rolled-back transaction per example
def use_real_sqlite_transactions(engine: Engine) -> None:
    """pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented recipe lets the
    database see BEGIN and SAVEPOINT as written (a no-op on PostgreSQL)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")


@contextmanager
def rolled_back(app: Flask) -> Iterator[Connection]:
    """Within the block, every session of every request joins one outer transaction on one connection;
    a request's commit only releases its SAVEPOINT, and the block's end rolls everything back. So each
    Hypothesis example starts from the same database, however much the one before changed it."""
    engines = db._app_engines[app]
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    factory = db.session.session_factory
    engines[None] = connection
    factory.kw["join_transaction_mode"] = "create_savepoint"
    try:
        yield connection
    finally:
        engines[None] = engine
        factory.kw.pop("join_transaction_mode", None)
        outer.rollback()
        connection.close()


def snapshot(connection: Connection) -> dict[str, dict[tuple, tuple]]:
    """Every row of every table as the driver returns it, keyed by primary key."""
    tables = {}
    for table in db.metadata.sorted_tables:
        names = [column.name for column in table.columns]
        key = [names.index(column.name) for column in table.primary_key]
        quote = connection.dialect.identifier_preparer.quote  # "full" is a reserved word on PostgreSQL
        rows = connection.exec_driver_sql(f"SELECT {', '.join(map(quote, names))} FROM {quote(table.name)}").fetchall()
        tables[table.name] = {tuple(row[k] for k in key): tuple(row) for row in rows}
    return tables


def changes(before: dict, after: dict) -> dict[str, dict[str, set]]:
    """{table: {"added"|"changed"|"removed": primary keys}} for every table that differs."""
    found = {}
    for name, rows in before.items():
        now = after[name]
        diff = {"added": set(now) - set(rows), "removed": set(rows) - set(now),
                "changed": {key for key in set(rows) & set(now) if rows[key] != now[key]}}
        diff = {kind: keys for kind, keys in diff.items() if keys}
        if diff:
            found[name] = diff
    return found


def brief(data) -> str:
    """A body as Hypothesis reports it, with long texts cut (a failure's report stays readable)."""
    def cut(value):
        if isinstance(value, list):
            return [cut(v) for v in value]
        text = repr(value)
        return text if len(text) <= 80 else f"{text[:60]}…({len(text)} chars)"
    return repr({key: cut(value) for key, value in data.items()})


# ---------------------------------------------------------------- reading the answer
def csrf_token(html: str) -> str | None:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return found.group(1) if found else None


def form_errors(html: str) -> list[str]:
    return re.findall(r'<div class="invalid-feedback[^"]*">(.*?)</div>', html, re.S)


def alert_kinds(html: str) -> set[str]:
    return set(re.findall(r'<div class="alert alert-(\w+)" role="alert">', html))
