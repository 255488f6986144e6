"""Realistic Google Sheets API traffic for tests, built from recorded API responses.

The payloads are derived from the real responses in the sheets-api fixture folder
(metadata.json, batchget.json, values-*.json, see its README): their structure is kept
and only the parts a test cares about (sheets, time zone, locale, values) are replaced.
Everything is mocked at the HTTP layer with `responses`, so the real gspread and
google-auth code runs: token exchange, metadata, values:batchGet.

Typical use::

    with sheets_api_mock() as rsps:
        mock_workbook(rsps, {"clients": [["client_id"], ["007"]]})
        wb = read_sheets(sheet_url(), service_account_credentials())
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import service_account

_FIXTURE_DIRS = [
    os.environ.get("SHEETS_API_FIXTURES", ""),
    str(Path(__file__).resolve().parents[1] / "fixtures" / "sheets-api"),
    str(Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "sheets-api"),
]

SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets"
TOKEN_URI = "https://oauth2.googleapis.com/token"
TOKEN_RESPONSE = {"access_token": "t", "expires_in": 3600, "token_type": "Bearer"}
SERVICE_ACCOUNT_EMAIL = "pulse-reader@agency-pulse-demo.iam.gserviceaccount.com"
# google-auth >= 2.4x looks up the service account's "regional access boundary" in a
# background thread after each token refresh; answer it with google-auth's own no-op value.
ALLOWED_LOCATIONS_RE = re.compile(
    r"https://iamcredentials\.googleapis\.com/v1/projects/-/serviceAccounts/[^/]+/allowedLocations"
)
ALLOWED_LOCATIONS_RESPONSE = {"locations": [], "encodedLocations": "0x0"}
# A realistic 44-character key, for tests of bare keys (the recorded key is "SPREADSHEET_ID").
REAL_LOOKING_KEY = "1yXHRaUTFlGV-Axis4vLHtoPvGUj3C_-awA_5sLK8k6g"


def fixtures_dir() -> Path:
    """The folder of recorded Sheets API responses."""
    for candidate in _FIXTURE_DIRS:
        if candidate and (Path(candidate) / "metadata.json").is_file():
            return Path(candidate)
    raise FileNotFoundError(
        "recorded Sheets API responses not found: copy them to tests/fixtures/sheets-api "
        "or set SHEETS_API_FIXTURES (looked in: " + ", ".join(p for p in _FIXTURE_DIRS if p) + ")"
    )


@functools.cache
def _load(name: str) -> dict[str, Any]:
    with open(fixtures_dir() / name, encoding="utf-8") as fh:
        return json.load(fh)


def load_fixture(name: str) -> dict[str, Any]:
    """A fresh copy of one recorded exchange: {"request": "GET ...", "response": {...}}."""
    return copy.deepcopy(_load(name))


def fixture_rows() -> list[list[Any]]:
    """The two rows as the API sends them with UNFORMATTED_VALUE + SERIAL_NUMBER.

    [[2, 43831, "string", 53], [1.5, 0.12, 36162]]: a date as serial 43831 (2020-01-01)
    and a ragged second row (its empty fourth cell left out).
    """
    return load_fixture("values-unformatted_value-serial_number.json")["response"]["values"]


# --- credentials -------------------------------------------------------------------------


@functools.cache
def private_key_pem() -> str:
    """A freshly generated RSA key (once per test run): real signing, nothing secret."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def service_account_info(email: str = SERVICE_ACCOUNT_EMAIL) -> dict[str, str]:
    """A service-account JSON key as the Cloud console downloads it (what secrets.toml holds)."""
    project = email.split("@", 1)[1].split(".", 1)[0]
    return {
        "type": "service_account",
        "project_id": project,
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": private_key_pem(),
        "client_email": email,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": TOKEN_URI,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/" + email.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }


def service_account_credentials(
    scopes: Sequence[str] | None = None, email: str = SERVICE_ACCOUNT_EMAIL
) -> service_account.Credentials:
    """Real google-auth service-account credentials (unscoped unless `scopes` is given)."""
    return service_account.Credentials.from_service_account_info(service_account_info(email), scopes=scopes)


