"""Generate the bundled sample agency "Northwind Creative": one CSV per workbook tab.

Run ``python -m data.sample.generate`` from the repository root to rewrite the committed
files in data/sample/ (``--out DIR --scale N`` for a bigger copy elsewhere, e.g. for the
benchmark). The output is byte-for-byte deterministic for a given seed and scale, so a
test can catch a generator change whose CSVs were not regenerated.

The data is invented but shaped like a real agency year (2025-11-21 .. 2026-11-20,
reference moment as_of = 2026-11-20 18:00, a Friday) so that a demo is recognisable:

* C03 Meridian Bank: every approval takes about a week (compliance review).
* C07 Lumen Telecom: a group chat where nine different agency people talk to the client.
* C05 Solstice Hotels: NPS slides from promoters (9-10) to detractors (3-6) over the year.
* Irina Kovalenko (PM): delivers on or before the first agreed date, always.
* Tom Hargreaves (PM): deliverables slip by days to weeks, rescheduled, slip_cause agency.
* Paused: C20, C24 (activity stops in Aug/Sep). Ended: C22, C23 (activity only in spring).

Deliberately broken rows (ids and sheet rows of the committed scale=1 output; the header
is row 1). They are extra rows, so rejecting them changes no metric; the warning row is
a real message that stays in:

* clients    (no id)    row 14     an empty row between C12 and C13: skipped, not an error
* projects   P047       row 48     client_id C31 does not exist in clients
* milestones M0208      row 209    due_date "31.02.2026" is not a date
* messages   MSG008586  row 8587   direction "cc" is not an enumeration value (in/out)
* messages   MSG010835  row 10837  message_id duplicates row 10836 (the same message pasted twice)
* messages   MSG014311  row 14313  client_id C42 does not exist in clients
* messages   MSG016561  row 16563  sent_at is blank (required)
* messages   MSG006056  row 6057   channel "fax" is unknown: only a warning, read as other
* approvals  A0762      row 763    responded_at is given but decision is blank
* approvals  A1143      row 1144   due_by "next tuesday" is not a date
* feedback   R0130      row 131    score "eight" is not a number
* feedback   R0268      row 269    NPS score 11 is outside 0-10

Legitimate variants, so the parser's tolerance is exercised: C18's status is blank
(default active); a blank scale in about 10 % of feedback rows (default nps);
needs_reply is mostly blank (defaults apply) and a few times "yes"; a few in-messages
have direction "inbound" and a few channels are spelled "Email"; C09's phone logs and
all of C12's approval times are written ``DD.MM.YYYY H:MM``; C16's approvals carry dates
without a time. ``python -m data.sample.generate --list-broken`` prints the broken rows
of whatever seed and scale it is given.
"""

from __future__ import annotations

import argparse
import csv
import functools
import itertools
import time
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from lang import N_

AS_OF = datetime(2026, 11, 20, 18, 0, 0)
AS_OF_DATE = AS_OF.date()
WINDOW_START = date(2025, 11, 21)
NAME = N_("Northwind Creative (sample agency)")  # the sample's title: shown translated
AGENCY_DOMAIN = "northwind.agency"

SAMPLE_TOML = (
    "# The bundled sample agency: its reference moment. The app and both commands use it as the\n"
    "# default as_of when the sample is the source, so the sample never looks stale.\n"
    f'as_of = "{AS_OF.isoformat()}"\n'
    f'name = "{NAME}"\n'
)

COLUMNS: dict[str, list[str]] = {
    "clients": ["client_id", "client_name", "account_manager", "tier", "status", "start_date"],
    "team": ["person", "role", "department", "email"],
    "projects": [
        "project_id", "client_id", "project_name", "project_manager", "department", "status",
        "start_date", "baseline_due", "due_date", "delivered_date", "slip_cause",
    ],
    "milestones": [
        "milestone_id", "project_id", "milestone_name", "owner", "baseline_due", "due_date",
        "delivered_date", "slip_cause", "status",
    ],
    "messages": [
        "message_id", "thread_id", "client_id", "project_id", "channel", "direction", "sender",
        "sent_at", "needs_reply",
    ],
    "approvals": [
        "approval_id", "project_id", "deliverable", "round", "sent_at", "due_by", "responded_at",
        "decision", "approver",
    ],
    "feedback": [
        "response_id", "client_id", "project_id", "received_on", "score", "scale", "respondent",
        "comment",
    ],
}

# ---------------------------------------------------------------------------------------
# The cast

TEAM: list[tuple[str, str, str]] = [
    ("Anna Petrova", "Account director", "Client Service"),
    ("James Whitfield", "Account manager", "Client Service"),
    ("Sofia Marquez", "Account manager", "Client Service"),
    ("Daniel Okafor", "Account manager", "Client Service"),
    ("Elena Morozova", "Account manager", "Client Service"),
    ("Irina Kovalenko", "Project manager", "Production"),
    ("Tom Hargreaves", "Project manager", "Digital"),
    ("Maya Lindqvist", "Project manager", "Creative"),
    ("Pavel Sokolov", "Project manager", "PR"),
    ("Grace Chen", "Project manager", "Strategy"),
    ("Lucas Moreau", "Project manager", "Digital"),
    ("Ben Carter", "Creative director", "Creative"),
    ("Nina Volkova", "Art director", "Creative"),
    ("Oliver Grant", "Copywriter", "Creative"),
    ("Aisha Rahman", "Designer", "Creative"),
    ("Sam Novak", "Strategy director", "Strategy"),
    ("Kira Belova", "Strategist", "Strategy"),
    ("Leo Fischer", "Developer", "Digital"),
    ("Yuki Tanaka", "UX designer", "Digital"),
    ("Hannah Kim", "Performance marketer", "Digital"),
    ("Chloe Dubois", "Social media manager", "Digital"),
    ("Marta Nowak", "PR manager", "PR"),
    ("Ivan Orlov", "Producer", "Production"),
    ("Felix Braun", "Motion designer", "Production"),
]
PERSON = {p: i for i, (p, _, _) in enumerate(TEAM)}
STAFF = {
    dept: [p for p, role, d in TEAM if d == dept and role != "Project manager"]
    for dept in ("Creative", "Strategy", "Digital", "PR", "Production")
}
PM_DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "Irina Kovalenko": ("Production", "Creative"),
    "Tom Hargreaves": ("Digital", "Creative"),
    "Maya Lindqvist": ("Creative", "Strategy"),
    "Pavel Sokolov": ("PR",),
    "Grace Chen": ("Strategy", "PR"),
    "Lucas Moreau": ("Digital", "Production"),
}
PUNCTUAL_PM = "Irina Kovalenko"
LATE_PM = "Tom Hargreaves"

SLOW_APPROVALS_CLIENT = "C03"
GROUP_CHAT_CLIENT = "C07"
SLIDING_NPS_CLIENT = "C05"
GROUP_CHAT_VOICES = [
    "James Whitfield", "Maya Lindqvist", "Tom Hargreaves", "Ben Carter", "Nina Volkova",
    "Oliver Grant", "Chloe Dubois", "Hannah Kim", "Leo Fischer",
]


@dataclass(frozen=True)
class Client:
    """One client and how it behaves: the knobs that make its numbers recognisable."""

    cid: str
    name: str
    account_manager: str
    tier: str
    status: str  # as written in the sheet ("" = default active)
    start: date
    end: date | None  # last day of activity for paused and ended clients
    domain: str
    senders_as_email: bool = False  # the sheet logs the client's From address, not a name
    approval_speed: float = 1.0  # multiplies the client's approval lag
    mood: float = 8.6  # mean NPS


