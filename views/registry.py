"""Every page of the dashboard, in menu order: the one list that the navigation, the page
tests, the benchmarks and the browser suite read.

Adding a page: its file in views/, a line here, its test in tests/views/.
"""

from __future__ import annotations

from dataclasses import dataclass

from lang import N_

__all__ = ["DEFAULT", "PAGES", "Page", "page"]


@dataclass(frozen=True)
class Page:
    key: str  # the URL path (/deadlines) and the file views/<key>.py
    title: str  # the menu entry and the page's heading: an English msgid, shown through _()
    icon: str

    @property
    def file(self) -> str:
        return f"views/{self.key}.py"


PAGES: tuple[Page, ...] = (
    Page("overview", N_("Weekly review"), ":material/dashboard:"),
    Page("deadlines", N_("Deadlines"), ":material/event_busy:"),
    Page("unanswered", N_("Unanswered"), ":material/mark_chat_unread:"),
    Page("approvals", N_("Approvals"), ":material/approval:"),
    Page("feedback", N_("Feedback"), ":material/reviews:"),
    Page("clients", N_("Clients"), ":material/groups:"),
    Page("data", N_("Data"), ":material/database:"),
)
DEFAULT = PAGES[0].key  # the page the root URL opens


def page(key: str) -> Page:
    return next(p for p in PAGES if p.key == key)