def decode_jwt_payload(token: str) -> dict[str, Any]:
    """The claims of a JWT, without verifying its signature."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def token_request_claims(call: Any) -> dict[str, Any]:
    """The claims of the JWT assertion a recorded token request sent."""
    body = call.request.body
    body = body.decode() if isinstance(body, bytes) else body
    return decode_jwt_payload(parse_qs(body)["assertion"][0])


# --- payloads ----------------------------------------------------------------------------


def column_letter(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA."""
    letters = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1_title(title: str) -> str:
    """A tab title as the API writes it back in `range`: quoted unless it is a plain word."""
    plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) and not re.fullmatch(
        r"[A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*", title
    )
    return title if plain else "'" + title.replace("'", "''") + "'"


def unquote_range(a1: str) -> str:
    """The tab title of a whole-sheet range as sent: "'It''s'" -> "It's", "Sheet1" -> "Sheet1"."""
    if len(a1) >= 2 and a1.startswith("'") and a1.endswith("'"):
        return a1[1:-1].replace("''", "'")
    return a1


def sheet_entry(
    title: str,
    index: int,
    values: Sequence[Sequence[Any]] = (),
    sheet_type: str = "GRID",
) -> dict[str, Any]:
    """One `sheets[]` entry shaped like metadata.json's, for a tab with these values."""
    entry = copy.deepcopy(_load("metadata.json")["response"]["sheets"][0])
    props = entry["properties"]
    props.update(
        sheetId=1000 + index if index else 0,
        title=title,
        index=index,
        sheetType=sheet_type,
    )
    if sheet_type == "GRID":
        width = max((len(r) for r in values), default=0)
        props["gridProperties"] = {
            "rowCount": max(1000, len(values)),
            "columnCount": max(26, width),
        }
    else:
        props.pop("gridProperties", None)
    return entry


def metadata_payload(
    tabs: Mapping[str, Sequence[Sequence[Any]]],
    *,
    time_zone: str = "Europe/Moscow",
    locale: str = "ru_RU",
    key: str = "SPREADSHEET_ID",
    title: str = "Agency Pulse",
    object_sheets: Sequence[str] = (),
) -> dict[str, Any]:
    """The spreadsheets.get response of metadata.json with our tabs, time zone and locale."""
    payload = load_fixture("metadata.json")["response"]
    payload["spreadsheetId"] = key
    payload["properties"].update(title=title, timeZone=time_zone, locale=locale)
    sheets = [sheet_entry(t, i, v) for i, (t, v) in enumerate(tabs.items())]
    sheets += [sheet_entry(t, len(sheets) + i, sheet_type="OBJECT") for i, t in enumerate(object_sheets)]
    payload["sheets"] = sheets
    payload["spreadsheetUrl"] = f"https://docs.google.com/spreadsheets/d/{key}/edit"
    return payload