CLIENTS: list[Client] = [
    Client("C01", "Aurora Foods", "Anna Petrova", "A", "active", date(2021, 3, 1), None, "aurorafoods.com"),
    Client("C02", "Baltic Motors", "James Whitfield", "A", "active", date(2019, 9, 16), None,
           "balticmotors.eu", senders_as_email=True),
    Client("C03", "Meridian Bank", "Anna Petrova", "A", "active", date(2022, 1, 10), None,
           "meridianbank.com", mood=7.9),
    Client("C04", "Nordlys Pharma", "Sofia Marquez", "B", "active", date(2023, 5, 2), None, "nordlyspharma.com"),
    Client("C05", "Solstice Hotels", "Daniel Okafor", "B", "active", date(2020, 11, 23), None,
           "solsticehotels.com"),
    Client("C06", "Kestrel Airlines", "Elena Morozova", "A", "active", date(2022, 6, 1), None,
           "kestrelair.com", senders_as_email=True),
    Client("C07", "Lumen Telecom", "James Whitfield", "A", "active", date(2023, 2, 13), None,
           "lumentelecom.com", mood=7.2),
    Client("C08", "Greenfield Dairy", "Sofia Marquez", "B", "active", date(2021, 8, 9), None, "greenfield.farm"),
    Client("C09", "Atlas Logistics", "Daniel Okafor", "C", "active", date(2024, 2, 5), None, "atlaslogistics.com"),
    Client("C10", "Verity Insurance", "Elena Morozova", "B", "active", date(2022, 10, 3), None,
           "verityinsurance.com", senders_as_email=True, mood=6.9),
    Client("C11", "Helix Biotech", "Anna Petrova", "C", "active", date(2024, 9, 2), None, "helixbio.com",
           approval_speed=1.4),
    Client("C12", "Orchard & Vine", "Sofia Marquez", "C", "active", date(2023, 4, 17), None, "orchardvine.com"),
    Client("C13", "Pixel Forge Games", "James Whitfield", "B", "active", date(2024, 1, 15), None,
           "pixelforge.gg", approval_speed=0.5, mood=9.2),
    Client("C14", "Harbour Homes", "Daniel Okafor", "C", "active", date(2023, 9, 4), None, "harbourhomes.com"),
    Client("C15", "Cobalt Energy", "Elena Morozova", "B", "active", date(2021, 1, 11), None,
           "cobaltenergy.com", senders_as_email=True, mood=7.6),
    Client("C16", "Tundra Outdoor", "Anna Petrova", "C", "active", date(2024, 4, 1), None, "tundraoutdoor.com"),
    Client("C17", "Silverline Fashion", "Sofia Marquez", "B", "active", date(2022, 3, 14), None,
           "silverline.fashion", approval_speed=0.8),
    Client("C18", "Brightpath Education", "James Whitfield", "C", "", date(2025, 1, 20), None,
           "brightpath.edu"),
    Client("C19", "Urban Nest Furniture", "Daniel Okafor", "C", "active", date(2023, 11, 6), None,
           "urbannest.com", senders_as_email=True),
    Client("C20", "Polar Springs Water", "Elena Morozova", "C", "paused", date(2022, 7, 18),
           date(2026, 9, 11), "polarsprings.com"),
    Client("C21", "Crescent Cosmetics", "Anna Petrova", "B", "active", date(2026, 3, 2), None,
           "crescentcosmetics.com"),
    Client("C22", "Fjord Seafood", "Sofia Marquez", "C", "ended", date(2021, 5, 24), date(2026, 4, 30),
           "fjordseafood.no"),
    Client("C23", "Metro Pharmacy", "James Whitfield", "C", "ended", date(2023, 3, 6), date(2026, 6, 12),
           "metropharmacy.com"),
    Client("C24", "Quanta Software", "Daniel Okafor", "B", "paused", date(2024, 6, 3), date(2026, 8, 21),
           "quantasoftware.io"),
    Client("C25", "Riverside Clinic", "Elena Morozova", "C", "active", date(2026, 6, 15), None,
           "riversideclinic.com"),
]
CLIENT_INDEX = {c.cid: i for i, c in enumerate(CLIENTS)}
TIER_WEIGHT = {"A": 3.0, "B": 2.0, "C": 1.0}

FIRST_NAMES = [
    "Alice", "Boris", "Carla", "David", "Emma", "Fedor", "Greta", "Henrik", "Ines", "Jonas",
    "Katarina", "Liam", "Marina", "Nils", "Olga", "Peter", "Rita", "Stefan", "Tatiana", "Ulrich",
    "Vera", "William", "Xenia", "Yann", "Zoe", "Arthur", "Bianca", "Carlos", "Daria", "Erik",
    "Freya", "Gustav", "Helen", "Igor", "Julia", "Karl", "Lena", "Mikhail", "Nora", "Oscar",
]
LAST_NAMES = [
    "Andersen", "Bauer", "Castillo", "Dahl", "Egorova", "Fontaine", "Gruber", "Holm", "Ivanova",
    "Jensen", "Keller", "Larsen", "Meyer", "Nilsson", "Orlova", "Pereira", "Quinn", "Rossi",
    "Schmidt", "Thompson", "Usova", "Vogel", "Walsh", "Yilmaz", "Zimmer", "Berg", "Costa",
    "Duval", "Engel", "Frost", "Lindgren", "Marsh", "Novikova", "Park", "Reyes", "Sato",
]


@dataclass(frozen=True)
class Template:
    """A kind of project: its name pattern, department, length, milestones and approvals."""

    name: str  # may contain {y} (year of the due date) or {q} (quarter of the start)
    department: str
    weeks: tuple[int, int]
    milestones: tuple[str, ...]
    deliverables: tuple[str, ...]
    months: tuple[int, ...] = ()  # start months it fits; () = any
    year_shift: int = 0


_CAMPAIGN_MS = ("Brief & insights", "Creative concepts", "Key visual", "Production", "Media handover",
                "Campaign launch")
_CAMPAIGN_DL = ("Creative concepts", "Key visual", "Storyboard", "TV spot 30s", "OOH layouts",
                "Social cutdowns", "Radio script", "Banner set", "Print ad", "Storyboard v2")
_WEB_MS = ("Discovery", "Sitemap & UX", "Visual design", "Development", "Content migration", "Go-live")
_WEB_DL = ("Sitemap", "Wireframes", "Homepage mockup", "Design system", "Product page mockup",
           "Copy deck", "Staging review", "Accessibility report", "Cookie banner copy")
_SOCIAL_MS = ("Content strategy", "Content plan month 1", "Content plan month 2", "Content plan month 3",
              "Quarterly report")
_SOCIAL_DL = ("Content plan", "Social posts (batch 1)", "Social posts (batch 2)", "Social posts (batch 3)",
              "Reels scripts", "Influencer brief", "Community guidelines", "Paid social ads")
_PR_MS = ("Messaging", "Media list", "Press kit", "Launch event", "Outreach", "Coverage report")
_PR_DL = ("Key messages", "Press release", "Media list", "Press kit", "Spokesperson Q&A",
          "Event invitation", "Coverage report", "Press release v2")
_VIDEO_MS = ("Script", "Pre-production", "Shoot", "Rough cut", "Final cut", "Subtitles & versions")
_VIDEO_DL = ("Treatment", "Script", "Storyboard", "Casting", "Rough cut", "Final cut", "Music licence",
             "Subtitles")

TEMPLATES: list[Template] = [
    Template("Spring campaign {y}", "Creative", (8, 14), _CAMPAIGN_MS, _CAMPAIGN_DL, (12, 1, 2)),
    Template("Summer campaign {y}", "Creative", (8, 13), _CAMPAIGN_MS, _CAMPAIGN_DL, (3, 4, 5)),
    Template("Back to school {y}", "Creative", (6, 10), _CAMPAIGN_MS, _CAMPAIGN_DL, (5, 6, 7)),
    Template("Holiday campaign {y}", "Creative", (8, 13), _CAMPAIGN_MS, _CAMPAIGN_DL, (8, 9, 10)),
    Template("Black Friday promo {y}", "Digital", (5, 9),
             ("Discovery", "Promo mechanics", "Landing page design", "Build & QA", "Go-live", "Results report"),
             ("Promo mechanics", "Landing page mockup", "Email templates", "Banner set", "Social posts",
              "Paid social ads"), (8, 9, 10)),
    Template("Website redesign", "Digital", (12, 22), _WEB_MS, _WEB_DL),
    Template("Mobile app launch", "Digital", (10, 18),
             ("Discovery", "UX prototype", "UI design", "App store assets", "Launch campaign", "Go-live"),
             ("User flows", "UX prototype", "UI kit", "App store screenshots", "Onboarding copy",
              "Launch video", "Push notification copy")),
    Template("Social content {q}", "Digital", (10, 13), _SOCIAL_MS, _SOCIAL_DL),
    Template("Performance marketing {q}", "Digital", (10, 13),
             ("Audit", "Media plan", "Creative set", "Launch", "Optimisation", "Quarterly report"),
             ("Media plan", "Search ads copy", "Display banners", "Video ads", "Landing page A/B",
              "Quarterly report")),
    Template("Newsletter programme", "Digital", (8, 12),
             ("Audience audit", "Template design", "Content calendar", "First send", "Results report"),
             ("Email template", "Welcome series", "Content calendar", "Newsletter #1", "Newsletter #2",
              "Newsletter #3")),
    Template("Brand refresh", "Strategy", (10, 18),
             ("Brand audit", "Stakeholder workshop", "Positioning", "Identity concepts", "Brand book",
              "Rollout plan"),
             ("Brand audit", "Positioning statement", "Logo options", "Colour palette", "Brand book",
              "Tone of voice guide", "Stationery", "Logo options v2")),
    Template("Market research {y}", "Strategy", (6, 10),
             ("Research design", "Fieldwork", "Analysis", "Insights deck", "Final presentation"),
             ("Questionnaire", "Discussion guide", "Interim findings", "Insights deck", "Personas")),
    Template("Employer brand campaign", "Strategy", (8, 14),
             ("Employee survey", "EVP workshop", "Creative platform", "Careers page", "Launch"),
             ("Survey questions", "EVP statement", "Key visual", "Careers page mockup", "Recruitment ads",
              "Video testimonials")),
    Template("Product launch PR", "PR", (6, 12), _PR_MS, _PR_DL),
    Template("Thought leadership programme", "PR", (10, 16),
             ("Editorial plan", "Op-ed drafts", "Speaker pitches", "Podcast tour", "Coverage report"),
             ("Editorial plan", "Op-ed: industry outlook", "Op-ed: sustainability", "Speaker bio",
              "Podcast talking points", "LinkedIn articles")),
    Template("Crisis comms playbook", "PR", (4, 8),
             ("Risk mapping", "Scenario workshop", "Holding statements", "Playbook", "Media training"),
             ("Risk map", "Holding statements", "Q&A document", "Playbook", "Media training deck")),
    Template("Sponsorship activation {y}", "PR", (8, 14),
             ("Concept", "Partner approvals", "Content production", "Event", "Coverage report"),
             ("Activation concept", "Partner deck", "Event visuals", "Press release", "Social posts",
              "Coverage report")),
    Template("Annual report {y}", "Production", (8, 12),
             ("Content plan", "Copywriting", "Layout", "Infographics", "Print proof", "Print & online release"),
             ("Structure", "Chairman's letter", "Layout", "Infographics", "Print proof", "Online version"),
             (1, 2, 3, 4), year_shift=-1),
    Template("Corporate video", "Production", (6, 12), _VIDEO_MS, _VIDEO_DL),
    Template("Trade show booth {y}", "Production", (8, 14),
             ("Concept", "3D design", "Technical drawings", "Build", "Installation", "Dismantling"),
             ("Booth concept", "3D renders", "Graphics", "Brochure", "Giveaways", "Staff briefing")),
    Template("Product photo shoot", "Production", (3, 6),
             ("Shot list", "Casting & props", "Shoot", "Retouching", "Final delivery"),
             ("Shot list", "Moodboard", "Selects", "Retouched images", "Final delivery")),
    Template("Packaging redesign", "Creative", (10, 16),
             ("Category audit", "Design routes", "Chosen route", "Artwork", "Print proof", "Launch"),
             ("Design routes", "Chosen route", "Artwork", "Pack copy", "Print proof", "Shelf mockups",
              "Artwork v2")),
]

