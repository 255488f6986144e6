"""Who may open the dashboard: one entry point, `gate(settings)`, run by app.py before any page.

- OIDC (an `[auth]` section in `.streamlit/secrets.toml`, Streamlit's native login): the user
  signs in with `st.login()`; only e-mails in `[access] allowed_emails` or whose domain is in
  `allowed_domains` (pulse.toml) get in, everyone else sees "not allowed" and a log-out button.
- Otherwise a shared password, stored only as a salted scrypt hash in secrets
  (`[access] password_hash`); failures make every next attempt wait longer (1, 2, 4 … 30 s).
- Neither: the dashboard is open. On the bundled sample that is the point (a newcomer sees it
  at once); on a live source every page carries a banner saying so and how to fix it.

Make a password hash with `python -m views.access hash-password`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from data.settings import Settings, is_sample_source
from lang import _

# scrypt cost: 16 MiB of memory and ~50 ms per guess; stored with the hash, so it can change.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES, HASH_BYTES = 16, 32
MAX_DELAY_SECONDS = 30.0
SESSION_KEY = "_pulse_access_granted"
HASH_COMMAND = "python -m views.access hash-password"

# The wait after a wrong password, injectable so tests record it instead of sleeping.
sleep: Callable[[float], None] = time.sleep

# Consecutive wrong passwords in this process (every session: a new tab must not reset it).
_failures = 0
_failures_lock = threading.Lock()


# --- the password hash ------------------------------------------------------------------

def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _maxmem(n: int, r: int) -> int:
    return 256 * n * r + 2**20  # scrypt needs 128·n·r bytes; OpenSSL's default cap is 32 MiB


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P,
                  salt: bytes | None = None) -> str:
    """`scrypt$n$r$p$salt$hash` (base64) for a password, with a fresh random salt."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=HASH_BYTES,
                            maxmem=_maxmem(n, r))
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def parse_hash(stored: str) -> tuple[int, int, int, bytes, bytes]:
    """(n, r, p, salt, hash) from a stored line; ValueError naming what is wrong."""
    parts = str(stored).strip().split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise ValueError(_("password_hash must look like scrypt$n$r$p$salt$hash (make one with {command})").format(
            command=HASH_COMMAND))
    try:
        n, r, p = (int(x) for x in parts[1:4])
        salt, digest = base64.b64decode(parts[4], validate=True), base64.b64decode(parts[5], validate=True)
    except ValueError:
        raise ValueError(_("password_hash is damaged (make a new one with {command})").format(
            command=HASH_COMMAND)) from None
    if n < 2 or n & (n - 1) or n > 2**20 or not 1 <= r <= 32 or not 1 <= p <= 16 or not salt or not digest:
        raise ValueError(_("password_hash has unusable scrypt parameters (make a new one with {command})").format(
            command=HASH_COMMAND))
    return n, r, p, salt, digest


def verify_password(password: str, stored: str) -> bool:
    """Whether a password matches a stored hash; the comparison takes the same time either way."""
    n, r, p, salt, digest = parse_hash(stored)
    candidate = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=len(digest),
                               maxmem=_maxmem(n, r))
    return hmac.compare_digest(candidate, digest)


def delay_after(failures: int) -> float:
    """Seconds to wait after the n-th wrong password in a row: 1, 2, 4, 8 … at most 30."""
    return 0.0 if failures <= 0 else min(MAX_DELAY_SECONDS, 2.0 ** min(failures - 1, 16))


def reset_failures() -> None:
    """Forget past wrong passwords (a right one does this; so do tests)."""
    global _failures
    with _failures_lock:
        _failures = 0


def _record_failure() -> float:
    global _failures
    with _failures_lock:
        _failures += 1
        return delay_after(_failures)


# --- what is configured -----------------------------------------------------------------

def _secrets_section(name: str) -> Mapping[str, Any]:
    """A section of st.secrets, or {} when there is no secrets file or no such section."""
    try:
        section = st.secrets.get(name)
    except Exception:  # no secrets.toml at all (or an unreadable one): nothing is configured
        return {}
    return section if isinstance(section, Mapping) else {}


def oidc_configured() -> bool:
    return bool(_secrets_section("auth"))


def password_hash() -> str:
    return str(_secrets_section("access").get("password_hash") or "").strip()


