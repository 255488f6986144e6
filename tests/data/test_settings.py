"""The settings file (SPEC §2 and §9): defaults, validation with the key named, and its docs."""

from __future__ import annotations

import datetime as dt
import re
import tomllib

import pytest

from data.settings import DEFAULT_SETTINGS_PATH, SETTINGS_DOC, Settings, SettingsError, load_settings, parse_settings

SPEC_KEYS = ("timezone", "workdays", "workday_start", "workday_end", "holidays_country", "holidays", "date_order",
             "reply_sla_hours", "approval_sla_days", "source")


def undocumented(keys, text: str) -> list[str]:
    """Keys not mentioned in a settings file, as `key =` (maybe commented out) or `[key`."""
    return [k for k in keys
            if not re.search(rf"^[#\s]*{re.escape(k)}\s*=|^\s*\[{re.escape(k)}\b", text, flags=re.MULTILINE)]


# --------------------------------------------------------------------------- defaults


def test_defaults_are_the_spec_defaults() -> None:
    s = parse_settings({})

    assert s.timezone == "UTC"
    assert s.workdays == ("Mon", "Tue", "Wed", "Thu", "Fri")
    assert (s.workday_start, s.workday_end) == ("10:00", "19:00")
    assert s.holidays_country is None
    assert s.holidays == ()
    assert s.date_order == "DMY"
    assert s.sla_hours(None) == 8
    assert s.sla_hours("chat") == 8
    assert s.approval_sla_days == 3
    assert s.quiet_after_days == 10
    assert s.source == ""
    assert s == Settings(path=None)