COMMENTS = {
    "promoter": [
        "Great team, always on top of things.", "Love the creative work this quarter.",
        "Fast and reliable, thank you!", "Our go-to agency.", "The launch went brilliantly.",
        "Really proactive account management.", "Best campaign we have run in years.",
        "Everything on time and on budget.",
    ],
    "passive": [
        "Good work overall, a few delays.", "Solid, but communication could be tighter.",
        "Happy with the output, the process is slow at times.", "Fine, nothing special.",
        "Good ideas, execution needs more care.", "We would like more strategic input.",
    ],
    "detractor": [
        "Deadlines keep slipping.", "We have to chase for answers.", "Not the level we expect for the fees.",
        "Too many rounds to get simple things right.", "Quality has dropped.",
        "Hard to reach anyone on Fridays.",
    ],
    "csat_good": ["Smooth project.", "Very happy with the result.", "Delivered exactly what we needed.",
                  "Great collaboration."],
    "csat_bad": ["Needed many rounds to get it right.", "Late and over budget.",
                 "The brief was not understood."],
}
CLIENT_COMMENTS = {
    SLIDING_NPS_CLIENT: {
        "promoter": ["Fantastic start to the year, the team gets our brand.",
                     "Best agency we have worked with.", "Super responsive, great ideas."],
        "detractor": ["Since the summer we wait days for answers.",
                      "Our account feels like a low priority now.",
                      "Two launches late in a row, disappointing.",
                      "We are reconsidering the relationship."],
    },
    GROUP_CHAT_CLIENT: {
        "passive": ["Ten people in our chat and we never know who is in charge.",
                    "Good people, but we need one point of contact.",
                    "Who owns our account? Everybody answers, nobody decides."],
        "detractor": ["Too many voices, too little ownership."],
    },
    SLOW_APPROVALS_CLIENT: {
        "passive": ["Good work; our compliance process is the bottleneck, not you.",
                    "Please plan for our review cycles."],
    },
}

# ---------------------------------------------------------------------------------------
# Time helpers. Messages and approvals move on a "working axis": hours of 09:00-20:00 on
# weekdays, so that delays are business delays and the rhythm has the office's shape.

DAY_START_H = 9.0
DAY_LEN_H = 11.0
RHYTHM_HOLIDAYS = np.array(["2025-12-31", "2026-01-01", "2026-01-02"], dtype="M8[D]")
_ALL_DAYS = np.arange(np.datetime64("2025-06-02"), np.datetime64("2027-12-31"), dtype="M8[D]")
WORKDAYS = _ALL_DAYS[np.is_busday(_ALL_DAYS, holidays=RHYTHM_HOLIDAYS)]
AS_OF64 = np.datetime64(AS_OF, "s")


def _to_work(ts: np.ndarray) -> np.ndarray:
    """Hours on the working axis; off-hours moments count as the next opening."""
    d = ts.astype("M8[D]")
    idx = np.searchsorted(WORKDAYS, d)
    same = WORKDAYS[np.minimum(idx, len(WORKDAYS) - 1)] == d
    h = (ts - d).astype("m8[s]").astype(np.int64) / 3600.0 - DAY_START_H
    h = np.where(same, np.clip(h, 0.0, DAY_LEN_H), 0.0)
    return idx * DAY_LEN_H + h


def _from_work(w: np.ndarray) -> np.ndarray:
    idx = np.minimum(np.floor(w / DAY_LEN_H).astype(np.int64), len(WORKDAYS) - 1)
    secs = np.round((DAY_START_H + (w - idx * DAY_LEN_H)) * 3600.0).astype(np.int64)
    return WORKDAYS[idx].astype("M8[s]") + secs.astype("m8[s]")


@functools.lru_cache(maxsize=65536)
def _bday(d: date, n: int) -> date:
    """Weekday arithmetic for deadlines, as the dashboard's default calendar counts them."""
    return np.busday_offset(np.datetime64(d, "D"), n, roll="forward").astype(object)


def _fmt_dt(a: np.ndarray) -> np.ndarray:
    s = np.datetime_as_string(a.astype("M8[s]"), unit="s").astype("U19")
    v = s.view("U1").reshape(-1, 19)
    v[:, 10] = " "
    return s.astype(object)


