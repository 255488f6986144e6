"""Every reason a load gives, as one registry of English templates (SPEC §1, Bad input).

The store keeps a rejected row's reason, a tab's report and a refused sync's reason in
English: that text is the data contract, the same whoever synced. `reason(key, **values)`
writes it from the registry; `translate(text)` reads a stored English text back into this
run's language: it finds the template the text was written from, translates the template
with `_()` and puts the captured values back in. A value that is itself a reason (a kind
hint inside "not a date", the refusals inside "refused: …") is translated in turn. Text
written from no template (an older store, a message from elsewhere) comes back unchanged.

Column names (`due_by`), tab names, ids and values stay as the workbook has them: a
translation moves them around the sentence, it never changes them.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable

from lang import N_, _, current

# key → English template; `{name}` is a value filled in where the reason is written.
TEMPLATES: dict[str, str] = {
    # A cell that cannot be used: the row is rejected.
    "required": N_("{column} is required but blank"),
    "not_kind": N_("{column}: not {kind}"),
    "out_of_range": N_("{column}: {range}"),
    "not_number": N_("{column}: not a number"),
    "not_whole_number": N_("{column}: not a whole number"),
    "must_be_whole_number": N_("{column}: must be a whole number"),
    "not_boolean": N_("{column}: not a yes/no value (true/false, yes/no, 1/0, да/нет)"),
    "unknown_value": N_("{column}: unknown value (expected {allowed})"),
    # What a date column expects (`{kind}` above) and a date too far out (`{range}` above).
    "kind_date": N_("a date such as 2026-11-20, 20.11.2026 or a date cell"),
    "kind_datetime": N_("a date and time such as 2026-11-20 14:30, 20.11.2026 14:30 or a date cell"),
    "kind_date_or_datetime": N_("a date or date and time such as 2026-11-20 14:30 or 20.11.2026"),
    "range": N_("date out of range (years {low}-{high})"),
    # Rules across the columns of a row.
    "needs_one_of": N_("needs {column} or {other}: both are blank"),
    "at_least_one": N_("{column}: must be 1 or more"),
    "required_when_given": N_("{column} is required when {other} is given"),
    "score_not_whole": N_("{column}: {scale} scores are whole numbers {low}-{high}"),
    "score_outside_scale": N_("{column}: outside the {scale} scale {low}-{high}"),
    # References and duplicate ids.
    "reference_not_loaded": N_("{column}: the {tab} tab was not loaded, so it cannot be checked"),
    "reference_rejected": N_("{column}: {value} was rejected in {tab} (row {row})"),
    "reference_unknown": N_("{column}: {value} is not in {tab}"),
    "duplicate": N_("duplicate {column} {value}: row {row} has it already"),
    # Warnings: the row loads, the value is read leniently.
    "unknown_value_read_as": N_("{column}: unknown value (expected {allowed}); read as {fallback}"),
    "unknown_value_left_blank": N_("{column}: unknown value (expected {allowed}); left blank"),
    "given_without": N_("{column} given without {other}: the round is read as pending"),
    # A tab's report.
    "required_tab_missing": N_("required tab {tab} is missing"),
    "optional_tab_absent": N_("optional tab {tab} is not in the workbook"),
    "tab_lacks_columns": N_("tab {title} lacks required column(s): {columns}; not loaded"),
    # Why a sync is refused.
    "tabs_clash": N_("{first} and {second} both map to the {tab} table (rename or remove one)"),
    "lost_columns": N_("tab {title} ({tab}) held {count} row(s) in the previous load but lacks required "
                       "column(s) {columns} ({looked})"),
    "looked_for": N_("{column}: looked for {names}"),
    "lost_tab": N_("tab {tab} held {count} row(s) in the previous load but is missing "
                   "(looked for a tab named {names}; columns {columns})"),
    "lost_tabs_refused": N_("{lost} — nothing changed; fix the sheet, or load anyway with --allow-partial"),
    "refused": N_("refused: {refusal}"),
}

# Placeholders whose value is itself a reason: the templates it may be written from, and
# the separator when it is a list of them ("a; b"). Every other placeholder is a plain value.
NESTED: dict[str, tuple[tuple[str, ...], str | None]] = {
    "kind": (("kind_date", "kind_datetime", "kind_date_or_datetime"), None),
    "range": (("range",), None),
    "looked": (("looked_for",), "; "),
    "lost": (("lost_columns", "lost_tab"), "; "),
    "refusal": (("lost_tabs_refused", "tabs_clash"), "; "),
}

# What a plain placeholder may be, where it is narrower than "any text": the workbook's
# canonical names (a column, a tab, a scale) are one word and numbers are digits, so a
# template with a loose sentence around them cannot swallow a longer reason.
_WORD = r"\w+"
_NUMBER = r"-?\d+"
PLAIN: dict[str, str] = {
    "column": _WORD,
    "other": _WORD,
    "tab": _WORD,
    "scale": _WORD,
    "columns": rf"{_WORD}(?:, {_WORD})*",
    "low": _NUMBER,
    "high": _NUMBER,
    "row": _NUMBER,
    "count": _NUMBER,
}
ANY = ".+?"  # every other placeholder: any text, as short as the rest of the template allows

Translator = Callable[[str], str]


@functools.cache
def fields(key: str) -> tuple[str, ...]:
    """The placeholders of a template, in order of first appearance."""
    names = [name for _, name, _, _ in string.Formatter().parse(TEMPLATES[key]) if name is not None]
    return tuple(dict.fromkeys(names))


def reason(key: str, **values: object) -> str:
    """The English reason `key` with its values filled in: the text the store keeps."""
    expected = set(fields(key))
    if set(values) != expected:
        raise TypeError(f"reason {key!r} takes {sorted(expected)}, got {sorted(values)}")
    return TEMPLATES[key].format(**values)


def _pattern(key: str, named: bool) -> str:
    """A regex for one template: literal text escaped, each placeholder a lazy group.

    A nested placeholder matches only the texts of its templates, so "{column}: {range}"
    is not taken for every "x: y". Inner patterns (named=False) use no named groups, so
    they can sit inside another template's pattern.
    """
    parts: list[str] = []
    seen: set[str] = set()
    for literal, name, _spec, _conv in string.Formatter().parse(TEMPLATES[key]):
        parts.append(re.escape(literal))
        if name is None:
            continue
        if named and name in seen:
            parts.append(f"(?P={name})")
            continue
        seen.add(name)
        if name in NESTED:
            keys, sep = NESTED[name]
            one = "(?:" + "|".join(_pattern(k, named=False) for k in keys) + ")"
            body = one if sep is None else f"{one}(?:{re.escape(sep)}{one})*"
        else:
            body = PLAIN.get(name, ANY)
        parts.append(f"(?P<{name}>{body})" if named else f"(?:{body})")
    return "".join(parts)


@functools.cache
def _compiled(key: str) -> re.Pattern[str]:
    return re.compile(_pattern(key, named=True), re.DOTALL)


def _literal_length(key: str) -> int:
    return sum(len(literal) for literal, *_ in string.Formatter().parse(TEMPLATES[key]))


def _depth(key: str) -> int:
    """How many reasons deep a template's nested placeholders go (0: none)."""
    return max((1 + max(_depth(k) for k in NESTED[name][0]) for name in fields(key) if name in NESTED), default=0)