def test_a_missing_default_file_means_all_defaults(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr("data.settings.DEFAULT_SETTINGS_PATH", tmp_path / "absent.toml")
    assert load_settings() == Settings()


def test_a_missing_file_named_explicitly_is_an_error(tmp_path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "absent.toml")


# -------------------------------------------------------------------------- values read


def test_values_are_read_and_normalised() -> None:
    s = parse_settings({
        "timezone": "Europe/Moscow",
        "workdays": ["monday", "Tue", "wed", "Sun"],
        "workday_start": "09:30",
        "workday_end": "18:00",
        "holidays_country": "ru",
        "holidays": ["2026-12-31", dt.date(2026, 1, 2), "2026-12-31"],
        "date_order": "mdy",
        "approval_sla_days": 5,
    })

    assert s.timezone == "Europe/Moscow"
    assert s.workdays == ("Mon", "Tue", "Wed", "Sun")
    assert (s.workday_start, s.workday_end) == ("09:30", "18:00")
    assert s.holidays_country == "RU"
    assert s.holidays == (dt.date(2026, 1, 2), dt.date(2026, 12, 31))
    assert s.date_order == "MDY"
    assert s.approval_sla_days == 5


def test_reply_sla_as_a_number_applies_to_every_channel() -> None:
    s = parse_settings({"reply_sla_hours": 4})
    assert (s.sla_hours("email"), s.sla_hours("chat"), s.sla_hours(None)) == (4, 4, 4)


def test_reply_sla_as_a_table_has_a_default_for_other_channels() -> None:
    s = parse_settings({"reply_sla_hours": {"default": 6, "Chat": 2}})
    assert (s.sla_hours("chat"), s.sla_hours("email"), s.sla_hours(None)) == (2, 6, 6)


def test_reply_sla_table_without_default_falls_back_to_eight() -> None:
    s = parse_settings({"reply_sla_hours": {"chat": 1.5}})
    assert (s.sla_hours("chat"), s.sla_hours("phone")) == (1.5, 8)


# --------------------------------------------------------------------- invalid values


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "UTC+3"}, "timezone"),
        ({"workdays": ["Mon", "Funday"]}, "workdays"),
        ({"workdays": []}, "workdays"),
        ({"workdays": "Mon-Fri"}, "workdays"),
        ({"workday_start": "25:00"}, "workday_start"),
        ({"workday_end": "7pm"}, "workday_end"),
        ({"workday_start": "19:00", "workday_end": "10:00"}, "workday_end"),
        ({"workday_start": "10:00", "workday_end": "10:00"}, "workday_end"),
        ({"date_order": "YMD"}, "date_order"),
        ({"reply_sla_hours": 0}, "reply_sla_hours"),
        ({"reply_sla_hours": "eight"}, "reply_sla_hours"),
        ({"reply_sla_hours": {"default": 8, "chat": -1}}, "reply_sla_hours.chat"),
        ({"approval_sla_days": -2}, "approval_sla_days"),
        ({"holidays": ["31.12.2026"]}, "holidays"),
        ({"holidays": "2026-12-31"}, "holidays"),
        ({"timzone": "UTC"}, "timzone"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_invalid_value_raises_an_error_naming_the_key(raw: dict, key: str) -> None:
    with pytest.raises(SettingsError) as err:
        parse_settings(raw)
    assert key in str(err.value)


def test_unknown_key_is_rejected_not_ignored() -> None:
    with pytest.raises(SettingsError, match=r"unknown setting.*reply_sla"):
        parse_settings({"reply_sla": 8})


def test_invalid_toml_is_a_settings_error(tmp_path) -> None:
    p = tmp_path / "pulse.toml"
    p.write_text('timezone = "UTC\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(p)


def test_relative_paths_are_relative_to_the_settings_file(tmp_path) -> None:
    (tmp_path / "export").mkdir()
    p = tmp_path / "pulse.toml"
    p.write_text('source = "export"\ndb = "cache/pulse.duckdb"\n', encoding="utf-8")

    s = load_settings(p)

    assert s.source == str(tmp_path / "export")
    assert s.db == str(tmp_path / "cache" / "pulse.duckdb")


# ------------------------------------------------------------ the committed pulse.toml


def test_committed_pulse_toml_parses() -> None:
    s = load_settings(DEFAULT_SETTINGS_PATH)
    assert s.path == str(DEFAULT_SETTINGS_PATH)


def test_committed_pulse_toml_sets_every_key_of_the_spec() -> None:
    raw = tomllib.loads(DEFAULT_SETTINGS_PATH.read_text(encoding="utf-8"))
    assert [k for k in SPEC_KEYS if k not in raw] == []


def test_committed_pulse_toml_documents_every_setting() -> None:
    assert undocumented(SETTINGS_DOC, DEFAULT_SETTINGS_PATH.read_text(encoding="utf-8")) == []


def test_docs_check_finds_a_key_that_is_not_mentioned() -> None:
    text = 'timezone = "UTC"\n# holidays_country = "RU"\n[health.weights]\nvoices = 0.1\n'
    assert undocumented(["timezone", "holidays_country", "health", "holidays", "source"], text) == [
        "holidays",
        "source",
    ]


# ------------------------------------------------------------ [access]: the OIDC allowlist


def test_access_allowlist_is_read_lower_cased_and_deduplicated() -> None:
    s = parse_settings({"access": {"allowed_emails": ["Director@YourAgency.com", "director@youragency.com"],
                                   "allowed_domains": ["@YourAgency.com", "partner.co.uk"]}})
    assert s.allowed_emails == ("director@youragency.com",)
    assert s.allowed_domains == ("youragency.com", "partner.co.uk")


def test_access_allowlist_defaults_to_empty() -> None:
    s = parse_settings({})
    assert (s.allowed_emails, s.allowed_domains) == ((), ())
    assert load_settings(DEFAULT_SETTINGS_PATH).allowed_emails == ()  # the committed file lets nobody in by e-mail


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"access": ["a@b.com"]}, r"access: must be a table"),
        ({"access": {"allowed_emails": "a@b.com"}}, r"access\.allowed_emails: must be a list of strings"),
        ({"access": {"allowed_emails": [1]}}, r"access\.allowed_emails: must be a list of strings"),
        ({"access": {"allowed_emails": ["not-an-email"]}}, r"access\.allowed_emails: 'not-an-email' is not an e-mail"),
        ({"access": {"allowed_emails": ["a@b@c.com"]}}, r"access\.allowed_emails: .* is not an e-mail"),
        ({"access": {"allowed_domains": "agency.com"}}, r"access\.allowed_domains: must be a list of strings"),
        ({"access": {"allowed_domains": ["me@agency.com"]}}, r"access\.allowed_domains: .* is not a domain"),
        ({"access": {"allowed_domains": ["localhost"]}}, r"access\.allowed_domains: .* is not a domain"),
        ({"access": {"allowed_email": ["a@b.com"]}}, r"access: unknown key\(s\) allowed_email"),
    ],
)
def test_a_bad_access_setting_is_a_clear_error(raw: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        parse_settings(raw)


@pytest.mark.parametrize("value", [-1, "5", True, 1441])
def test_refresh_minutes_must_be_a_number_of_minutes_up_to_a_day(value) -> None:
    with pytest.raises(SettingsError, match="refresh_minutes"):
        parse_settings({"refresh_minutes": value})


def test_refresh_minutes_defaults_to_off() -> None:
    assert parse_settings({}).refresh_minutes == 0 and parse_settings({"refresh_minutes": 15}).refresh_minutes == 15


# ------------------------------------------------------------ quiet_after_days: gone quiet


def test_quiet_after_days_is_read_and_defaults_to_ten() -> None:
    assert parse_settings({}).quiet_after_days == 10
    assert parse_settings({"quiet_after_days": 1}).quiet_after_days == 1
    assert parse_settings({"quiet_after_days": 15}).quiet_after_days == 15
    assert load_settings(DEFAULT_SETTINGS_PATH).quiet_after_days == 10  # the committed file keeps the default


@pytest.mark.parametrize("value", [0, -3, 2.5, 10.0, "10", True, None, [10]])
def test_quiet_after_days_must_be_a_whole_number_of_at_least_one(value) -> None:
    with pytest.raises(SettingsError) as err:
        parse_settings({"quiet_after_days": value})
    assert str(err.value) == f"quiet_after_days: {value!r} must be a whole number of working days, 1 or more (e.g. 10)"


# ------------------------------------------------------------ [health] score bands


def test_health_bands_default_to_60_and_80_and_are_read_from_health() -> None:
    s = parse_settings({})
    assert (s.at_risk_below, s.healthy_from) == (60.0, 80.0)
    s = parse_settings({"health": {"at_risk_below": 50, "healthy_from": 75.5}})
    assert (s.at_risk_below, s.healthy_from) == (50.0, 75.5)
    s = parse_settings({"health": {"at_risk_below": 70, "healthy_from": 70}})  # equal: no "watch" band
    assert (s.at_risk_below, s.healthy_from) == (70.0, 70.0)
    s = parse_settings({"health": {"at_risk_below": 0, "healthy_from": 100, "weights": {"voices": 0}}})
    assert (s.at_risk_below, s.healthy_from, s.health_weights["voices"]) == (0.0, 100.0, 0.0)


def test_the_committed_pulse_toml_sets_the_health_bands() -> None:
    raw = tomllib.loads(DEFAULT_SETTINGS_PATH.read_text(encoding="utf-8"))
    assert raw["health"]["at_risk_below"] == 60 and raw["health"]["healthy_from"] == 80
    s = load_settings(DEFAULT_SETTINGS_PATH)
    assert (s.at_risk_below, s.healthy_from) == (60.0, 80.0)


@pytest.mark.parametrize(
    ("health", "message"),
    [
        ({"at_risk_below": -1}, r"health\.at_risk_below: -1 must be a score from 0 to 100"),
        ({"healthy_from": 100.5}, r"health\.healthy_from: 100\.5 must be a score from 0 to 100"),
        ({"healthy_from": "80"}, r"health\.healthy_from: '80' must be a score from 0 to 100"),
        ({"at_risk_below": True}, r"health\.at_risk_below: True must be a score"),
        ({"at_risk_below": float("nan")}, r"health\.at_risk_below: nan must be a score"),
        ({"at_risk_below": 85}, r"health\.at_risk_below \(85\) must not be above health\.healthy_from \(80\)"),
        ({"at_risk_below": 70, "healthy_from": 65}, r"at_risk_below \(70\) must not be above .*healthy_from \(65\)"),
        ({"healthy_from": 50}, r"health\.at_risk_below \(60\) must not be above health\.healthy_from \(50\)"),
        ({"at_risk_bellow": 50}, r"health: unknown key\(s\) at_risk_bellow"),
    ],
)
def test_a_bad_health_band_is_a_clear_error(health: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        parse_settings({"health": health})


# ------------------------------------------------------------ language


@pytest.mark.parametrize(("written", "read"), [("", ""), ("ru", "ru"), ("UK", "uk"), ("ru_RU", "ru"), ("en", "en")])
def test_language_is_one_of_three_or_blank(written, read) -> None:
    assert parse_settings({"language": written}).language == read
    assert parse_settings({}).language == ""


def test_an_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match=r"language: 'de' must be one of en, ru, uk \(or blank\)"):
        parse_settings({"language": "de"})
