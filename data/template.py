"""The blank workbook an agency starts its own sheet from: `python -m data.template`.

Generated from the contract (data/schema.py), so it can never disagree with what the
loader expects; a `how to fill` tab explains every column and is ignored on load.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
from pathlib import Path

import lang
from data.schema import SCALES, TABS
from lang import N_, _

TEMPLATE_PATH = Path(__file__).resolve().parent / "template" / "agency-pulse-template.xlsx"

# The template's tab names and column headers in each language other than English (which
# uses the contract's own names). These are workbook spellings, not interface text: each is
# an alias the loader accepts (data/columns.toml; tests/data/test_template.py checks that
# every one maps back to its tab or column), so a sheet started from a Russian or Ukrainian
# template loads like an English one. A column has one header in every tab that has it.
TAB_WORDS: dict[str, dict[str, str]] = {
    "ru": {
        "clients": "Клиенты",
        "team": "Команда",
        "projects": "Проекты",
        "milestones": "Этапы",
        "messages": "Сообщения",
        "approvals": "Согласования",
        "feedback": "Отзывы",
    },
    "uk": {
        "clients": "Клієнти",
        "team": "Команда",
        "projects": "Проєкти",
        "milestones": "Етапи",
        "messages": "Повідомлення",
        "approvals": "Погодження",
        "feedback": "Відгуки",
    },
}
COLUMN_WORDS: dict[str, dict[str, str]] = {
    "ru": {
        "client_id": "ID клиента",
        "client_name": "Название клиента",
        "account_manager": "Аккаунт-менеджер",
        "tier": "Уровень",
        "status": "Статус",
        "start_date": "Дата начала",
        "person": "Сотрудник",
        "role": "Должность",
        "department": "Отдел",
        "email": "Эл. почта",
        "project_id": "ID проекта",
        "project_name": "Название проекта",
        "project_manager": "Руководитель проекта",
        "baseline_due": "Исходный дедлайн",
        "due_date": "Текущий дедлайн",
        "delivered_date": "Дата сдачи",
        "slip_cause": "Причина сдвига",
        "milestone_id": "ID этапа",
        "milestone_name": "Название этапа",
        "owner": "Ответственный",
        "message_id": "ID сообщения",
        "thread_id": "ID треда",
        "channel": "Канал",
        "direction": "Направление",
        "sender": "Отправитель",
        "sent_at": "Отправлено",
        "needs_reply": "Нужен ответ",
        "approval_id": "ID согласования",
        "deliverable": "Материал",
        "round": "Раунд",
        "due_by": "Срок ответа",
        "responded_at": "Дата ответа",
        "decision": "Решение",
        "approver": "Согласующий",
        "response_id": "ID отзыва",
        "received_on": "Дата отзыва",
        "score": "Оценка",
        "scale": "Шкала",
        "respondent": "Респондент",
        "comment": "Комментарий",
    },
    "uk": {
        "client_id": "ID клієнта",
        "client_name": "Назва клієнта",
        "account_manager": "Акаунт-менеджер",
        "tier": "Рівень",
        "status": "Статус",
        "start_date": "Дата початку",
        "person": "Співробітник",
        "role": "Посада",
        "department": "Відділ",
        "email": "Ел. пошта",
        "project_id": "ID проєкту",
        "project_name": "Назва проєкту",
        "project_manager": "Керівник проєкту",
        "baseline_due": "Початковий дедлайн",
        "due_date": "Поточний дедлайн",
        "delivered_date": "Дата здачі",
        "slip_cause": "Причина зсуву",
        "milestone_id": "ID етапу",
        "milestone_name": "Назва етапу",
        "owner": "Відповідальний",
        "message_id": "ID повідомлення",
        "thread_id": "ID треду",
        "channel": "Канал",
        "direction": "Напрямок",
        "sender": "Відправник",
        "sent_at": "Надіслано",
        "needs_reply": "Потрібна відповідь",
        "approval_id": "ID погодження",
        "deliverable": "Матеріал",
        "round": "Раунд",
        "due_by": "Термін відповіді",
        "responded_at": "Дата відповіді",
        "decision": "Рішення",
        "approver": "Погоджувач",
        "response_id": "ID відгуку",
        "received_on": "Дата відгуку",
        "score": "Оцінка",
        "scale": "Шкала",
        "respondent": "Респондент",
        "comment": "Коментар",
    },
}

# The "how to fill" tab: interface text, translated through the catalogues (lang).
HOW_TO_FILL = N_("how to fill")
HOW_TO_FILL_HEADER = (N_("tab"), N_("column"), N_("type"), N_("required"), N_("notes"))
KIND_TEXT = {
    "text": N_("text"),
    "date": N_("date (a date cell, 2026-11-20 or 20.11.2026)"),
    "datetime": N_("date and time (a date cell, 2026-11-20 14:30 or 20.11.2026 14:30)"),
    "date_or_datetime": N_("date, or date and time"),
    "number": N_("number (7 or 7,5)"),
    "integer": N_("whole number"),
    "boolean": N_("yes/no (true/false, yes/no, 1/0, да/нет)"),
    "enum": N_("one of {values}"),
}
_SHEET_TITLE_BAD = re.compile(r"[\\/*?:\[\]]")


def tab_title(tab: str, language: str = "en") -> str:
    """A contract tab's name in the template of `language` (the contract's name in English)."""
    return TAB_WORDS.get(lang.known(language) or "en", {}).get(tab, tab)


def header(column: str, language: str = "en") -> str:
    """A contract column's header in the template of `language` (its own name in English)."""
    return COLUMN_WORDS.get(lang.known(language) or "en", {}).get(column, column)


