"""The catalogues: every marked string in all three languages, none stale, plurals right.

English is the code's own language (msgids); Russian and Ukrainian come from
lang/locales/<code>/LC_MESSAGES/messages.po, compiled to messages.mo with Babel.
"""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import lang
from lang import LOCALE_DIR, language, ngettext
from lang.__main__ import KEYWORDS, SOURCES
from metrics import formats

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = ("ru", "uk")
PLACEHOLDER = re.compile(r"(?<!%)\{[a-z_0-9]*\}|%\{[^}]*\}")  # {name} and plotly's %{x}


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _ids(catalog) -> set:
    return {m.id for m in catalog if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set:
    """What extraction finds in the code today."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "--no-default-keywords", *KEYWORDS,
                    "--no-location", "--sort-output", "--no-wrap", "-o", str(pot), *SOURCES], check=True, cwd=ROOT,
                   capture_output=True)
    return _ids(_read(pot))


def test_the_committed_template_is_what_extraction_finds_today(extracted) -> None:
    committed = _ids(_read(LOCALE_DIR / "messages.pot"))
    assert extracted - committed == set(), "new strings not in the catalogue: run python -m lang all"
    assert committed - extracted == set(), "strings gone from the code still in the catalogue: python -m lang all"


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_string_is_translated_with_its_placeholders(code, extracted) -> None:
    po = _read(LOCALE_DIR / code / "LC_MESSAGES" / "messages.po")
    by_id = {m.id: m for m in po if m.id}
    missing = sorted(str(i) for i in extracted if i not in by_id)
    assert missing == [], f"{len(missing)} strings missing from {code}: {missing[:5]}"
    bad = []
    for mid in extracted:
        m = by_id[mid]
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        ids = mid if isinstance(mid, tuple) else (mid,)
        if m.fuzzy or not all(forms):
            bad.append(("untranslated", ids[0]))
            continue
        want = sorted(set(PLACEHOLDER.findall(ids[-1])))
        for form in forms:
            if sorted(set(PLACEHOLDER.findall(form))) != want and not (len(ids) > 1 and "{n}" not in form):
                bad.append(("placeholders", ids[0], form))
    assert bad == [], bad[:10]


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalogue_is_its_po(code) -> None:
    po = _read(LOCALE_DIR / code / "LC_MESSAGES" / "messages.po")
    with (LOCALE_DIR / code / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        mo = gettext.GNUTranslations(f)
    for m in po:
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, tuple):
            assert mo.ngettext(m.id[0], m.id[1], 1) == m.string[0], m.id
        else:
            assert mo.gettext(m.id) == m.string, "stale messages.mo: run python -m lang compile"


@pytest.mark.parametrize(("code", "n", "text"), [
    ("en", 1, "1 client"), ("en", 2, "2 clients"), ("en", 5, "5 clients"),
    ("ru", 1, "1 клиент"), ("ru", 2, "2 клиента"), ("ru", 5, "5 клиентов"), ("ru", 11, "11 клиентов"),
    ("ru", 21, "21 клиент"), ("ru", 22, "22 клиента"),
    ("uk", 1, "1 клієнт"), ("uk", 2, "2 клієнти"), ("uk", 5, "5 клієнтів"), ("uk", 12, "12 клієнтів"),
    ("uk", 21, "21 клієнт"), ("uk", 24, "24 клієнти"),
])
def test_counts_take_the_plural_form_of_their_language(code, n, text) -> None:
    with language(code):
        assert formats.count_of(n, "clients") == text.replace(" ", "\u00a0", 1)  # never wraps off its noun
        assert ngettext("{n} client", "{n} clients", n).format(n=n) == text


@pytest.mark.parametrize(("code", "hours", "pct", "shift"), [
    ("en", "1,234.5 h", "83%", "+2 wd"),
    ("ru", "1\u00a0234,5 ч", "83%", "+2 раб.\u00a0дн."),
    ("uk", "1\u00a0234,5 год", "83%", "+2 роб.\u00a0дн."),
])
def test_numbers_are_written_for_the_language(code, hours, pct, shift) -> None:
    with language(code):
        assert formats.show(1234.5, "hours") == hours
        assert formats.show(0.825, "pct") == pct
        assert formats.show(2, "shift") == shift


def test_the_language_belongs_to_the_run_and_falls_back_to_english() -> None:
    assert lang.current() == "en"
    with language("RU_ru"):
        assert lang.current() == "ru" and lang.locale() == "ru_RU"
        with language("de"):
            assert lang.current() == "en"
        assert lang.current() == "ru"
    assert lang.current() == "en" and lang.known("uk-UA") == "uk" and lang.known("") is None
