"""The one settings file (`pulse.toml`), read into a typed, validated record.

A typo in a setting should stop a command with a message naming the key, not show
numbers computed with a silent default.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lang import LANGUAGES, known

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS_PATH = ROOT / "pulse.toml"
SAMPLE_DIR = Path(__file__).resolve().parent / "sample"

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_HEALTH_WEIGHTS = {
    "delivery": 0.25,
    "responsiveness": 0.25,
    "approvals": 0.15,
    "feedback": 0.25,
    "voices": 0.10,
}

# Every key of pulse.toml and what it means: the docs test checks that each one is
# described in pulse.toml and README, so a new setting cannot ship undocumented.
SETTINGS_DOC: dict[str, str] = {
    "source": "Google Sheets URL or key, .xlsx path or folder of .csv files; blank = bundled sample",
    "db": "the DuckDB file the workbook is loaded into (a cache; never committed)",
    "timezone": "the agency's IANA time zone",
    "workdays": "working weekdays",
    "workday_start": "start of the working window, HH:MM",
    "workday_end": "end of the working window, HH:MM",
    "holidays_country": "country code for public holidays (holidays package)",
    "holidays": "the agency's own extra non-working dates",
    "date_order": "how slash dates are read when the workbook's locale does not say: DMY or MDY",
    "language": "the interface's language: en, ru or uk; blank = the Google Sheet's locale, else en",
    "date_format": "how the dashboard, its files and the digest write dates: DD.MM.YYYY, YYYY-MM-DD, DD/MM/YYYY or "
                   "MM/DD/YYYY",
    "reply_sla_hours": "reply SLA in business hours: a number or a table by channel with `default`",
    "approval_sla_days": "working days an approval without due_by may wait before it is overdue",
    "quiet_after_days": "working days without a message either way after which an active client has gone quiet",
    "column_map": "extra header, tab and value aliases (TOML shaped like data/columns.toml)",
    "refresh_minutes": "how often the running dashboard syncs the source by itself; 0 = only on Sync now",
    "health": "client health: [health.weights] per signal; at_risk_below and healthy_from, the score bands",
    "access": "who may sign in with OIDC: [access] allowed_emails and allowed_domains",
}
ACCESS_KEYS = ("allowed_emails", "allowed_domains")
# How dates may be written on screen (the `date_format` setting); metrics/formats.py knows how.
DATE_FORMATS = ("DD.MM.YYYY", "YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY")
HEALTH_KEYS = ("weights", "at_risk_below", "healthy_from")
DEFAULT_AT_RISK_BELOW = 60.0  # a health or signal score below this is "at risk" (red)
DEFAULT_HEALTHY_FROM = 80.0  # from this score up it is "healthy" (green); between the two, "watch" (amber)


class SettingsError(ValueError):
    """A setting has a value the product cannot use; the message names the key."""


@dataclass(frozen=True)
class Settings:
    source: str = ""
    db: str = "data/pulse.duckdb"
    timezone: str = "UTC"
    workdays: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri")
    workday_start: str = "10:00"
    workday_end: str = "19:00"
    holidays_country: str | None = None
    holidays: tuple[dt.date, ...] = ()
    date_order: str = "DMY"
    date_format: str = "DD.MM.YYYY"
    language: str = ""  # "": the Google Sheet's own locale when we speak it, else English
    reply_sla_hours: dict[str, float] = field(default_factory=lambda: {"default": 8.0})
    approval_sla_days: float = 3
    quiet_after_days: int = 10  # working days of silence, either way, before an active client has gone quiet
    column_map: str = ""
    refresh_minutes: float = 0  # 0: the dashboard syncs on its first start and on Sync now only
    health_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_HEALTH_WEIGHTS))
    at_risk_below: float = DEFAULT_AT_RISK_BELOW  # [health] score bands, 0-100: see metrics/health.band
    healthy_from: float = DEFAULT_HEALTHY_FROM
    allowed_emails: tuple[str, ...] = ()  # lower-cased; only used when OIDC ([auth] in secrets) is on
    allowed_domains: tuple[str, ...] = ()
    path: str | None = None  # the file these came from, for messages

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def sla_hours(self, channel: str | None) -> float:
        """The reply SLA for a channel, falling back to the table's default."""
        return self.reply_sla_hours.get(channel or "", self.reply_sla_hours["default"])

    def db_path(self) -> Path:
        p = Path(self.db)
        return p if p.is_absolute() else ROOT / p

    def resolved_source(self) -> str:
        """The source to read: the setting, or the bundled sample when it is blank."""
        return self.source.strip() or str(SAMPLE_DIR)

    def with_overrides(self, **kw: Any) -> Settings:
        return replace(self, **{k: v for k, v in kw.items() if v is not None})

    def calendar_settings(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "workdays": list(self.workdays),
            "workday_start": self.workday_start,
            "workday_end": self.workday_end,
            "holidays_country": self.holidays_country,
            "holidays": list(self.holidays),
        }


