"""The interface's languages: English, Russian and Ukrainian, through gettext catalogues.

The code is written in English and every user-facing string is an English msgid:
`_("Weekly review")` translates it into the language of this run, `ngettext` picks the plural
form the language needs (1 клиент, 2 клиента, 5 клиентов), and a constant defined at import
time is marked `N_("…")` (for extraction) and translated where it is shown. The catalogues
live in lang/locales and are managed with Babel (`python -m lang extract|update|compile`,
see lang/__main__.py). Numbers and dates are written for the language by Babel
(metrics/formats.py asks `locale()`).

The language belongs to a run, not to the process: a context variable that the app sets
from `?lang=`, the sidebar or pulse.toml's `language`, and that the report and the digest
set from their `--lang`. This package imports nothing of the project, so every layer may use it.
"""

from __future__ import annotations

import contextlib
import functools
import gettext
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

__all__ = ["DEFAULT", "LANGUAGES", "LOCALES", "N_", "_", "current", "language", "locale", "ngettext", "use"]

LOCALE_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский", "uk": "Українська"}  # each in its own words
DEFAULT = "en"
# The Babel locale each language formats numbers and dates in.
LOCALES: dict[str, str] = {"en": "en_GB", "ru": "ru_RU", "uk": "uk_UA"}

_current: ContextVar[str] = ContextVar("pulse_language", default=DEFAULT)


def known(code: object) -> str | None:
    """The language code when it is one of LANGUAGES (any case, "ru_RU" → "ru"), else None."""
    if not isinstance(code, str) or not code.strip():
        return None
    short = code.strip().lower().replace("-", "_").split("_")[0]
    return short if short in LANGUAGES else None


def use(code: str) -> None:
    """Speak `code` for the rest of this run (an unknown code: English)."""
    _current.set(known(code) or DEFAULT)


def current() -> str:
    return _current.get()


@contextlib.contextmanager
def language(code: str) -> Iterator[None]:
    """Speak `code` inside the block, then the language before it."""
    token = _current.set(known(code) or DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


def locale() -> str:
    """The Babel locale of this run's language (numbers, dates, weekdays, months)."""
    return LOCALES[current()]


@functools.cache
def _catalogue(code: str) -> gettext.NullTranslations:
    if code == DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[code], fallback=True)


def _(message: str) -> str:
    """`message` (an English msgid) in this run's language; itself when it has no translation."""
    return _catalogue(current()).gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for the count n, by the plural rules of this run's language."""
    return _catalogue(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; `_()` translates it where it is shown."""
    return message