def column_notes(language: str = "en") -> list[tuple[str, str, str, str, str]]:
    """(tab, column, type, required, notes) for every contract column, in `language`."""
    with lang.language(language):
        return _column_notes(language)


def _column_notes(language: str) -> list[tuple[str, str, str, str, str]]:
    def head(column: str) -> str:
        return header(column, language)

    rows = []
    for tab in TABS:
        for c in tab.columns:
            kind = _(KIND_TEXT[c.kind]).format(values=", ".join(c.values or ()))
            notes = []
            if c.default is not None:
                notes.append(_("blank means {value}").format(value=c.default))
            if c.unique:
                notes.append(_("unique"))
            if c.ref:
                notes.append(_("must exist in {tab}").format(tab=tab_title(c.ref, language)))
            if c.lenient:
                notes.append(_("an unknown value is read as {value} with a warning").format(value=c.fallback)
                             if c.fallback else _("an unknown value is read as blank with a warning"))
            if tab.name == "feedback" and c.name == "score":
                notes.append("; ".join(_("{scale}: whole number {low}-{high}").format(scale=k, low=lo, high=hi)
                                       for k, (lo, hi) in SCALES.items()))
            if tab.name == "messages" and c.name == "needs_reply":
                notes.append(_("blank means true for in, false for out"))
            if tab.name == "approvals" and c.name == "decision":
                notes.append(_("required when {column} is given").format(column=head("responded_at")))
            for first, second in tab.one_of:
                if c.name in (first, second):
                    notes.append(_("give {first} or {second}; a blank one takes the other's value").format(
                        first=head(first), second=head(second)))
            title = tab_title(tab.name, language)
            rows.append((title if tab.required else _("{tab} (optional tab)").format(tab=title), head(c.name),
                         kind, _("required") if c.required else "", "; ".join(notes)))
    return rows


def _sheet_title(text: str) -> str:
    """A translated tab name Excel accepts: no []:*?/\\ and at most 31 characters."""
    return _SHEET_TITLE_BAD.sub(" ", text).strip()[:31] or "how to fill"


def build_template(language: str = "en") -> bytes:
    """The blank workbook: tab names, headers and the "how to fill" tab in `language`."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.properties.created = dt.datetime(2026, 1, 1)
    wb.properties.creator = "Agency Pulse"
    first = True
    for tab in TABS:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = tab_title(tab.name, language)
        headers = [header(c.name, language) for c in tab.columns]
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for i, text in enumerate(headers, start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = max(14, len(text) + 4)
    notes = column_notes(language)
    with lang.language(language):
        ws = wb.create_sheet(_sheet_title(_(HOW_TO_FILL)))
        ws.append([_(h) for h in HOW_TO_FILL_HEADER])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in notes:
        ws.append(list(row))
    for letter, width in zip("ABCDE", (24, 18, 48, 10, 70), strict=True):
        ws.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> int:
    TEMPLATE_PATH.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE_PATH.write_bytes(build_template())
    print(f"wrote {TEMPLATE_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