# The most specific template first: a wrapper of other reasons ("refused: …") before the
# reasons it wraps, then the one with more fixed words.
_ORDER: tuple[str, ...] = tuple(sorted(TEMPLATES, key=lambda k: (-_depth(k), -_literal_length(k), k)))


@functools.cache
def _ends(key: str) -> tuple[str, str]:
    """The fixed text a template's reasons start and end with (a cheap test before the regex)."""
    parts = list(string.Formatter().parse(TEMPLATES[key]))
    last = parts[-1]
    return parts[0][0], (last[0] if last[1] is None else "")


def _match(text: str, keys: tuple[str, ...]) -> tuple[str, dict[str, str]] | None:
    for key in keys:
        head, tail = _ends(key)
        if not (text.startswith(head) and text.endswith(tail)):
            continue
        m = _compiled(key).fullmatch(text)
        if m:
            return key, m.groupdict()
    return None


def _render(key: str, values: dict[str, str], tr: Translator) -> str:
    filled = {name: _nested(name, value, tr) if name in NESTED else value for name, value in values.items()}
    try:
        return tr(TEMPLATES[key]).format(**filled)
    except (KeyError, IndexError, ValueError):  # a translation that lost or broke a placeholder
        return TEMPLATES[key].format(**filled)


def _nested(name: str, text: str, tr: Translator) -> str:
    """A captured reason (or list of reasons) translated, each part by its own template."""
    keys, sep = NESTED[name]
    allowed = tuple(k for k in _ORDER if k in keys)
    if sep is None:
        found = _match(text, allowed)
        return _render(*found, tr) if found else text
    # Split on the separator where every piece is one of the allowed reasons; a piece may
    # contain the separator itself ("…(looked for a; b)"), so try the joins in order.
    pieces = text.split(sep)

    @functools.cache
    def split(start: int) -> tuple[str, ...] | None:
        if start == len(pieces):
            return ()
        for end in range(start + 1, len(pieces) + 1):
            found = _match(sep.join(pieces[start:end]), allowed)
            if found:
                rest = split(end)
                if rest is not None:
                    return (_render(*found, tr), *rest)
        return None

    parts = split(0)
    return text if parts is None else sep.join(parts)


def translate(text: str, gettext: Translator | None = None) -> str:
    """A stored English reason in this run's language (or through `gettext`, when given).

    Text that no template wrote is returned unchanged.
    """
    if not isinstance(text, str) or not text:
        return text
    if gettext is not None:
        found = _match(text, _ORDER)
        return _render(*found, gettext) if found else text
    return _translated(text, current())


@functools.lru_cache(maxsize=4096)
def _translated(text: str, code: str) -> str:
    """translate() through the catalogues, per language (a list repeats its reasons)."""
    found = _match(text, _ORDER)
    return _render(*found, _) if found else text
