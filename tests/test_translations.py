"""The Simplified Chinese catalog is complete, keeps its placeholders, and is the default UI language.

When a test here fails after UI strings changed, run ``make messages`` and fill the new msgstr
entries in workflow_app/translations/zh_Hans_CN/LC_MESSAGES/messages.po."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "workflow_app" / "translations"
LOCALE = "zh_Hans_CN"
PO_PATH = TRANSLATIONS / LOCALE / "LC_MESSAGES" / "messages.po"
MO_PATH = PO_PATH.with_suffix(".mo")
PO_NAME = PO_PATH.relative_to(ROOT).as_posix()
# The same keywords as `make messages` (pybabel's defaults plus the lazy ones).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
# printf-style conversions as Python's % operator reads them; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")


def _read_catalog():
    with PO_PATH.open("rb") as fileobj:
        return read_po(fileobj, locale=LOCALE)


def _placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text) if match.group(0) != "%%"}


def _forms(value) -> list[str]:
    """A message's id or string as a list: one item, or one per plural form."""
    if isinstance(value, list | tuple):
        return [item for item in value if item is not None]
    return [value] if value else []


@pytest.fixture(scope="module")
def catalog():
    return _read_catalog()


@pytest.fixture(scope="module")
def extracted():
    """(msgid, context) -> where it occurs, for every message the sources mark for translation."""
    with (ROOT / "babel.cfg").open() as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, filename=str(ROOT / "babel.cfg"))
    found: dict[tuple[str, str | None], str] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, list | tuple) else message
        if msgid:
            found.setdefault((msgid, context), f"{filename}:{lineno}")
    assert found, "babel extracted no message at all: is babel.cfg right?"
    return found


@pytest.fixture(scope="module")
def compiled_catalog():
    """Compile the .po when its .mo is missing or older (``make test`` does so too; a bare
    ``pytest`` run may not have). The .mo is git-ignored."""
    if not MO_PATH.exists() or MO_PATH.stat().st_mtime < PO_PATH.stat().st_mtime:
        catalog = _read_catalog()
        fd, tmp = tempfile.mkstemp(dir=MO_PATH.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(fd, "wb") as fileobj:
                write_mo(fileobj, catalog, use_fuzzy=True)  # like `pybabel compile -f`
            os.chmod(tmp, 0o644)
            os.replace(tmp, MO_PATH)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return MO_PATH


def test_every_extracted_message_is_translated(catalog, extracted):
    untranslated = []
    for (msgid, context), where in sorted(extracted.items()):
        message = catalog.get(msgid, context=context)
        strings = _forms(message.string) if message is not None else []
        if message is None or message.fuzzy or not strings or not all(s.strip() for s in strings):
            state = "missing" if message is None else ("fuzzy" if message.fuzzy else "empty")
            untranslated.append(f"  {msgid!r} ({state}; {where})")
    assert not untranslated, (
        f"{len(untranslated)} message(s) have no {LOCALE} translation "
        f"(run `make messages`, then fill them in {PO_NAME}):\n" + "\n".join(untranslated)
    )


def test_catalog_has_no_fuzzy_entries(catalog):
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    assert not fuzzy, f"fuzzy entries in {PO_NAME}: {fuzzy}"


def test_translations_keep_their_placeholders(catalog):
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        expected = set().union(*(_placeholders(text) for text in _forms(message.id)))
        for text in _forms(message.string):
            if _placeholders(text) != expected:
                wrong.append(
                    f"  {message.id!r}: expected {sorted(expected)}, got {sorted(_placeholders(text))} in {text!r}"
                )
    assert not wrong, "placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


def test_login_page_is_chinese_by_default_and_english_on_request(app, client, catalog, compiled_catalog):
    chinese_log_in = catalog.get("Log in").string
    chinese_username = catalog.get("Username").string

    def request(method: str, path: str, **kwargs):
        # The ``app`` fixture keeps one app context open for the whole test, and a request
        # reuses it, so ``g`` (where Flask-Babel caches the locale) would outlive a request.
        # In production every request has its own app context; give each one here too.
        with app.app_context():
            return getattr(client, method)(path, **kwargs)

    page = request("get", "/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert chinese_log_in in page
    assert chinese_username in page  # a lazily translated form label
    assert "Log in" not in page

    response = request("post", "/language", data={"locale": "en", "next": "/login"})
    assert response.status_code == 302

    page = request("get", "/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log in" in page
    assert "Username" in page
    assert chinese_log_in not in page