def value_range(title: str, values: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """One valueRanges entry shaped like batchget.json's: normalised `range`, ROWS, values.

    As the API does, an empty tab has no `values` key and its range is the whole grid;
    otherwise the range spans the data, and rows stay ragged as given.
    """
    template = _load("batchget.json")["response"]["valueRanges"][0]
    entry = {k: v for k, v in template.items() if k != "values"}
    if values:
        width = max(1, max(len(r) for r in values))
        entry["range"] = f"{a1_title(title)}!A1:{column_letter(width)}{len(values)}"
        entry["values"] = [list(r) for r in values]
    else:
        entry["range"] = f"{a1_title(title)}!A1:Z1000"
    entry["majorDimension"] = "ROWS"
    return entry


def batch_get_payload(key: str, tabs: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> dict[str, Any]:
    """A values:batchGet response shaped like batchget.json's, in the given order."""
    payload = load_fixture("batchget.json")["response"]
    payload["spreadsheetId"] = key
    payload["valueRanges"] = [value_range(t, v) for t, v in tabs]
    return payload


def api_error(code: int, status: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An error body in the Google API format ({"error": {code, message, status}})."""
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return {"error": error}


NOT_FOUND = api_error(404, "NOT_FOUND", "Requested entity was not found.")
FORBIDDEN = api_error(403, "PERMISSION_DENIED", "The caller does not have permission")
SERVICE_DISABLED = api_error(
    403,
    "PERMISSION_DENIED",
    "Google Sheets API has not been used in project 123456789012 before or it is disabled. "
    "Enable it by visiting https://console.developers.google.com/apis/api/sheets.googleapis.com"
    "/overview?project=123456789012 then retry.",
    [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "SERVICE_DISABLED",
            "domain": "googleapis.com",
            "metadata": {"service": "sheets.googleapis.com"},
        }
    ],
)
RATE_LIMITED = api_error(
    429,
    "RESOURCE_EXHAUSTED",
    "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute "
    "per user' of service 'sheets.googleapis.com' for consumer 'project_number:123456789012'.",
    [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
        }
    ],
)
INVALID_GRANT = {
    "error": "invalid_grant",
    "error_description": "Invalid JWT Signature.",
}


# --- mocking -----------------------------------------------------------------------------


@dataclass
class MockedWorkbook:
    """What mock_workbook registered, for assertions."""

    key: str
    metadata: dict[str, Any]
    metadata_url: str
    batch_get_url: str

    @property
    def url(self) -> str:
        return f"https://docs.google.com/spreadsheets/d/{self.key}/edit#gid=0"


def sheet_url(key: str = "SPREADSHEET_ID") -> str:
    """The browser URL of a spreadsheet, as a user pastes it into `source`."""
    return f"https://docs.google.com/spreadsheets/d/{key}/edit#gid=0"


@contextmanager
def sheets_api_mock() -> Iterator[responses.RequestsMock]:
    """A RequestsMock for Sheets traffic that also waits for google-auth's background lookup.

    Not every registered response must fire (error tests stop early), and google-auth's
    allowedLocations thread is joined before the mock is removed, so it never reaches
    the real network.
    """
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        try:
            yield rsps
        finally:
            for thread in threading.enumerate():
                if type(thread).__name__ == "_RegionalAccessBoundaryRefreshThread":
                    thread.join(timeout=5)


def mock_token(rsps: responses.RequestsMock) -> None:
    """The OAuth token endpoint (and google-auth's allowedLocations lookup) answering OK."""
    rsps.add(responses.POST, TOKEN_URI, json=TOKEN_RESPONSE)
    rsps.add(responses.GET, ALLOWED_LOCATIONS_RE, json=ALLOWED_LOCATIONS_RESPONSE)


def mock_workbook(
    rsps: responses.RequestsMock,
    tabs: Mapping[str, Sequence[Sequence[Any]]],
    time_zone: str = "Europe/Moscow",
    locale: str = "ru_RU",
    key: str = "SPREADSHEET_ID",
    *,
    title: str = "Agency Pulse",
    object_sheets: Sequence[str] = (),
    token: bool = True,
) -> MockedWorkbook:
    """Register token + metadata + values:batchGet responses for a workbook of `tabs`.

    `tabs` maps each tab title to its rows as the API would send them (row 1 = header;
    ragged rows, numbers, serials, bools and text as they are). The batchGet answer is
    computed from the request like the real API: one entry per requested range, in
    request order, with a normalised `range`; an unknown tab gets the API's 400.
    """
    if token:
        mock_token(rsps)
    metadata = metadata_payload(
        tabs,
        time_zone=time_zone,
        locale=locale,
        key=key,
        title=title,
        object_sheets=object_sheets,
    )
    metadata_url = f"{SHEETS_API}/{key}"
    batch_get_url = f"{SHEETS_API}/{key}/values:batchGet"
    rsps.add(responses.GET, metadata_url, json=metadata)

    def batch_get(request: Any) -> tuple[int, dict[str, str], str]:
        ranges = parse_qs(urlsplit(request.url).query).get("ranges", [])
        answered = []
        for a1 in ranges:
            tab = unquote_range(a1)
            if tab not in tabs:
                body = api_error(400, "INVALID_ARGUMENT", f"Unable to parse range: {a1}")
                return 400, {}, json.dumps(body)
            answered.append((tab, tabs[tab]))
        return 200, {}, json.dumps(batch_get_payload(key, answered))

    rsps.add_callback(
        responses.GET,
        batch_get_url,
        callback=batch_get,
        content_type="application/json",
    )
    return MockedWorkbook(
        key=key,
        metadata=metadata,
        metadata_url=metadata_url,
        batch_get_url=batch_get_url,
    )


def calls_to(rsps: responses.RequestsMock, url_prefix: str) -> list[Any]:
    """Recorded calls whose URL (without the query) is exactly `url_prefix`."""
    return [c for c in rsps.calls if c.request.url.split("?", 1)[0] == url_prefix]


def query_of(call: Any) -> dict[str, list[str]]:
    """The decoded query parameters of a recorded call."""
    return parse_qs(urlsplit(call.request.url).query)
