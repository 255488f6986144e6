"""Read a Google Sheets workbook into a RawWorkbook (SPEC §1, §9) with the real gspread client.

One sync is one metadata request (tab titles, time zone, locale) plus exactly one
values:batchGet for every wanted tab, asking for UNFORMATTED_VALUE + SERIAL_NUMBER so
that "007" stays text, numbers stay numbers and dates arrive as serials in the
spreadsheet's own time zone. Parsing happens later, on the RawWorkbook, so the Sheets,
xlsx and csv forms of the workbook cannot drift apart.

Every failure becomes a SourceError with a one-line reason a person can act on; the
caller keeps the previous data in place.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import google.auth.credentials
import google.auth.exceptions
import gspread
import requests
from google.oauth2 import service_account
from gspread.exceptions import APIError, NoValidUrlKeyFound, SpreadsheetNotFound
from gspread.http_client import HTTPClient, ParamsType
from gspread.utils import extract_id_from_url

from data.workbook import RawTab, RawWorkbook, SourceError

# Read-only Sheets access and nothing else: gspread's defaults are read-write Sheets + Drive.
READ_SCOPES = ["https://www.googleapis.com/auth/spreadsheets.readonly"]

SECRETS_SECTION = "gcp_service_account"
CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"

# Values exactly as stored: numbers as numbers, dates as serial numbers (in the
# spreadsheet's time zone), booleans as booleans, text as text ("007" stays "007").
VALUE_PARAMS: dict[str, str] = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}

_NO_CREDENTIALS = (
    "no Google credentials: add a [gcp_service_account] section (the service-account JSON "
    "key) to .streamlit/secrets.toml or set GOOGLE_APPLICATION_CREDENTIALS to the path of "
    "that JSON file"
)

# https://docs.google.com/spreadsheets/d/<key>/edit#gid=0 (scheme optional).
_SHEETS_URL_RE = re.compile(r"^(?:https?://)?docs\.google\.com/spreadsheets?/", re.IGNORECASE)
# A bare key: Google's keys are 44 characters of [A-Za-z0-9_-]; anything shorter is far
# more likely a folder name than a key.
_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]{25,}")

# Retried, then reported: rate limit, request timeout, server-side failures.
_RETRY_STATUSES = {HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.REQUEST_TIMEOUT}
_MAX_WAIT = 30.0


def spreadsheet_key(source: str) -> str | None:
    """The spreadsheet key of a Sheets URL or bare key; None for anything else (a path).

    The `source` setting takes a URL, a key, an .xlsx path or a csv folder, so this is
    what decides which reader runs. A string naming something on disk is always a path.
    """
    text = (source or "").strip()
    if not text:
        return None
    if _SHEETS_URL_RE.match(text):
        try:
            return extract_id_from_url(text)
        except NoValidUrlKeyFound:
            return None
    if _BARE_KEY_RE.fullmatch(text) and not os.path.exists(text):
        return text
    return None


def is_sheets_source(source: str) -> bool:
    """True when `source` names a Google Sheet (URL or key) rather than a file or folder."""
    return spreadsheet_key(source) is not None


def load_credentials(
    secrets: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> google.auth.credentials.Credentials:
    """Service-account credentials scoped read-only, from Streamlit secrets or the env var.

    SPEC §9: secrets never live in pulse.toml; they come from the [gcp_service_account]
    section of .streamlit/secrets.toml (pass it as `secrets`) or from the JSON key file
    named by GOOGLE_APPLICATION_CREDENTIALS (looked up in `env`, default os.environ).
    The secrets section wins when both are present.
    """
    env = os.environ if env is None else env
    info = secrets.get(SECRETS_SECTION) if secrets is not None else None
    if info:
        return _from_info(dict(info), "the [gcp_service_account] section of .streamlit/secrets.toml")
    path = (env.get(CREDENTIALS_ENV) or "").strip()
    if path:
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except OSError as exc:
            raise SourceError(f"cannot read {CREDENTIALS_ENV} file {path}: {exc.strerror or exc}") from exc
        except ValueError as exc:
            raise SourceError(f"{CREDENTIALS_ENV} file {path} is not a JSON service-account key") from exc
        if not isinstance(data, dict):
            raise SourceError(f"{CREDENTIALS_ENV} file {path} is not a JSON service-account key")
        return _from_info(data, f"{CREDENTIALS_ENV} file {path}")
    raise SourceError(_NO_CREDENTIALS)


def _from_info(info: dict[str, Any], where: str) -> google.auth.credentials.Credentials:
    """Build read-only service-account credentials, turning a malformed key into a SourceError."""
    kind = info.get("type", "service_account")
    if kind != "service_account":
        raise SourceError(f"{where} holds {kind!r} credentials, not a service-account key")
    key = info.get("private_key")
    if isinstance(key, str) and "\\n" in key and "\n" not in key:
        # A key pasted into a TOML literal string keeps its "\n" escapes literally.
        info = {**info, "private_key": key.replace("\\n", "\n")}
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=READ_SCOPES)
    except (ValueError, TypeError, KeyError) as exc:
        raise SourceError(f"{where} is not a usable service-account key: {_one_line(str(exc))}") from exc


def read_sheets(
    source: str,
    credentials: google.auth.credentials.Credentials,
    wanted: Callable[[str], bool] | None = None,
    *,
    retries: int = 3,
    timeout: float = 60,
    sleep: Callable[[float], None] = time.sleep,
) -> RawWorkbook:
    """Fetch the wanted tabs of a Google Sheet as raw cells: one metadata + one values request.

    `wanted(title)` picks tabs by title (None: every grid tab; chart sheets are never
    read). Rate limits and server errors are retried `retries` times with short
    exponential backoff (`sleep` is injectable for tests); `timeout` bounds each request.
    Any failure raises SourceError with a one-line reason.
    """
    key = spreadsheet_key(source)
    if key is None:
        raise SourceError(f"not a Google Sheets URL or key: {source}")
    if credentials is None:
        raise SourceError(_NO_CREDENTIALS)
    credentials = google.auth.credentials.with_scopes_if_required(credentials, READ_SCOPES)
    email = getattr(credentials, "service_account_email", None)

    client = gspread.Client(auth=credentials, http_client=RetryingHTTPClient)
    http: RetryingHTTPClient = client.http_client  # type: ignore[assignment]
    http.retries = max(0, int(retries))
    http.sleep = sleep
    client.set_timeout(timeout)

    try:
        return _read(client, http, source, key, wanted, email, timeout)
    finally:
        http.session.close()


def _read(
    client: gspread.Client,
    http: RetryingHTTPClient,
    source: str,
    key: str,
    wanted: Callable[[str], bool] | None,
    email: str | None,
    timeout: float,
) -> RawWorkbook:
    """The metadata + values requests of read_sheets, every failure mapped to a SourceError."""
    try:
        try:
            spreadsheet = client.open_by_key(key)
        except SpreadsheetNotFound as exc:
            raise _api_source_error(exc.__cause__ or exc, key, email, http) from exc
        except PermissionError as exc:
            # gspread turns a 403 into a bare PermissionError; the APIError is its cause.
            raise _api_source_error(exc.__cause__ or exc, key, email, http) from exc
        metadata = http.metadata or {}
        properties = metadata.get("properties", {})
        titles = [
            p.get("title", "")
            for p in (s.get("properties", {}) for s in metadata.get("sheets", []))
            if p.get("sheetType", "GRID") == "GRID" and (wanted is None or wanted(p.get("title", "")))
        ]
        value_ranges: list[Mapping[str, Any]] = []
        if titles:
            response = spreadsheet.values_batch_get([quote_title(t) for t in titles], params=dict(VALUE_PARAMS))
            value_ranges = response.get("valueRanges", [])
    except SourceError:
        raise
    except APIError as exc:
        raise _api_source_error(exc, key, email, http) from exc
    except google.auth.exceptions.RefreshError as exc:
        raise SourceError(
            f"Google rejected the service-account credentials ({_auth_reason(exc)}): "
            "check the key in .streamlit/secrets.toml or GOOGLE_APPLICATION_CREDENTIALS"
        ) from exc
    except google.auth.exceptions.TransportError as exc:
        raise SourceError(f"network error: cannot reach Google to sign in ({_network_reason(exc)})") from exc
    except requests.exceptions.JSONDecodeError as exc:
        raise SourceError("unexpected response from Google Sheets (not JSON): try again later") from exc
    except requests.exceptions.Timeout as exc:
        raise SourceError(f"network timeout: Google Sheets did not answer within {timeout:g} s") from exc
    except requests.exceptions.RequestException as exc:
        raise SourceError(f"network error: cannot reach Google Sheets ({_network_reason(exc)})") from exc

    if len(value_ranges) != len(titles):
        raise SourceError(
            f"unexpected response from Google Sheets: asked for {len(titles)} tabs, got {len(value_ranges)}"
        )
    tabs = []
    # The API answers in request order; its `range` is re-quoted and normalised
    # ("'🌵 tab'!A1:D10", "Sheet1!A1:D2"), so it is not matched against the title.
    for title, entry in zip(titles, value_ranges, strict=True):
        values = entry.get("values", [])  # JSON rows are lists already: no copy of 10M cells
        header = values[0] if values else []
        tabs.append(RawTab(title=title, header=header, rows=values[1:]))

    return RawWorkbook(
        source=source,
        kind="sheets",
        tabs=tabs,
        title=properties.get("title", ""),
        serial_timezone=properties.get("timeZone"),
        locale=properties.get("locale"),
        extra={"spreadsheet_id": key},
    )


def quote_title(title: str) -> str:
    """A whole-sheet A1 range for a tab title: quoted, with inner single quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with a bounded, quick retry of 429/408/5xx.

    gspread's own BackOffHTTPClient is unsuitable for a sync: its wait is capped at 128 s
    *before* the "give up" check, so a persistent 429 is retried forever (recursively,
    2 + 4 + ... + 128 s, then every 128 s); its time.sleep cannot be injected, its counter
    survives across requests, and it reads the status from the error body (-1 for a
    non-JSON 502 page from Google's front end).
    It also keeps the metadata response, whose `sheets` list gspread's Spreadsheet
    throws away (worksheets() would fetch the metadata a second time).
    """

    retries: int = 3
    backoff: float = 1.0
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(self, auth: google.auth.credentials.Credentials, session: Any = None) -> None:
        super().__init__(auth, session)
        self.metadata: Mapping[str, Any] | None = None
        self.attempts = 0  # attempts of the last request, for error messages

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        """Send one API request, retrying rate limits and server errors a bounded number of times."""
        self.attempts = 0
        while True:
            self.attempts += 1
            try:
                return super().request(*args, **kwargs)
            except APIError as err:
                status = err.response.status_code
                if self.attempts > self.retries or not _retryable(status):
                    raise
                self.sleep(self._wait(err.response))

    def _wait(self, response: requests.Response) -> float:
        """Seconds before the next attempt: Retry-After when given, else 1, 2, 4... s."""
        retry_after = response.headers.get("Retry-After", "")
        if retry_after.strip().isdigit():
            return min(float(retry_after), _MAX_WAIT)
        return min(self.backoff * 2 ** (self.attempts - 1), _MAX_WAIT)

    def fetch_sheet_metadata(self, id: str, params: ParamsType | None = None) -> Mapping[str, Any]:
        """Fetch the spreadsheet metadata and keep it for the tab list."""
        self.metadata = super().fetch_sheet_metadata(id, params=params)
        return self.metadata


def _retryable(status: int) -> bool:
    return status in _RETRY_STATUSES or status >= HTTPStatus.INTERNAL_SERVER_ERROR


def _api_source_error(exc: BaseException, key: str, email: str | None, http: RetryingHTTPClient) -> SourceError:
    """A one-line SourceError for an error answer of the Sheets API."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    error: Mapping[str, Any] = getattr(exc, "error", None) or {}
    message = _one_line(str(error.get("message", "")))
    if status is None and isinstance(exc, SpreadsheetNotFound):
        status = HTTPStatus.NOT_FOUND
    if status == HTTPStatus.NOT_FOUND:
        return SourceError(f"spreadsheet {key} not found: check the URL/key in the source setting")
    if status == HTTPStatus.FORBIDDEN:
        reasons = {d.get("reason") for d in error.get("details", []) if isinstance(d, Mapping)}
        if "SERVICE_DISABLED" in reasons or "has not been used in project" in message:
            return SourceError(
                "the Google Sheets API is not enabled for the service account's Google Cloud "
                "project: enable it in the Cloud console (APIs & Services), then sync again"
            )
        who = email or "the service account's e-mail address"
        return SourceError(f"no permission to read spreadsheet {key}: share the sheet with {who} (Viewer)")
    if status == HTTPStatus.UNAUTHORIZED:
        return SourceError(
            "Google rejected the credentials (401): check the service-account key in "
            ".streamlit/secrets.toml or GOOGLE_APPLICATION_CREDENTIALS"
        )
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return SourceError(
            f"Google Sheets quota exhausted: still 429 Too Many Requests after {http.attempts} "
            "attempts; wait a minute and sync again"
        )
    if status is not None and _retryable(status):
        return SourceError(
            f"Google Sheets is unavailable (HTTP {status}) after {http.attempts} attempts: try again later"
        )
    if "not supported for this document" in message:
        return SourceError(
            f"spreadsheet {key} is not a Google Sheet (an uploaded .xlsx?): open it and use "
            "File > Save as Google Sheets, or download it and use the .xlsx path"
        )
    return SourceError(f"Google Sheets refused the request (HTTP {status}): {message or 'no reason given'}")


def _auth_reason(exc: google.auth.exceptions.GoogleAuthError) -> str:
    """The short reason google-auth gives, e.g. 'invalid_grant: Invalid JWT Signature.'."""
    first = exc.args[0] if exc.args else exc
    return _one_line(str(first)) or type(exc).__name__


def _network_reason(exc: BaseException) -> str:
    """A short cause ("DNS lookup failed"): urllib3's own text is a wall of nested reprs."""
    inner: BaseException = exc
    while True:
        reason = getattr(inner, "reason", None)  # urllib3 MaxRetryError -> its cause
        if isinstance(reason, BaseException):
            inner = reason
        elif inner.args and isinstance(inner.args[0], BaseException):
            inner = inner.args[0]
        else:
            break
    name = type(inner).__name__
    return _NETWORK_REASONS.get(name, name)


_NETWORK_REASONS = {
    "NameResolutionError": "DNS lookup failed: check the internet connection",
    "NewConnectionError": "connection failed: check the internet connection or proxy",
    "ConnectTimeoutError": "connection timed out",
    "ReadTimeoutError": "read timed out",
    "SSLError": "TLS/SSL error: check the proxy or system certificates",
    "ProxyError": "proxy error",
}


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