def _day_name(value: Any) -> str:
    text = str(value).strip()[:3].title()
    if text not in DAY_NAMES:
        raise SettingsError(f"workdays: {value!r} is not a day name (use Mon, Tue, … Sun)")
    return text


def _hhmm(key: str, value: Any) -> str:
    try:
        t = dt.time.fromisoformat(str(value).strip())
    except ValueError:
        raise SettingsError(f"{key}: {value!r} is not a time like \"10:00\"") from None
    return t.strftime("%H:%M")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise SettingsError(f"holidays: {value!r} is not a date like 2026-12-31") from None


def _positive(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise SettingsError(f"{key}: {value!r} must be a positive number")
    return float(value)


def _address_list(key: str, value: Any) -> tuple[str, ...]:
    """A list of e-mail addresses or domains, lower-cased and checked for shape."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"access.{key}: must be a list of strings such as [\"{_ACCESS_EXAMPLE[key]}\"]")
    out = []
    for v in value:
        text = v.strip().lower()
        if key == "allowed_domains":
            text = text.removeprefix("@")
            ok = bool(text) and "@" not in text and "." in text and " " not in text
        else:
            local, at, domain = text.rpartition("@")
            ok = bool(local and at and domain) and "@" not in local and "." in domain and " " not in text
        if not ok:
            raise SettingsError(f"access.{key}: {v!r} is not {'a domain' if key == 'allowed_domains' else 'an e-mail'}"
                                f" like \"{_ACCESS_EXAMPLE[key]}\"")
        out.append(text)
    return tuple(dict.fromkeys(out))


_ACCESS_EXAMPLE = {"allowed_emails": "director@youragency.com", "allowed_domains": "youragency.com"}


def _access(raw: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise SettingsError("access: must be a table ([access] with allowed_emails / allowed_domains)")
    unknown = set(raw) - set(ACCESS_KEYS)
    if unknown:
        raise SettingsError(f"access: unknown key(s) {', '.join(sorted(unknown))} (keys: {', '.join(ACCESS_KEYS)})")
    return {key: _address_list(key, raw[key]) for key in ACCESS_KEYS if key in raw}


def parse_settings(raw: dict[str, Any], path: str | None = None) -> Settings:
    """Validate a settings mapping (as read from TOML) into Settings."""
    unknown = set(raw) - set(SETTINGS_DOC)
    if unknown:
        raise SettingsError(f"unknown setting(s) {', '.join(sorted(unknown))} in {path or 'settings'}")
    kw: dict[str, Any] = {"path": path}
    if "source" in raw:
        kw["source"] = str(raw["source"] or "")
    if "db" in raw:
        kw["db"] = str(raw["db"] or "data/pulse.duckdb")
    if "timezone" in raw:
        tz = str(raw["timezone"]).strip() or "UTC"
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"timezone: {tz!r} is not an IANA time zone (e.g. Europe/Moscow)") from None
        kw["timezone"] = tz
    if "workdays" in raw:
        days = raw["workdays"]
        if not isinstance(days, list) or not days:
            raise SettingsError("workdays: must be a non-empty list such as [\"Mon\", \"Tue\"]")
        kw["workdays"] = tuple(dict.fromkeys(_day_name(d) for d in days))
    for key in ("workday_start", "workday_end"):
        if key in raw:
            kw[key] = _hhmm(key, raw[key])
    start, end = kw.get("workday_start", "10:00"), kw.get("workday_end", "19:00")
    if end <= start:
        raise SettingsError(f"workday_end ({end}) must be after workday_start ({start})")
    if "holidays_country" in raw:
        kw["holidays_country"] = str(raw["holidays_country"] or "").strip().upper() or None
    if "holidays" in raw:
        if not isinstance(raw["holidays"], list):
            raise SettingsError("holidays: must be a list of dates")
        kw["holidays"] = tuple(sorted({_date(d) for d in raw["holidays"]}))
    if "date_order" in raw:
        order = str(raw["date_order"]).strip().upper()
        if order not in ("DMY", "MDY"):
            raise SettingsError(f"date_order: {raw['date_order']!r} must be \"DMY\" or \"MDY\"")
        kw["date_order"] = order
    if "language" in raw:
        code = str(raw["language"] or "").strip()
        if code and known(code) is None:
            raise SettingsError(f"language: {raw['language']!r} must be one of {', '.join(LANGUAGES)} (or blank)")
        kw["language"] = known(code) or ""
    if "date_format" in raw:
        written = str(raw["date_format"]).strip().upper()
        if written not in DATE_FORMATS:
            raise SettingsError(f"date_format: {raw['date_format']!r} must be one of {', '.join(DATE_FORMATS)}")
        kw["date_format"] = written
    if "reply_sla_hours" in raw:
        sla = raw["reply_sla_hours"]
        if isinstance(sla, dict):
            table = {str(k).strip().lower(): _positive(f"reply_sla_hours.{k}", v) for k, v in sla.items()}
            table.setdefault("default", 8.0)
        else:
            table = {"default": _positive("reply_sla_hours", sla)}
        kw["reply_sla_hours"] = table
    if "approval_sla_days" in raw:
        kw["approval_sla_days"] = _positive("approval_sla_days", raw["approval_sla_days"])
    if "quiet_after_days" in raw:
        days = raw["quiet_after_days"]
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise SettingsError(f"quiet_after_days: {days!r} must be a whole number of working days, 1 or more "
                                "(e.g. 10)")
        kw["quiet_after_days"] = days
    if "column_map" in raw:
        kw["column_map"] = str(raw["column_map"] or "")
    if "refresh_minutes" in raw:
        minutes = raw["refresh_minutes"]
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not 0 <= minutes <= 24 * 60:
            raise SettingsError(f"refresh_minutes: {minutes!r} must be a number of minutes from 0 (off) to 1440")
        kw["refresh_minutes"] = float(minutes)
    if "health" in raw:
        health = raw["health"] or {}
        if not isinstance(health, dict):
            raise SettingsError("health: must be a table ([health] with at_risk_below, healthy_from, [health.weights])")
        unknown = set(health) - set(HEALTH_KEYS)
        if unknown:
            raise SettingsError(f"health: unknown key(s) {', '.join(sorted(unknown))} (keys: {', '.join(HEALTH_KEYS)})")
        for key in ("at_risk_below", "healthy_from"):
            if key in health:
                v = health[key]
                if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 100:
                    raise SettingsError(f"health.{key}: {v!r} must be a score from 0 to 100")
                kw[key] = float(v)
        below = kw.get("at_risk_below", DEFAULT_AT_RISK_BELOW)
        healthy = kw.get("healthy_from", DEFAULT_HEALTHY_FROM)
        if below > healthy:
            raise SettingsError(f"health.at_risk_below ({below:g}) must not be above health.healthy_from "
                                f"({healthy:g}): a score below at_risk_below is at risk, from healthy_from up healthy")
        weights = dict(DEFAULT_HEALTH_WEIGHTS)
        for k, v in (health.get("weights") or {}).items():
            if k not in DEFAULT_HEALTH_WEIGHTS:
                raise SettingsError(
                    f"health.weights: unknown signal {k!r} (signals: {', '.join(DEFAULT_HEALTH_WEIGHTS)})"
                )
            if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
                raise SettingsError(f"health.weights.{k}: {v!r} must be a number >= 0")
            weights[k] = float(v)
        if sum(weights.values()) <= 0:
            raise SettingsError("health.weights: at least one weight must be above 0")
        kw["health_weights"] = weights
    if "access" in raw:
        kw.update(_access(raw["access"]))
    return Settings(**kw)


def load_settings(path: str | Path | None = None) -> Settings:
    """Read pulse.toml (or the file given); a missing default file means all defaults."""
    p = Path(path) if path else DEFAULT_SETTINGS_PATH
    if not p.exists():
        if path:
            raise SettingsError(f"settings file {p} not found")
        return Settings()
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{p}: not valid TOML ({exc})") from None
    settings = parse_settings(raw, str(p))
    # Relative paths in a settings file are relative to that file, not to the cwd.
    base = p.resolve().parent
    fixes: dict[str, Any] = {}
    if settings.db and not Path(settings.db).is_absolute() and path:
        fixes["db"] = str(base / settings.db)
    src = settings.source.strip()
    relative = src and not src.startswith(("http://", "https://")) and not Path(src).is_absolute()
    if relative and (base / src).exists():
        fixes["source"] = str(base / src)
    if settings.column_map and not Path(settings.column_map).is_absolute():
        fixes["column_map"] = str(base / settings.column_map)
    return replace(settings, **fixes) if fixes else settings


def sample_reference() -> dict[str, Any]:
    """What the bundled sample declares about itself (its reference as_of)."""
    p = SAMPLE_DIR / "sample.toml"
    return tomllib.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


def is_sample_source(source: str) -> bool:
    try:
        return Path(source).resolve() == SAMPLE_DIR.resolve()
    except OSError:
        return False
