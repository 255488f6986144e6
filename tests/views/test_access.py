"""Who may open the dashboard (views/access.py): OIDC with an allowlist, a shared password with
a growing delay, the open sample, and the banner on an open live dashboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data.settings import SAMPLE_DIR, Settings
from tests.views.conftest import APP
from views import access, registry

AUTH = {"redirect_uri": "https://pulse.example.com/oauth2callback", "cookie_secret": "test-cookie-secret",
        "client_id": "id", "client_secret": "secret",
        "server_metadata_url": "https://accounts.google.com/.well-known/openid-configuration"}
PASSWORD = "correct horse battery staple"
FAST_HASH = access.hash_password(PASSWORD, n=2**10)  # cheap scrypt: the tests hash many times
BANNER = "open to anyone who can reach it"


@pytest.fixture(autouse=True)
def _fresh_failures(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """No wrong password left over from another test, and no real sleeping: the waits are recorded."""
    waits: list[float] = []
    monkeypatch.setattr(access, "sleep", waits.append)
    access.reset_failures()
    yield waits
    access.reset_failures()


@pytest.fixture
def open_app(monkeypatch: pytest.MonkeyPatch, sample_db: Path, tmp_path: Path):
    """open_app(secrets, source=..., access_toml=...) → an AppTest that has run the overview."""

    def run(secrets: dict | None = None, source: str | None = None, access_toml: str = "") -> AppTest:
        monkeypatch.setenv("PULSE_DB", str(sample_db))
        if source is not None:
            monkeypatch.setenv("PULSE_SOURCE", source)
        settings = tmp_path / "pulse.toml"
        settings.write_text(access_toml, encoding="utf-8")
        monkeypatch.setenv("PULSE_SETTINGS", str(settings))
        at = AppTest.from_file(APP, default_timeout=120)
        # Always some secrets: the developer's own .streamlit/secrets.toml must not leak into a test.
        for k, v in {"_test": True, **(secrets or {})}.items():
            at.secrets[k] = v
        return at.run()

    return run


def texts(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.title, *at.markdown, *at.error, *at.warning, *at.info])


def shows_the_dashboard(at: AppTest) -> bool:
    return not at.exception and len(at.metric) > 0


def as_user(monkeypatch: pytest.MonkeyPatch, **claims) -> None:
    monkeypatch.setattr(access, "current_user", lambda: dict(claims))


ALLOWLIST = '[access]\nallowed_emails = ["Freelancer@Gmail.com"]\nallowed_domains = ["youragency.com"]\n'


# --- OIDC ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("email", ["director@youragency.com", "DIRECTOR@YourAgency.com", "freelancer@gmail.com"])
def test_oidc_an_allowed_email_or_domain_gets_in(open_app, monkeypatch, email) -> None:
    as_user(monkeypatch, is_logged_in=True, email=email, email_verified=True)
    at = open_app({"auth": AUTH}, access_toml=ALLOWLIST)
    assert shows_the_dashboard(at)
    at.switch_page(registry.page("deadlines").file).run()
    assert shows_the_dashboard(at)


@pytest.mark.parametrize("email", ["someone@gmail.com", "director@youragency.com.evil.io",
                                   "director@evil-youragency.com", "x@sub.youragency.com", ""])
def test_oidc_an_email_not_on_the_allowlist_is_refused_with_a_log_out_button(open_app, monkeypatch, email) -> None:
    as_user(monkeypatch, is_logged_in=True, email=email)
    at = open_app({"auth": AUTH}, access_toml=ALLOWLIST)
    assert not at.exception
    assert "not allowed" in texts(at)
    assert [b.label for b in at.button] == ["Log out"]
    assert len(at.metric) == 0 and len(at.dataframe) == 0 and len(at.sidebar.multiselect) == 0


def test_oidc_an_unverified_email_is_refused(open_app, monkeypatch) -> None:
    as_user(monkeypatch, is_logged_in=True, email="director@youragency.com", email_verified=False)
    at = open_app({"auth": AUTH}, access_toml=ALLOWLIST)
    assert "not allowed" in texts(at) and len(at.metric) == 0


def test_oidc_with_an_empty_allowlist_nobody_gets_in(open_app, monkeypatch) -> None:
    as_user(monkeypatch, is_logged_in=True, email="director@youragency.com")
    at = open_app({"auth": AUTH})
    assert "not allowed" in texts(at) and len(at.metric) == 0


def test_oidc_signed_out_sees_only_the_log_in_button(open_app, monkeypatch) -> None:
    as_user(monkeypatch, is_logged_in=False)
    at = open_app({"auth": AUTH}, access_toml=ALLOWLIST)
    assert [b.label for b in at.button] == ["Log in"]
    assert len(at.metric) == 0 and len(at.sidebar.multiselect) == 0


# --- the shared password ------------------------------------------------------------------------

def submit(at: AppTest, password: str) -> AppTest:
    at.text_input(key="access_password_input").input(password)
    return at.button[0].click().run()


def test_the_right_password_opens_every_page_and_is_remembered(open_app, _fresh_failures) -> None:
    at = open_app({"access": {"password_hash": FAST_HASH}})
    assert len(at.metric) == 0 and len(at.text_input) == 1
    at = submit(at, PASSWORD)
    assert shows_the_dashboard(at)
    at.switch_page(registry.page("deadlines").file).run()  # a later run of the session: no password asked again
    assert shows_the_dashboard(at) and len(at.text_input) == 0
    assert _fresh_failures == []


def test_a_wrong_password_is_refused_and_each_failure_waits_longer(open_app, _fresh_failures) -> None:
    at = open_app({"access": {"password_hash": FAST_HASH}})
    for _ in range(4):
        at = submit(at, "guess")
        assert "Wrong password" in texts(at) and len(at.metric) == 0
    assert _fresh_failures == [1, 2, 4, 8]
    at = submit(at, PASSWORD)  # the right one resets the count
    assert shows_the_dashboard(at)
    assert access.delay_after(0) == 0 and access.delay_after(1) == 1 and access.delay_after(20) == 30


def test_failures_count_across_sessions_so_a_new_tab_does_not_reset_the_delay(open_app, _fresh_failures) -> None:
    submit(open_app({"access": {"password_hash": FAST_HASH}}), "guess")
    submit(open_app({"access": {"password_hash": FAST_HASH}}), "guess")
    assert _fresh_failures == [1, 2]


def test_a_damaged_password_hash_fails_closed(open_app) -> None:
    at = open_app({"access": {"password_hash": "sha256$abc"}})
    assert "misconfigured" in texts(at) and len(at.metric) == 0 and len(at.text_input) == 0


def test_hash_round_trip_with_a_random_salt() -> None:
    line = access.hash_password(PASSWORD)
    scheme, n, r, p, _salt, _digest = line.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", access.SCRYPT_N, access.SCRYPT_R, access.SCRYPT_P)
    assert access.verify_password(PASSWORD, line)
    assert not access.verify_password(PASSWORD + " ", line)
    assert access.hash_password(PASSWORD) != line  # a fresh salt every time


def test_the_password_is_compared_in_constant_time(monkeypatch) -> None:
    import hmac

    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(access.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    assert access.verify_password(PASSWORD, FAST_HASH)
    assert not access.verify_password("nope", FAST_HASH)
    assert len(calls) == 2


@pytest.mark.parametrize("bad", ["", "scrypt$1$8$1$c2FsdA==$aGFzaA==", "scrypt$x$8$1$c2FsdA==$aGFzaA==",
                                 "scrypt$1024$8$1$not base64!$aGFzaA==", "bcrypt$1024$8$1$c2FsdA==$aGFzaA=="])
def test_a_malformed_hash_is_a_clear_error(bad) -> None:
    with pytest.raises(ValueError, match="password_hash"):
        access.parse_hash(bad)


def test_the_hash_command_prints_a_secrets_line(monkeypatch, capsys) -> None:
    import getpass

    monkeypatch.setattr(getpass, "getpass", lambda prompt="": PASSWORD)
    assert access.main(["hash-password"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("password_hash = "))
    assert access.verify_password(PASSWORD, line.split('"')[1])


# --- open dashboards ----------------------------------------------------------------------------

def test_the_bundled_sample_runs_without_login_or_banner(open_app) -> None:
    at = open_app()
    assert shows_the_dashboard(at)
    assert BANNER not in texts(at)


def test_a_live_source_without_access_control_shows_the_banner_on_every_page(open_app, tmp_path) -> None:
    at = open_app(source=str(tmp_path / "agency-export"))
    for page in ("deadlines", "clients", "data"):
        assert shows_the_dashboard(at) or page == "data"
        assert BANNER in texts(at), page
        assert "README" in texts(at)
        at.switch_page(registry.page(page).file).run()
    assert BANNER in texts(at)


def test_a_live_source_with_a_password_shows_no_banner(open_app, tmp_path) -> None:
    at = submit(open_app({"access": {"password_hash": FAST_HASH}}, source=str(tmp_path / "x")), PASSWORD)
    assert shows_the_dashboard(at) and BANNER not in texts(at)


def test_the_sample_folder_named_as_the_source_counts_as_the_sample() -> None:
    assert not access.is_live(Settings(source=""))
    assert not access.is_live(Settings(source=str(SAMPLE_DIR)))
    assert access.is_live(Settings(source="https://docs.google.com/spreadsheets/d/abc"))