def is_live(settings: Settings) -> bool:
    """A source of the agency's own (not the bundled sample)."""
    return bool(settings.source.strip()) and not is_sample_source(settings.resolved_source())


def current_user() -> dict[str, Any]:
    """The signed-in user's claims (is_logged_in, email, …): the one place st.user is read."""
    return st.user.to_dict()


def email_allowed(email: str, settings: Settings) -> bool:
    """Whether an e-mail is on the allowlist: exactly, or by its domain (no subdomains)."""
    address = email.strip().lower()
    local, at, domain = address.rpartition("@")
    if not (local and at and domain):
        return False
    return address in settings.allowed_emails or domain in settings.allowed_domains


# --- the gate ---------------------------------------------------------------------------

def gate(settings: Settings) -> None:
    """Let this session through, or draw the sign-in (or refusal) and st.stop()."""
    stored = password_hash()
    if oidc_configured():
        _oidc_gate(settings)
    elif stored:
        _password_gate(stored)
    elif is_live(settings):
        st.warning(_(
            "**This dashboard is open to anyone who can reach it.** It shows your agency's live data and no "
            "sign-in is configured. Add OIDC sign-in (`[auth]` in `.streamlit/secrets.toml` plus "
            "`[access] allowed_emails` / `allowed_domains` in `pulse.toml`) or a shared password "
            "(`[access] password_hash` in secrets, made with `{command}`): see README, "
            "\"Deploying for your agency\".").format(command=HASH_COMMAND), icon=":material/lock_open:")


def _oidc_gate(settings: Settings) -> None:
    user = current_user()
    if not user.get("is_logged_in"):
        st.title("Agency Pulse")
        st.write(_("Sign in with your work account to open the dashboard."))
        st.button(_("Log in"), type="primary", icon=":material/login:", on_click=st.login, key="access_login")
        st.stop()
    email = str(user.get("email") or "")
    verified = user.get("email_verified", True) is not False  # a provider that says "unverified" is refused
    if verified and email_allowed(email, settings):
        return
    st.title("Agency Pulse")
    if email:
        refused = _("`{email}` is not allowed to open this dashboard. Ask whoever runs it to add your e-mail or your "
                    "domain to its allowlist, or log out and sign in with your work account.").format(email=email)
    else:
        refused = _("This account (it has no e-mail address) is not allowed to open this dashboard. Ask whoever "
                    "runs it to add your e-mail or your domain to its allowlist, or log out and sign in with your "
                    "work account.")
    st.error(refused, icon=":material/block:")
    st.button(_("Log out"), icon=":material/logout:", on_click=st.logout, key="access_logout")
    st.stop()


def _password_gate(stored: str) -> None:
    if st.session_state.get(SESSION_KEY):
        return
    st.title("Agency Pulse")
    try:
        parse_hash(stored)
    except ValueError as exc:  # fail closed: a broken hash never means "open"
        st.error(_("Sign-in is misconfigured: `[access]` {problem}.").format(problem=exc), icon=":material/key_off:")
        st.stop()
    with st.form("access_password"):
        password = st.text_input(_("Password"), type="password", key="access_password_input")
        submitted = st.form_submit_button(_("Open the dashboard"), type="primary")
    if submitted and password:
        if verify_password(password, stored):
            reset_failures()
            st.session_state[SESSION_KEY] = True
            st.rerun()
        wait = _record_failure()
        sleep(wait)
        st.error(_("Wrong password."), icon=":material/lock:")
    st.stop()


# --- the command ------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """`python -m views.access hash-password`: print the secrets line for a new password."""
    import getpass

    args = sys.argv[1:] if argv is None else argv
    if args != ["hash-password"]:
        print(f"usage: {HASH_COMMAND}", file=sys.stderr)
        return 2
    password = getpass.getpass("New dashboard password: ")
    if len(password) < 12:
        print("Use at least 12 characters (a few random words are easy to share and hard to guess).",
              file=sys.stderr)
        return 1
    if getpass.getpass("Again: ") != password:
        print("The two passwords differ.", file=sys.stderr)
        return 1
    print("Paste this into .streamlit/secrets.toml:\n")
    print(f'[access]\npassword_hash = "{hash_password(password)}"')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