def _fmt_d(a: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(a.astype("M8[D]"), unit="D").astype(object)


def _fmt_ru(a: np.ndarray) -> np.ndarray:
    """DD.MM.YYYY H:MM, as Google Sheets writes a datetime in the ru_RU locale."""
    return np.array([t.strftime("%d.%m.%Y ") + f"{t.hour}:{t.minute:02d}"
                     for t in a.astype("M8[s]").astype(object)], dtype=object)


def _d(x: date | None) -> str:
    return x.isoformat() if x else ""


def _hours_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Start times with the office's two peaks: late morning and mid-afternoon."""
    kind = rng.random(n)
    h = np.where(kind < 0.45, rng.normal(10.8, 1.0, n),
                 np.where(kind < 0.9, rng.normal(15.3, 1.4, n), rng.uniform(9.0, 20.0, n)))
    return np.clip(h, 9.0, 19.9)


def _ids(prefix: str, n: int, width: int) -> list[str]:
    width = max(width, len(str(n)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


# ---------------------------------------------------------------------------------------
# Tabs


def _client_window(c: Client) -> tuple[date, date]:
    return max(WINDOW_START, c.start), (c.end or AS_OF_DATE)


def _contacts(rng: np.random.Generator) -> list[list[tuple[str, str]]]:
    """Client-side people (name, email) per client; the first one is the main contact."""
    pairs = [(f, la) for f in FIRST_NAMES for la in LAST_NAMES]
    order = rng.permutation(len(pairs))
    out, k = [], 0
    for c in CLIENTS:
        n = 4 if c.tier == "A" else 3
        people = []
        for _ in range(n):
            f, la = pairs[order[k]]
            k += 1
            people.append((f"{f} {la}", f"{f.lower()}.{la.lower()}@{c.domain}"))
        out.append(people)
    return out


def _slip(rng: np.random.Generator, style: str) -> tuple[int, int, str]:
    """How one deliverable goes: (working days late, working days the due date moved, cause)."""
    if style == "punctual":
        return -int(rng.integers(0, 3)), 0, ""
    u = rng.random()
    if style == "late":
        if u < 0.85:
            s = int(rng.integers(3, 16))
            cause = "agency" if rng.random() < 0.9 else "scope"
            shift = max(1, s - int(rng.integers(0, 4))) if rng.random() < 0.85 else 0
            return s, shift, cause
        return -int(rng.integers(0, 2)), 0, ""
    if u < 0.22:
        s = int(rng.integers(1, 9))
        cause = str(rng.choice(["client", "client", "scope", "agency", "external"]))
        shift = s - int(rng.integers(0, 2)) if rng.random() < 0.6 else 0
        return s, max(shift, 0), cause
    return -int(rng.integers(0, 3)), 0, ""


def _make_projects(rng: np.random.Generator, scale: float) -> tuple[list[dict], list[dict]]:
    """Projects and their milestones, with the delivery behaviour of their PM built in."""
    lead_in = timedelta(days=75)
    weights = []
    for c in CLIENTS:
        lo = max(c.start, WINDOW_START - lead_in)
        hi = c.end or AS_OF_DATE
        weights.append(TIER_WEIGHT[c.tier] * max((hi - lo).days, 30) / 440.0)
    total = sum(weights)
    pm_names = list(PM_DEPARTMENTS)
    pm_weight = np.array([1.25 if p in (PUNCTUAL_PM, LATE_PM) else 1.0 for p in pm_names])

    projects: list[dict] = []
    planned_n = max(1, round(3 * scale))
    active_big = [i for i, c in enumerate(CLIENTS) if c.end is None and c.tier in "AB"]
    planned_clients = [int(rng.choice(active_big)) for _ in range(planned_n)]
    for ci, c in enumerate(CLIENTS):
        n = max(1, round(92 * scale * weights[ci] / total))
        lo = max(c.start, WINDOW_START - lead_in)
        hi = (c.end - timedelta(days=30)) if c.end else AS_OF_DATE - timedelta(days=7)
        used: dict[str, int] = {}
        # Agencies grow: starts lean towards recent months, and every active client of
        # tier A or B has a project under way at as_of.
        span = max((hi - lo).days, 1)
        starts = sorted(lo + timedelta(days=int(span * rng.random() ** 0.8)) for _ in range(n))
        if c.end is None and c.tier in "AB":
            starts[-1] = AS_OF_DATE - timedelta(days=int(rng.integers(14, 60)))
        starts += [AS_OF_DATE + timedelta(days=int(rng.integers(3, 28)))
                   for k in planned_clients if k == ci]
        for start in starts:
            fits = [t for t in TEMPLATES if not t.months or start.month in t.months]
            fresh = [t for t in fits if t.name not in used] or fits
            t = fresh[int(rng.integers(0, len(fresh)))]
            weeks = int(rng.integers(t.weeks[0], t.weeks[1] + 1))
            start = _bday(start, 0)
            due = _bday(start + timedelta(weeks=weeks), 0)
            if c.end and due > c.end - timedelta(days=21):
                due = _bday(c.end - timedelta(days=21), 0)
                start = min(start, due - timedelta(weeks=3))
            if due < WINDOW_START + timedelta(days=14):
                due = _bday(WINDOW_START + timedelta(days=14 + int(rng.integers(0, 20))), 0)
            used[t.name] = used.get(t.name, 0) + 1
            mid = start + (due - start) / 2
            q = (mid.month - 1) // 3 + 1
            name = t.name.format(y=due.year + t.year_shift, q=f"Q{q} {mid.year}")
            if used[t.name] > 1 and "{" not in t.name:
                name += f" (phase {used[t.name]})"
            eligible = [i for i, p in enumerate(pm_names) if t.department in PM_DEPARTMENTS[p]]
            w = pm_weight[eligible] / pm_weight[eligible].sum()
            pm = pm_names[int(rng.choice(eligible, p=w))]
            projects.append(dict(ci=ci, name=name, template=t, pm=pm, department=t.department,
                                 start=start, baseline=due))

    projects.sort(key=lambda p: (p["start"], p["ci"], p["name"]))
    milestones: list[dict] = []
    for p in projects:
        style = "punctual" if p["pm"] == PUNCTUAL_PM else "late" if p["pm"] == LATE_PM else "ordinary"
        t: Template = p["template"]
        k = int(rng.choice([0, 4, 5, 6], p=[0.06, 0.40, 0.42, 0.12]))
        span = (p["baseline"] - p["start"]).days
        deliverables = []  # dicts with baseline and the way they went
        if k:
            names = list(t.milestones)
            if k < len(names):
                keep = sorted(rng.choice(len(names) - 1, size=k - 1, replace=False).tolist())
                names = [names[i] for i in keep] + [names[-1]]
            names = names[:k]
            k = len(names)
            prev = p["start"]
            for j, mname in enumerate(names):
                frac = 1.0 if j == k - 1 else (j + 1) / k + rng.uniform(-0.2, 0.2) / k
                b = _bday(p["start"] + timedelta(days=round(span * frac)), 0)
                b = max(b, _bday(prev + timedelta(days=1), 0))
                if j == k - 1:
                    b = max(b, p["baseline"])
                owner = p["pm"] if rng.random() < 0.3 else str(rng.choice(STAFF[p["department"]]))
                deliverables.append(dict(name=mname, owner=owner, baseline=b, window_start=prev))
                prev = b
            p["baseline"] = deliverables[-1]["baseline"]
        else:
            deliverables.append(dict(name=None, owner=p["pm"], baseline=p["baseline"], window_start=p["start"]))
        last_sim, last_cause = None, ""
        for dl in deliverables:
            s, shift, cause = _slip(rng, style)
            sim = _bday(dl["baseline"], s)
            # Work due in the last three weeks that is still not done: the overdue list.
            recent = AS_OF_DATE - timedelta(days=21) <= dl["baseline"] < AS_OF_DATE
            if style != "punctual" and recent and rng.random() < (0.8 if style == "late" else 0.25):
                sim, shift = _bday(AS_OF_DATE, int(rng.integers(1, 8))), 0
                cause = cause or ("agency" if style == "late" else str(rng.choice(["client", "scope", "agency"])))
            if last_sim and sim < last_sim:
                sim = last_sim
                if sim > dl["baseline"] and not cause:
                    cause = last_cause or "agency"
            dl.update(sim=sim, cause=cause if sim > dl["baseline"] else "",
                      resched=_bday(dl["baseline"], shift) if shift > 0 else dl["baseline"])
            last_sim, last_cause = sim, dl["cause"]
        p["deliverables"] = deliverables
        p["has_milestones"] = k > 0
        p["status"] = "active"
        p["sim"] = deliverables[-1]["sim"]

    # A few cancelled and on-hold projects, never the two personality PMs' own.
    def pick(cands: list[dict], n: int) -> list[dict]:
        n = min(n, len(cands))
        return [cands[i] for i in sorted(rng.choice(len(cands), size=n, replace=False).tolist())]

    others = [p for p in projects if p["pm"] not in (PUNCTUAL_PM, LATE_PM)]
    for p in pick([p for p in others if p["start"] <= AS_OF_DATE - timedelta(days=90)
                   and (p["baseline"] - p["start"]).days > 40], max(1, round(3 * scale))):
        p["status"] = "cancelled"
        span = (p["baseline"] - p["start"]).days
        p["stop"] = p["start"] + timedelta(days=round(span * rng.uniform(0.25, 0.6)))
    personal = (SLOW_APPROVALS_CLIENT, GROUP_CHAT_CLIENT, SLIDING_NPS_CLIENT)
    for p in pick([p for p in others if p["status"] == "active" and CLIENTS[p["ci"]].end is None
                   and CLIENTS[p["ci"]].cid not in personal
                   and p["start"] <= AS_OF_DATE - timedelta(days=30) and p["sim"] > AS_OF_DATE],
                  max(1, round(2 * scale))):
        p["status"] = "on_hold"
        p["stop"] = max(AS_OF_DATE - timedelta(days=int(rng.integers(12, 35))), p["start"] + timedelta(days=14))

    for p in projects:
        for dl in p["deliverables"]:
            stop = p.get("stop")
            done = dl["sim"] <= AS_OF_DATE and not (stop and dl["sim"] > stop)
            dl["delivered"] = dl["sim"] if done else None
            b = dl["baseline"]
            if done:
                dl["due"] = dl["resched"]
                dl["mstatus"] = "delivered"
            elif p["status"] == "cancelled":
                dl.update(due=b, cause="", mstatus="cancelled")
            else:
                known = dl["resched"] != b and _bday(b, -5) <= AS_OF_DATE
                dl["due"] = dl["resched"] if known else b
                if p["status"] == "on_hold":
                    dl["cause"] = "client" if (b < AS_OF_DATE or known) else ""
                    dl["mstatus"] = "on_hold"
                else:
                    if not (known or (b < AS_OF_DATE and dl["sim"] > b)):
                        dl["cause"] = ""
                    dl["mstatus"] = "planned" if dl["window_start"] > AS_OF_DATE else "active"
        last = p["deliverables"][-1]
        p["due"] = last["due"]
        p["delivered"] = last["delivered"]
        late = [dl["cause"] for dl in p["deliverables"] if dl["cause"]]
        if p["status"] == "cancelled":
            p["cause"] = ""
        elif p["status"] == "on_hold":
            p["cause"] = "client"
        else:
            is_late = p["due"] != p["baseline"] or (
                (p["delivered"] or p["sim"]) > p["baseline"] and bool(p["delivered"] or p["baseline"] < AS_OF_DATE))
            p["cause"] = (last["cause"] or (late[-1] if late else "agency")) if is_late else ""
            if p["delivered"]:
                p["status"] = "delivered"
            elif p["start"] > AS_OF_DATE:
                p["status"] = "planned"
        # Messages and approvals about a project happen while it is live.
        end = p.get("stop") or min(p["delivered"] or AS_OF_DATE, AS_OF_DATE)
        p["live_from"] = p["start"] - timedelta(days=7)
        p["live_to"] = end + timedelta(days=7) if p["status"] not in ("cancelled", "on_hold") else end
        for dl in p["deliverables"]:
            if dl["name"] is not None:
                milestones.append(dict(p=p, **dl))
    return projects, milestones


def _make_messages(rng: np.random.Generator, scale: float, projects: list[dict], pids: list[str],
                   contacts: list[list[tuple[str, str]]]) -> tuple[pd.DataFrame, dict]:
    """All messages, vectorised over threads: one step per position in a thread."""
    avg_len = 5.25
    n_threads_total = 20000 * scale / avg_len
    days_per_client = []
    for c in CLIENTS:
        a, b = _client_window(c)
        days_per_client.append(max((b - a).days, 1))
    w = np.array([TIER_WEIGHT[c.tier] * d * (1.15 if c.cid == GROUP_CHAT_CLIENT else 1.0)
                  for c, d in zip(CLIENTS, days_per_client, strict=True)])
    counts = np.round(n_threads_total * w / w.sum()).astype(int)

    # --- threads: client, start moment, channel, project, length
    t_client = np.repeat(np.arange(len(CLIENTS)), counts)
    n = len(t_client)
    day = np.empty(n, dtype="M8[D]")
    for ci, c in enumerate(CLIENTS):
        a, b = _client_window(c)
        if c.end:
            b = b - timedelta(days=3)
        days = np.arange(np.datetime64(a), np.datetime64(b) + 1, dtype="M8[D]")
        dow = (days.astype(np.int64) - 4) % 7  # 0 = Monday
        pw = np.where(dow < 4, 1.0, np.where(dow == 4, 0.85, 0.06))
        pw = np.where(np.isin(days, RHYTHM_HOLIDAYS), 0.03, pw)
        sel = t_client == ci
        day[sel] = rng.choice(days, size=int(sel.sum()), p=pw / pw.sum())
    weekend = ~np.is_busday(day, holidays=RHYTHM_HOLIDAYS)
    hours = np.where(weekend, rng.uniform(10.0, 22.5, n), _hours_of_day(rng, n))
    start = day.astype("M8[s]") + np.round(hours * 3600).astype(np.int64).astype("m8[s]")

    is_group = np.array([c.cid == GROUP_CHAT_CLIENT for c in CLIENTS])[t_client]
    u = rng.random(n)
    channel = np.select([u < 0.64, u < 0.83, u < 0.90, u < 0.96], [0, 1, 2, 3], 4)  # email chat phone meeting other
    channel = np.where(is_group & (rng.random(n) < 0.55), 1, channel)
    geo_p = np.select([channel == 1, channel >= 2], [0.15, 0.55], 0.24)
    length = np.minimum(1 + rng.geometric(geo_p), 15)
    length = np.where(is_group & (channel == 1), np.minimum(length + 3, 15), length)

    # project: one live on that day, mostly
    t_proj = np.full(n, -1)
    p_ci = np.array([p["ci"] for p in projects])
    p_from = np.array([np.datetime64(p["live_from"]) for p in projects], dtype="M8[D]")
    p_to = np.array([np.datetime64(p["live_to"]) for p in projects], dtype="M8[D]")
    for ci in range(len(CLIENTS)):
        sel = np.flatnonzero(t_client == ci)
        cand = np.flatnonzero(p_ci == ci)
        if not len(sel) or not len(cand):
            continue
        live = (p_from[cand][None, :] <= day[sel][:, None]) & (day[sel][:, None] <= p_to[cand][None, :])
        keys = np.where(live, rng.random(live.shape), -1.0)
        best = keys.argmax(axis=1)
        has = keys.max(axis=1) >= 0
        t_proj[sel] = np.where(has, cand[best], -1)
    t_proj = np.where(rng.random(n) < 0.1, -1, t_proj)

    # who speaks for each side in the thread
    team_am = np.array([PERSON[c.account_manager] for c in CLIENTS])[t_client]
    pm_of = np.array([PERSON[p["pm"]] for p in projects])
    t_pm = np.where(t_proj >= 0, pm_of[np.maximum(t_proj, 0)], team_am)
    creatives = STAFF["Creative"] + STAFF["Digital"]
    second = np.array([PERSON[creatives[int(i)]] for i in rng.integers(0, len(creatives), len(CLIENTS))])
    t_second = second[t_client]
    u = rng.random(n)
    t_agent = np.select([u < 0.65, u < 0.9], [team_am, t_pm], t_second)
    n_contacts = np.array([len(x) for x in contacts])[t_client]
    t_contact = np.where(rng.random(n) < 0.6, 0, (rng.random(n) * n_contacts).astype(int))

    # --- messages: step through positions
    L = 15
    ts = np.zeros((n, L), dtype="M8[s]")
    inbound = np.zeros((n, L), dtype=bool)
    ts[:, 0] = start
    inbound[:, 0] = rng.random(n) < 0.55
    flip_p = np.select([channel == 1, channel >= 2], [0.62, 0.9], 0.82)
    am_slow = np.where(team_am == PERSON["Daniel Okafor"], 1.8, 1.0)
    chat = channel == 1
    for k in range(1, L):
        flip = rng.random(n) < flip_p
        inbound[:, k] = np.where(flip, ~inbound[:, k - 1], inbound[:, k - 1])
        agency_reply = flip & ~inbound[:, k]
        client_reply = flip & inbound[:, k]
        slow = rng.random(n) < 0.09
        d_agency = np.where(slow, rng.uniform(8, 30, n), rng.lognormal(np.log(1.0), 0.9, n)) * am_slow
        d_client = np.minimum(rng.lognormal(np.log(2.5), 1.1, n), 60.0)
        d_same = rng.uniform(0.05, 2.5, n)
        delay = np.select([agency_reply, client_reply], [d_agency, d_client], d_same)
        delay = np.where(chat, delay * 0.25, delay)
        nxt = _from_work(_to_work(ts[:, k - 1]) + delay)
        off = rng.random(n) < 0.04
        clock = ts[:, k - 1] + np.round(rng.uniform(0.2, 3.0, n) * 3600).astype(np.int64).astype("m8[s]")
        ts[:, k] = np.where(off, clock, nxt)
    by_hand = channel >= 2  # calls and meetings are logged by hand, to the minute
    ts[by_hand] = ts[by_hand].astype("M8[m]").astype("M8[s]")

    pos = np.arange(L)[None, :]
    exists = pos < length[:, None]
    kept = exists & (ts <= AS_OF64)
    kept_len = kept.sum(axis=1)
    truncated = kept_len < length
    keep_thread = kept_len > 0

    # per-message sender
    grp = is_group & chat
    pool = np.array([PERSON[p] for p in GROUP_CHAT_VOICES])
    m_agent = np.where(rng.random((n, L)) < 0.9, t_agent[:, None],
                       np.where(rng.random((n, L)) < 0.5, team_am[:, None], t_pm[:, None]))
    m_agent = np.where(grp[:, None], pool[rng.integers(0, len(pool), (n, L))], m_agent)
    other_contact = (rng.random((n, L)) * n_contacts[:, None]).astype(int)
    m_contact = np.where(rng.random((n, L)) < 0.85, t_contact[:, None], other_contact)

    # needs_reply: blank unless the sheet's owner marked it
    nr = np.zeros((n, L), dtype=np.int8)  # 0 blank, 1 true, 2 false
    nxt_in = np.zeros((n, L), dtype=bool)
    nxt_in[:, :-1] = inbound[:, 1:] & kept[:, 1:]
    is_last = kept & (pos == (kept_len - 1)[:, None])
    r = rng.random((n, L))
    nr = np.where(~inbound & nxt_in & (r < 0.08), 1, nr)
    nr = np.where(inbound & ~is_last & (r < 0.03), 2, nr)
    last_in = inbound[np.arange(n), np.maximum(kept_len - 1, 0)]
    last_t = ts[np.arange(n), np.maximum(kept_len - 1, 0)]
    active_client = np.array([c.end is None for c in CLIENTS])[t_client]
    age_h = (AS_OF64 - last_t).astype(np.int64) / 3600.0
    cand = keep_thread & ~truncated & active_client & (age_h > 2) & (age_h < 16 * 24)
    open_agency = np.zeros(n, dtype=bool)
    open_client = np.zeros(n, dtype=bool)
    k_open = max(1, round(6 * scale))
    targets_h = np.geomspace(3, 14 * 24, k_open)
    for want, mask in ((open_agency, cand & last_in), (open_client, cand & ~last_in)):
        pool_i = np.flatnonzero(mask)
        for tgt in targets_h:
            if not len(pool_i):
                break
            j = int(np.argmin(np.abs(age_h[pool_i] - tgt)))
            want[pool_i[j]] = True
            pool_i = np.delete(pool_i, j)
    # A finished thread must leave nothing open: every client message after the agency's
    # last word is a "thanks" that needs no reply.
    last_out = np.where(kept & ~inbound, pos, -1).max(axis=1)
    trailing_in = kept & inbound & (pos > last_out[:, None])
    nr = np.where(trailing_in & ~truncated[:, None] & ~open_agency[:, None], 2, nr)
    nr = np.where(is_last & ~inbound & ~truncated[:, None], 0, nr)
    nr = np.where(is_last & ~inbound & open_client[:, None], 1, nr)

    # --- flatten, keep what happened by as_of
    ti, pi = np.nonzero(kept)
    order = np.lexsort((pi, ti, ts[ti, pi]))
    ti, pi = ti[order], pi[order]
    thread_order = np.argsort(start, kind="stable")
    thread_rank = np.empty(n, dtype=np.int64)
    thread_rank[thread_order] = np.arange(n)
    tids = np.array(_ids("TH", n + 4, 5), dtype=object)

    names = [p for p, _, _ in TEAM]
    flat_contacts = []
    offs = np.cumsum([0] + [len(x) for x in contacts])
    for ci, x in enumerate(contacts):
        for name, email in x:
            flat_contacts.append(email if CLIENTS[ci].senders_as_email else name)
    flat_contacts = np.array(flat_contacts, dtype=object)
    cid_arr = np.array([c.cid for c in CLIENTS], dtype=object)
    pid_arr = np.array([*pids, ""], dtype=object)
    ch_names = np.array(["email", "chat", "phone", "meeting", "other"], dtype=object)

    m_in = inbound[ti, pi]
    sender = np.where(m_in, flat_contacts[offs[t_client[ti]] + m_contact[ti, pi]],
                      np.array(names, dtype=object)[m_agent[ti, pi]])
    sent = ts[ti, pi]
    sent_s = _fmt_dt(sent)
    hand = (t_client[ti] == CLIENT_INDEX["C09"]) & (channel[ti] == 2)
    sent_s[hand] = _fmt_ru(sent[hand])
    df = pd.DataFrame({
        "message_id": "",
        "thread_id": tids[thread_rank[ti]],
        "client_id": cid_arr[t_client[ti]],
        "project_id": pid_arr[t_proj[ti]],
        "channel": ch_names[channel[ti]],
        "direction": np.where(m_in, "in", "out").astype(object),
        "sender": sender,
        "sent_at": sent_s,
        "needs_reply": np.array(["", "true", "false"], dtype=object)[nr[ti, pi]],
    })
    info = dict(next_thread=tids[n])
    return df, info


def _make_approvals(rng: np.random.Generator, projects: list[dict], pids: list[str],
                    contacts: list[list[tuple[str, str]]]) -> pd.DataFrame:
    """Approval rounds, vectorised over deliverables: one step per round."""
    rows_p, rows_name, first = [], [], []
    for pi, p in enumerate(projects):
        if p["start"] > AS_OF_DATE or p["ci"] < 0:
            continue
        t: Template = p["template"]
        lo = max(p["start"] + timedelta(days=3), WINDOW_START)
        hi = min(p["baseline"] - timedelta(days=1), p["live_to"], AS_OF_DATE)
        if hi <= lo:
            continue
        n_d = int(rng.integers(7, 16))
        names = list(t.deliverables)
        rng.shuffle(names)
        names = (names + [f"{x} v2" for x in names if not x.endswith(" v2") and f"{x} v2" not in names])[:n_d]
        for name in names:
            rows_p.append(pi)
            rows_name.append(name)
            first.append(lo + timedelta(days=int(rng.integers(0, (hi - lo).days + 1))))
    nd = len(rows_p)
    d_proj = np.array(rows_p)
    d_ci = np.array([projects[i]["ci"] for i in rows_p])
    d_stop = np.array([np.datetime64(projects[i]["live_to"]) for i in rows_p], dtype="M8[D]")
    first_d = np.array(first, dtype="M8[D]")
    # first sent on a working day, at working hours
    first_d = np.busday_offset(first_d, 0, roll="forward", holidays=RHYTHM_HOLIDAYS)
    sent0 = first_d.astype("M8[s]") + np.round(_hours_of_day(rng, nd) * 3600).astype(np.int64).astype("m8[s]")
    slow = d_ci == CLIENT_INDEX[SLOW_APPROVALS_CLIENT]
    speed = np.array([c.approval_speed for c in CLIENTS])[d_ci]

    out = []
    alive = np.ones(nd, dtype=bool)
    w_sent = _to_work(sent0)
    probs = {1: (0.45, 0.48), 2: (0.65, 0.32), 3: (0.78, 0.22), 4: (0.88, 0.0)}
    for rnd in range(1, 5):
        lag = np.where(slow, rng.uniform(4.3, 7.0, nd) * DAY_LEN_H,
                       np.clip(rng.lognormal(np.log(7.0), 0.9, nd) * speed, 0.3, 3.5 * DAY_LEN_H))
        w_resp = w_sent + lag
        u = rng.random(nd)
        pa, pc = probs[rnd]
        decision = np.where(u < pa, 0, np.where(u < pa + pc, 1, 2))  # approved, changes, rejected
        sent = _from_work(w_sent).astype("M8[m]")
        resp = _from_work(w_resp).astype("M8[m]")
        sent_day = sent.astype("M8[D]")
        has_due = rng.random(nd) < np.where(slow, 0.6, 0.35)
        due = np.busday_offset(sent_day, np.where(slow, rng.integers(3, 6, nd), rng.integers(2, 5, nd)),
                               roll="forward")
        ok = alive & (sent <= AS_OF64) & (sent_day <= d_stop)
        idx = np.flatnonzero(ok)
        contact = np.where(rng.random(nd) < 0.65, 0, (rng.random(nd) * 3).astype(int))
        out.append(pd.DataFrame({
            "d": idx, "pi": d_proj[idx], "ci": d_ci[idx], "round": rnd, "sent": sent[idx], "resp": resp[idx],
            "decision": decision[idx], "due": np.where(has_due[idx], due[idx], np.datetime64("NaT")),
            "contact": contact[idx],
        }))
        alive = ok & (decision == 1) & (resp <= AS_OF64)
        w_sent = w_resp + rng.uniform(4.0, 30.0, nd)
    a = pd.concat(out, ignore_index=True)
    a = a.sort_values(["sent", "pi", "d", "round"], kind="stable").reset_index(drop=True)

    # A few rounds the client simply never answered: pending and overdue at as_of.
    last_round = a.groupby("d")["round"].transform("max") == a["round"]
    active = np.array([c.end is None for c in CLIENTS])[a["ci"].to_numpy()]
    age = (AS_OF64 - a["sent"].to_numpy().astype("M8[s]")).astype(np.int64) / 86400.0
    cand = np.flatnonzero(last_round.to_numpy() & active & (age > 4) & (age < 15)
                          & (a["ci"].to_numpy() != CLIENT_INDEX[SLOW_APPROVALS_CLIENT]))
    forgotten = rng.choice(cand, size=min(len(cand), max(1, round(3 * len(projects) / 90))), replace=False)
    pending = (a["resp"].to_numpy() > AS_OF64)
    pending[forgotten] = True

    sent = a["sent"].to_numpy().astype("M8[s]")
    resp = a["resp"].to_numpy().astype("M8[s]")
    sent_s, resp_s = _fmt_dt(sent), _fmt_dt(resp)
    ci = a["ci"].to_numpy()
    ru = ci == CLIENT_INDEX["C12"]
    sent_s[ru], resp_s[ru] = _fmt_ru(sent[ru]), _fmt_ru(resp[ru])
    dates_only = ci == CLIENT_INDEX["C16"]
    sent_s[dates_only], resp_s[dates_only] = _fmt_d(sent[dates_only]), _fmt_d(resp[dates_only])
    resp_s[pending] = ""
    dec = np.array(["approved", "changes_requested", "rejected"], dtype=object)[a["decision"].to_numpy()]
    dec[pending] = ""
    due = a["due"].to_numpy()
    due_s = np.where(np.isnat(due), "", _fmt_d(np.where(np.isnat(due), np.datetime64("2000-01-01"), due)))
    approver = np.array([contacts[c][k % len(contacts[c])][0] for c, k in zip(ci, a["contact"], strict=True)],
                        dtype=object)
    pid_arr = np.array(pids, dtype=object)
    return pd.DataFrame({
        "approval_id": "",
        "project_id": pid_arr[a["pi"].to_numpy()],
        "deliverable": np.array(rows_name, dtype=object)[a["d"].to_numpy()],
        "round": a["round"].astype(str).to_numpy(dtype=object),
        "sent_at": sent_s,
        "due_by": due_s.astype(object),
        "responded_at": resp_s,
        "decision": dec,
        "approver": approver,
    })


def _make_feedback(rng: np.random.Generator, scale: float, projects: list[dict], pids: list[str],
                   contacts: list[list[tuple[str, str]]]) -> pd.DataFrame:
    """Monthly NPS pulses per client plus a CSAT after most deliveries."""
    lam = {"A": 2.0, "B": 1.4, "C": 1.0}
    rows = []
    year = (AS_OF_DATE - WINDOW_START).days
    for ci, c in enumerate(CLIENTS):
        a, b = _client_window(c)
        months = [WINDOW_START + timedelta(days=round(m * year / 12)) for m in range(13)]
        cprojects = [i for i, p in enumerate(projects) if p["ci"] == ci]
        c_idx = np.array(cprojects, dtype=np.int64)
        c_from = np.array([projects[i]["live_from"].toordinal() for i in cprojects], dtype=np.int64)
        c_to = np.array([projects[i]["live_to"].toordinal() for i in cprojects], dtype=np.int64)
        for m0, m1 in itertools.pairwise(months):
            lo, hi = max(m0, a), min(m1 - timedelta(days=1), b)
            if hi < lo:
                continue
            k = rng.poisson(lam[c.tier] * scale * (hi - lo).days / 30.0)
            if c.cid == SLIDING_NPS_CLIENT:
                k = max(k, round(2 * scale))
            for _ in range(int(k)):
                day = lo + timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))
                o = day.toordinal()
                live = c_idx[(c_from <= o) & (o <= c_to)]
                pi = int(rng.choice(live)) if len(live) and rng.random() < 0.6 else -1
                rows.append((ci, pi, day, "nps"))
        for i in cprojects:
            p = projects[i]
            if p["delivered"] and rng.random() < 0.7:
                day = p["delivered"] + timedelta(days=int(rng.integers(1, 11)))
                if day <= AS_OF_DATE and (not c.end or day <= c.end + timedelta(days=14)):
                    rows.append((ci, i, day, "csat"))
    rows.sort(key=lambda r: (r[2], r[0], r[1], r[3]))
    out = []
    for ci, pi, day, scale_name in rows:
        c = CLIENTS[ci]
        frac = (day - WINDOW_START).days / year
        if c.cid == SLIDING_NPS_CLIENT:
            # Promoters until March, a slide through the summer, detractors from August.
            mu = 9.6 - 4.8 * float(np.clip((frac - 0.3) / 0.4, 0.0, 1.0))
            noise = rng.uniform(-0.9, 0.9)
        else:
            mu, noise = c.mood, rng.normal(0.0, 1.1)
        if scale_name == "nps":
            score = int(np.clip(round(mu + noise), 0, 10))
            bucket = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        else:
            score = int(np.clip(round(rng.normal(1 + 4 * mu / 10, 0.6)), 1, 5))
            bucket = "csat_good" if score >= 4 else "csat_bad"
        pool = CLIENT_COMMENTS.get(c.cid, {}).get(bucket) or COMMENTS[bucket]
        if c.cid in CLIENT_COMMENTS and bucket in CLIENT_COMMENTS[c.cid] and rng.random() < 0.4:
            pool = COMMENTS[bucket]
        comment = "" if rng.random() < 0.3 else str(pool[int(rng.integers(0, len(pool)))])
        person = contacts[ci][int(rng.integers(0, len(contacts[ci])))][0]
        scale_s = scale_name if (scale_name == "csat" or rng.random() > 0.1) else ""
        out.append(["", c.cid, pids[pi] if pi >= 0 else "", day.isoformat(), str(score), scale_s, person,
                    comment])
    return pd.DataFrame(out, columns=COLUMNS["feedback"])


# ---------------------------------------------------------------------------------------
# Assembly


def _insert(df: pd.DataFrame, at: int, rows: list[dict]) -> pd.DataFrame:
    extra = pd.DataFrame([{col: r.get(col, "") for col in df.columns} for r in rows])
    return pd.concat([df.iloc[:at], extra, df.iloc[at:]], ignore_index=True)


def _number(df: pd.DataFrame, col: str, prefix: str, width: int) -> pd.DataFrame:
    """Give every row without an id the next one, in row order (the sheet's own order)."""
    blank = df[col] == ""
    df.loc[blank, col] = _ids(prefix, int(blank.sum()), width)
    return df


def _build(seed: int, scale: float) -> tuple[dict[str, pd.DataFrame], list[tuple[str, str, str]]]:
    """All tabs as string frames, plus the deliberately broken rows as (tab, id, what)."""
    rng = np.random.default_rng([seed, 0])
    contacts = _contacts(rng)
    broken: list[tuple[str, str, str]] = []

    team = pd.DataFrame(
        [[p, role, dept, f"{p.split()[0].lower()}.{p.split()[1].lower()}@{AGENCY_DOMAIN}"]
         for p, role, dept in TEAM], columns=COLUMNS["team"])
    clients = pd.DataFrame(
        [[c.cid, c.name, c.account_manager, c.tier, c.status, c.start.isoformat()] for c in CLIENTS],
        columns=COLUMNS["clients"])
    clients = _insert(clients, 12, [{}])
    broken.append(("clients", "row 14", "an empty row between C12 and C13: skipped, not an error"))

    projects, milestones = _make_projects(np.random.default_rng([seed, 1]), scale)
    bad_at = len(projects) // 2
    width = 3
    pids = _ids("P", len(projects) + 1, width)
    bad_pid = pids[bad_at]
    pids = pids[:bad_at] + pids[bad_at + 1:]
    prows = []
    for p, pid in zip(projects, pids, strict=True):
        prows.append([pid, CLIENTS[p["ci"]].cid, p["name"], p["pm"], p["department"], p["status"],
                      _d(p["start"]), _d(p["baseline"]), _d(p["due"]), _d(p["delivered"]), p["cause"]])
    pdf = pd.DataFrame(prows, columns=COLUMNS["projects"])
    ref = projects[bad_at]
    pdf = _insert(pdf, bad_at, [dict(
        project_id=bad_pid, client_id="C31", project_name="Dealer event 2026", project_manager="Lucas Moreau",
        department="Production", status="active", start_date=_d(ref["start"]),
        baseline_due=_d(ref["start"] + timedelta(days=60)), due_date=_d(ref["start"] + timedelta(days=60)))])
    broken.append(("projects", bad_pid, "client_id C31 does not exist in clients"))

    pindex = {id(p): pid for p, pid in zip(projects, pids, strict=True)}
    mrows = [["", pindex[id(m["p"])], m["name"], m["owner"], _d(m["baseline"]), _d(m["due"]),
              _d(m["delivered"]), m["cause"], m["mstatus"]] for m in milestones]
    mdf = pd.DataFrame(mrows, columns=COLUMNS["milestones"])
    at = len(mdf) // 2
    host = mdf.iloc[at - 1]
    mdf = _insert(mdf, at, [dict(project_id=host["project_id"], milestone_name="Internal review",
                                 owner=host["owner"], baseline_due=host["baseline_due"], due_date="31.02.2026",
                                 status="active")])
    mdf = _number(mdf, "milestone_id", "M", 4)
    broken.append(("milestones", mdf.loc[at, "milestone_id"], 'due_date "31.02.2026" is not a date'))

    msg, info = _make_messages(np.random.default_rng([seed, 2]), scale, projects, pids, contacts)
    nm = len(msg)
    # The unknown-channel warning: a real "other" message whose channel someone typed by hand.
    other_rows = np.flatnonzero((msg["channel"] == "other").to_numpy())
    warn_row = int(other_rows[len(other_rows) * 2 // 7])
    msg.loc[warn_row, "channel"] = "fax"
    # Legitimate spellings the parser must accept.
    alt = np.random.default_rng([seed, 5])
    ins = np.flatnonzero((msg["direction"] == "in").to_numpy())
    msg.loc[alt.choice(ins, 3, replace=False), "direction"] = "inbound"
    yes = np.flatnonzero((msg["needs_reply"] == "true").to_numpy())
    msg.loc[alt.choice(yes, 2, replace=False), "needs_reply"] = "yes"
    em = np.flatnonzero((msg["channel"] == "email").to_numpy())
    msg.loc[alt.choice(em, 4, replace=False), "channel"] = "Email"

    def like(row: int, **kw: str) -> dict:
        d = msg.iloc[row].to_dict()
        d.update(kw)
        return d

    r1, r2, r3, r4 = (int(nm * f) for f in (0.42, 0.53, 0.70, 0.81))
    pieces = [
        (r1, like(r1 - 1, direction="cc", sender=msg.loc[r1 - 1, "sender"]),
         'direction "cc" is not an enumeration value (in/out)'),
        (r2, {**like(r2 - 1), "message_id": "<dup>"},
         "message_id duplicates the row above (the same message pasted twice)"),
        (r3, like(r3 - 1, client_id="C42", project_id="", thread_id=info["next_thread"], direction="in",
                  sender="orders@northstar-retail.com", channel="email", needs_reply=""),
         "client_id C42 does not exist in clients"),
        (r4, like(r4 - 1, sent_at="", needs_reply=""), "sent_at is blank (required)"),
    ]
    for at, row, _ in sorted(pieces, key=lambda x: -x[0]):
        if row.get("message_id") != "<dup>":
            row["message_id"] = ""
        msg = _insert(msg, at, [row])
    msg = _number(msg, "message_id", "MSG", 6)
    dup = msg.index[msg["message_id"] == "<dup>"]
    for i in dup:
        msg.loc[i, "message_id"] = msg.loc[i - 1, "message_id"]
    for k, (at, _, what) in enumerate(sorted(pieces, key=lambda x: x[0])):
        broken.append(("messages", msg.loc[at + k, "message_id"], what))
    warn_pos = warn_row + sum(1 for at, _, _ in pieces if at <= warn_row)
    broken.append(("messages", msg.loc[warn_pos, "message_id"],
                   'channel "fax" is unknown: only a warning, read as other'))

    apr = _make_approvals(np.random.default_rng([seed, 3]), projects, pids, contacts)
    na = len(apr)
    a1, a2 = int(na * 0.5), int(na * 0.75)
    h1, h2 = apr.iloc[a1 - 1].to_dict(), apr.iloc[a2 - 1].to_dict()
    bad1 = dict(h1, deliverable="Banner set (resize)", round="1", decision="", due_by="")
    if not bad1["responded_at"]:
        bad1["responded_at"] = h1["sent_at"]
    bad2 = dict(h2, deliverable="Event invitation (final)", round="1", due_by="next tuesday",
                responded_at="", decision="")
    apr = _insert(apr, a2, [bad2])
    apr = _insert(apr, a1, [bad1])
    apr = _number(apr, "approval_id", "A", 4)
    broken.append(("approvals", apr.loc[a1, "approval_id"], "responded_at is given but decision is blank"))
    broken.append(("approvals", apr.loc[a2 + 1, "approval_id"], 'due_by "next tuesday" is not a date'))

    fb = _make_feedback(np.random.default_rng([seed, 4]), scale, projects, pids, contacts)
    nf = len(fb)
    f1, f2 = int(nf * 0.33), int(nf * 0.68)
    # Keep the personalities' scores clean: the broken rows sit after an ordinary client's row.
    special = {SLOW_APPROVALS_CLIENT, GROUP_CHAT_CLIENT, SLIDING_NPS_CLIENT}
    while fb.loc[f1 - 1, "client_id"] in special:
        f1 -= 1
    while fb.loc[f2 - 1, "client_id"] in special:
        f2 -= 1
    g1, g2 = fb.iloc[f1 - 1].to_dict(), fb.iloc[f2 - 1].to_dict()
    fb = _insert(fb, f2, [dict(g2, score="11", scale="nps", comment="Amazing, 11 out of 10!")])
    fb = _insert(fb, f1, [dict(g1, score="eight", scale="nps", comment="")])
    fb = _number(fb, "response_id", "R", 4)
    broken.append(("feedback", fb.loc[f1, "response_id"], 'score "eight" is not a number'))
    broken.append(("feedback", fb.loc[f2 + 1, "response_id"], "NPS score 11 is outside 0-10"))

    tabs = {"clients": clients, "team": team, "projects": pdf, "milestones": mdf, "messages": msg,
            "approvals": apr, "feedback": fb}
    return tabs, broken


def broken_rows(seed: int = 7, scale: float = 1.0) -> list[tuple[str, str, int, str]]:
    """The deliberately broken rows as (tab, id, sheet row, what is wrong): for docs and tests."""
    tabs, broken = _build(seed, scale)
    out = []
    for tab, rid, what in broken:
        if rid.startswith("row "):
            out.append((tab, "", int(rid.split()[1]), what))
            continue
        col = COLUMNS[tab][0]
        rows = np.flatnonzero((tabs[tab][col] == rid).to_numpy())
        row = int(rows[-1]) if "duplicates" in what else int(rows[0])
        out.append((tab, rid, row + 2, what))
    return out


# --- history: the deadline tabs as they stood each Friday evening of the last weeks --------------
# The sheet only holds today's plan; an agency that starts with Agency Pulse loads kept copies
# of earlier versions first (README, History). The sample ships such copies, derived from its
# own current plan: a rescheduled deliverable (due_date differs from baseline_due) got its new
# date a few days before the date it replaced (a big move in two steps, half way first), so a
# copy taken before that moment still shows the older date, no slip cause, and no delivery yet.
HISTORY_WEEKS = 6
HISTORY_DIR = "history"
HISTORY_TABS = ("projects", "milestones")


def history_dates(weeks: int = HISTORY_WEEKS) -> list[date]:
    """The Fridays before as_of whose copies the sample keeps, oldest first."""
    return [AS_OF_DATE - timedelta(days=7 * k) for k in range(weeks, 0, -1)]


def _steps(key: str, baseline: date, due: date) -> list[tuple[date, date]]:
    """(the moment the due date was changed, the new due date) of one rescheduled deliverable."""
    h = zlib.crc32(key.encode("utf-8"))
    lead = h % 6  # decided 0-5 days before the date it replaces
    days = int(np.busday_count(min(baseline, due), max(baseline, due)))
    if days >= 4 and (h >> 3) % 3 != 0:
        mid = baseline + (due - baseline) / 2
        mid = np.busday_offset(np.datetime64(mid, "D"), 0, roll="forward").astype(object)
        first = min(baseline - timedelta(days=lead), AS_OF_DATE)
        second = min(max(mid - timedelta(days=(h >> 5) % 4), first + timedelta(days=7)), AS_OF_DATE)
        return [(first, mid), (second, due)] if second > first else [(first, due)]
    return [(min(baseline - timedelta(days=lead), AS_OF_DATE), due)]


def _as_of_version(df: pd.DataFrame, key_col: str, day: date) -> pd.DataFrame:
    """The tab as it stood on the evening of `day` (rows and columns as today)."""
    out = df.copy()
    base = pd.to_datetime(out["baseline_due"], format="%Y-%m-%d", errors="coerce")
    due = pd.to_datetime(out["due_date"], format="%Y-%m-%d", errors="coerce")
    done = pd.to_datetime(out["delivered_date"], format="%Y-%m-%d", errors="coerce")
    for i in np.flatnonzero((base.notna() & due.notna() & (base != due)).to_numpy()):
        idx = out.index[i]
        steps = _steps(str(out.at[idx, key_col]), base.iloc[i].date(), due.iloc[i].date())
        then = [new for moment, new in steps if moment <= day]
        if not then:
            out.at[idx, "due_date"] = _d(base.iloc[i].date())
            out.at[idx, "slip_cause"] = ""
        else:
            out.at[idx, "due_date"] = _d(then[-1])
    later = (done.dt.date > day).fillna(False).to_numpy(dtype=bool)
    out.loc[later, "delivered_date"] = ""
    if "status" in out:
        out.loc[later & (out["status"] == "delivered").to_numpy(dtype=bool), "status"] = "active"
    return out


def history_versions(tabs: dict[str, pd.DataFrame], weeks: int = HISTORY_WEEKS
                     ) -> dict[str, dict[str, pd.DataFrame]]:
    """{YYYY-MM-DD: {tab: rows}} for each kept copy, only the tabs that differ from today's."""
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for day in history_dates(weeks):
        version = {}
        for tab in HISTORY_TABS:
            then = _as_of_version(tabs[tab], COLUMNS[tab][0], day)
            if not then.equals(tabs[tab]):
                version[tab] = then
        out[day.isoformat()] = version
    return out


def _write_csv(path: Path, df: pd.DataFrame, cols: list[str]) -> None:
    columns = [df[c].tolist() for c in cols]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(cols) + "\n")
        if any(df[c].str.contains(r'[,"\r\n]', regex=True).any() for c in cols):
            csv.writer(fh, lineterminator="\n").writerows(zip(*columns, strict=True))
        elif len(df):  # nothing to quote: a plain join is the same bytes, and much faster
            fh.write("\n".join(map(",".join, zip(*columns, strict=True))) + "\n")


def generate(out_dir: Path, seed: int = 7, scale: float = 1.0) -> dict[str, int]:
    """Write the sample workbook (one CSV per tab), sample.toml and the kept weekly copies of
    its deadline tabs (history/YYYY-MM-DD/, only the tabs that differ) into out_dir.

    Returns the number of data rows written per tab, blank and broken rows included,
    so a caller sizing a benchmark knows what it asked the loader to read.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tabs, _ = _build(seed, scale)
    counts = {}
    for tab, cols in COLUMNS.items():
        _write_csv(out_dir / f"{tab}.csv", tabs[tab], cols)
        counts[tab] = len(tabs[tab])
    for day, version in history_versions(tabs).items():
        folder = out_dir / HISTORY_DIR / day
        folder.mkdir(parents=True, exist_ok=True)
        for tab, df in version.items():
            _write_csv(folder / f"{tab}.csv", df, COLUMNS[tab])
    (out_dir / "sample.toml").write_text(SAMPLE_TOML, encoding="utf-8", newline="\n")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the bundled sample agency.")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--list-broken", action="store_true", help="print the deliberately broken rows")
    args = parser.parse_args(argv)
    if args.list_broken:
        for tab, rid, row, what in broken_rows(args.seed, args.scale):
            print(f"{tab:<11}{rid:<11}row {row:<7}{what}")
        return 0
    t0 = time.perf_counter()
    counts = generate(args.out, args.seed, args.scale)
    took = time.perf_counter() - t0
    print(" ".join(f"{k}={v}" for k, v in counts.items()), f"in {took:.1f}s -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
