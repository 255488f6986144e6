"""data.sheets against the real gspread + google-auth code, mocked only at the HTTP layer."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import responses

from data.sheets import (
    READ_SCOPES,
    is_sheets_source,
    load_credentials,
    quote_title,
    read_sheets,
    spreadsheet_key,
)
from data.workbook import RawWorkbook, SourceError
from tests.data.sheets_fixtures import (
    FORBIDDEN,
    INVALID_GRANT,
    NOT_FOUND,
    RATE_LIMITED,
    REAL_LOOKING_KEY,
    SERVICE_ACCOUNT_EMAIL,
    SERVICE_DISABLED,
    SHEETS_API,
    TOKEN_URI,
    calls_to,
    fixture_rows,
    mock_token,
    mock_workbook,
    query_of,
    service_account_credentials,
    service_account_info,
    sheet_url,
    sheets_api_mock,
    token_request_claims,
)

KEY = "SPREADSHEET_ID"
METADATA_URL = f"{SHEETS_API}/{KEY}"
BATCH_URL = f"{SHEETS_API}/{KEY}/values:batchGet"
PROJECTS = "Client's projects"

CLIENTS_ROWS = [
    ["client_id", "client_name", "start_date", "active", "tier"],
    ["007", "Acme", 43831, True],  # ragged: trailing empty "tier" left out
    ["C02", "Beta", 43831.5, False, "A"],
    ["C03"],
]
PROJECTS_ROWS = [["project_id", "due_date", "project_name", "budget"], *fixture_rows()]
WORKBOOK = {
    "clients": CLIENTS_ROWS,
    PROJECTS: PROJECTS_ROWS,
    "messages": [],  # a tab with no values at all
    "Notes": [["private notes"], ["do not read"]],
}


def wanted(title: str) -> bool:
    return title != "Notes"


class SleepRecorder:
    """Stands in for time.sleep: records the waits, never sleeps."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def rsps():
    with sheets_api_mock() as mock:
        yield mock


@pytest.fixture
def sleep() -> SleepRecorder:
    return SleepRecorder()


def assert_one_line(err: pytest.ExceptionInfo[SourceError]) -> str:
    message = str(err.value)
    assert message and "\n" not in message and "Traceback" not in message
    return message


# --- one sync, one values request ----------------------------------------------------------


def test_sync_makes_one_metadata_and_one_values_request(
    rsps: responses.RequestsMock,
) -> None:
    mock_workbook(rsps, WORKBOOK, object_sheets=["Chart1"])

    wb = read_sheets(sheet_url(KEY), service_account_credentials(), wanted)

    metadata_calls = calls_to(rsps, METADATA_URL)
    values_calls = calls_to(rsps, BATCH_URL)
    assert len(metadata_calls) == 1
    assert len(values_calls) == 1
    assert query_of(metadata_calls[0]) == {"includeGridData": ["false"]}
    sheets_calls = [c for c in rsps.calls if c.request.url.startswith(SHEETS_API)]
    assert len(sheets_calls) == 2
    # Nothing else but the token exchange (and google-auth's own background
    # allowedLocations lookup): no Drive API, no second metadata fetch.
    hosts = {urlsplit(c.request.url).hostname for c in rsps.calls}
    assert hosts <= {
        "oauth2.googleapis.com",
        "iamcredentials.googleapis.com",
        "sheets.googleapis.com",
    }

    query = query_of(values_calls[0])
    assert query["valueRenderOption"] == ["UNFORMATTED_VALUE"]
    assert query["dateTimeRenderOption"] == ["SERIAL_NUMBER"]
    assert query["majorDimension"] == ["ROWS"]
    # Whole tabs, quoted, an apostrophe doubled; the unwanted tab and the chart never asked for.
    assert query["ranges"] == ["'clients'", "'Client''s projects'", "'messages'"]
    assert "%27Client%27%27s+projects%27" in values_calls[0].request.url
    assert [t.title for t in wb.tabs] == ["clients", PROJECTS, "messages"]


def test_all_grid_tabs_when_nothing_is_filtered(rsps: responses.RequestsMock) -> None:
    mock_workbook(rsps, WORKBOOK, object_sheets=["Chart1"])

    wb = read_sheets(sheet_url(KEY), service_account_credentials())

    assert [t.title for t in wb.tabs] == ["clients", PROJECTS, "messages", "Notes"]
    assert query_of(calls_to(rsps, BATCH_URL)[0])["ranges"] == [
        "'clients'",
        "'Client''s projects'",
        "'messages'",
        "'Notes'",
    ]


def test_no_wanted_tab_makes_no_values_request(rsps: responses.RequestsMock) -> None:
    mock_workbook(rsps, WORKBOOK)

    wb = read_sheets(sheet_url(KEY), service_account_credentials(), lambda title: False)

    assert wb.tabs == []
    assert calls_to(rsps, BATCH_URL) == []
    assert wb.serial_timezone == "Europe/Moscow"


@pytest.mark.parametrize("how", ["secrets", "unscoped", "pre-scoped"])
def test_token_request_asks_only_for_read_only_scope(rsps: responses.RequestsMock, how: str) -> None:
    mock_workbook(rsps, WORKBOOK)
    if how == "secrets":
        creds = load_credentials({"gcp_service_account": service_account_info()}, env={})
    elif how == "unscoped":
        creds = service_account_credentials()
    else:
        # Someone else's scoped credentials are used as given: only the unscoped case is ours.
        creds = service_account_credentials(scopes=READ_SCOPES)

    read_sheets(sheet_url(KEY), creds, wanted)

    token_calls = calls_to(rsps, TOKEN_URI)
    assert len(token_calls) == 1
    claims = token_request_claims(token_calls[0])
    assert claims["scope"] == "https://www.googleapis.com/auth/spreadsheets.readonly"
    assert claims["iss"] == SERVICE_ACCOUNT_EMAIL
    # ...and that token is what the Sheets requests carry.
    for call in calls_to(rsps, METADATA_URL) + calls_to(rsps, BATCH_URL):
        assert call.request.headers["Authorization"] == "Bearer t"


# --- what comes back -------------------------------------------------------------------------


def test_metadata_and_cells_are_kept_as_the_api_gave_them(
    rsps: responses.RequestsMock,
) -> None:
    mock_workbook(
        rsps,
        WORKBOOK,
        time_zone="Asia/Yekaterinburg",
        locale="ru_RU",
        title="Пульс агентства",
    )

    wb = read_sheets(sheet_url(KEY), service_account_credentials(), wanted)

    assert isinstance(wb, RawWorkbook)
    assert wb.kind == "sheets"
    assert wb.source == sheet_url(KEY)
    assert wb.title == "Пульс агентства"
    assert wb.serial_timezone == "Asia/Yekaterinburg"
    assert wb.locale == "ru_RU"

    clients, projects, messages = wb.tabs
    assert clients.header == [
        "client_id",
        "client_name",
        "start_date",
        "active",
        "tier",
    ]
    assert clients.rows == [
        ["007", "Acme", 43831, True],
        ["C02", "Beta", 43831.5, False, "A"],
        ["C03"],
    ]
    first = clients.rows[0]
    assert first[0] == "007" and isinstance(first[0], str)  # text stays text
    assert type(first[2]) is int and first[2] == 43831  # a date stays a serial number
    assert first[3] is True  # a checkbox stays a bool
    assert clients.rows[1][3] is False
    assert [len(r) for r in clients.rows] == [4, 5, 1]  # ragged, not padded

    # The recorded UNFORMATTED_VALUE + SERIAL_NUMBER rows, untouched.
    assert projects.header == ["project_id", "due_date", "project_name", "budget"]
    assert projects.rows == [[2, 43831, "string", 53], [1.5, 0.12, 36162]]
    assert messages.header == [] and messages.rows == []


def test_locale_and_time_zone_follow_the_spreadsheet(
    rsps: responses.RequestsMock,
) -> None:
    mock_workbook(rsps, {"clients": CLIENTS_ROWS}, time_zone="America/New_York", locale="en_US")

    wb = read_sheets(sheet_url(KEY), service_account_credentials())

    assert (wb.serial_timezone, wb.locale) == ("America/New_York", "en_US")


def test_tabs_are_matched_by_request_order_not_by_range_text(
    rsps: responses.RequestsMock,
) -> None:
    # The API re-quotes and normalises `range` ("'🌵 tab'!A1:B2", "Sheet1!A1:A1").
    tabs = {
        "🌵 tab": [["a", "b"], [1, 2]],
        "Sheet1": [["x"]],
        "A1": [["cell-like title"]],
    }
    mock_workbook(rsps, tabs)

    wb = read_sheets(sheet_url(KEY), service_account_credentials())

    body = calls_to(rsps, BATCH_URL)[0].response.json()
    assert [v["range"] for v in body["valueRanges"]] == [
        "'🌵 tab'!A1:B2",
        "Sheet1!A1:A1",
        "'A1'!A1:A1",
    ]
    assert [(t.title, t.header, t.rows) for t in wb.tabs] == [
        ("🌵 tab", ["a", "b"], [[1, 2]]),
        ("Sheet1", ["x"], []),
        ("A1", ["cell-like title"], []),
    ]


def test_quote_title() -> None:
    assert quote_title("clients") == "'clients'"
    assert quote_title("Client's projects") == "'Client''s projects'"


# --- which sources are sheets ---------------------------------------------------------------


def test_url_and_bare_key_give_the_same_key() -> None:
    urls = [
        f"https://docs.google.com/spreadsheets/d/{REAL_LOOKING_KEY}/edit#gid=0",
        f"https://docs.google.com/spreadsheets/d/{REAL_LOOKING_KEY}/edit?usp=sharing",
        f"https://docs.google.com/spreadsheets/d/{REAL_LOOKING_KEY}",
        f"docs.google.com/spreadsheets/d/{REAL_LOOKING_KEY}/",
        f"  {REAL_LOOKING_KEY}  ",
    ]
    assert {spreadsheet_key(u) for u in urls} == {REAL_LOOKING_KEY}
    assert spreadsheet_key(sheet_url(KEY)) == KEY
    assert all(is_sheets_source(u) for u in urls)


def test_paths_are_not_sheets_sources(tmp_path: Any) -> None:
    key_like_folder = tmp_path / "agency_workbook_exports_2026"
    key_like_folder.mkdir()
    for path in [
        "data/sample",
        "workbook.xlsx",
        "/home/agency/Pulse Workbook.xlsx",
        r"C:\agency\csv",
        "sample",
        "",
        str(tmp_path),
        str(key_like_folder),
        "https://example.com/spreadsheets/d/abc/edit",
        "https://docs.google.com/document/d/1yXHRaUTFlGV-Axis4vLHtoPvGUj3C_-awA_5sLK8k6g/edit",
    ]:
        assert spreadsheet_key(path) is None, path
        assert not is_sheets_source(path), path


def test_a_path_given_to_read_sheets_is_a_source_error() -> None:
    with pytest.raises(SourceError) as err:
        read_sheets("data/sample", service_account_credentials())
    assert "not a Google Sheets URL or key" in assert_one_line(err)


# --- errors ----------------------------------------------------------------------------------


def test_not_found(rsps: responses.RequestsMock) -> None:
    mock_token(rsps)
    rsps.add(responses.GET, METADATA_URL, json=NOT_FOUND, status=404)

    with pytest.raises(SourceError) as err:
        read_sheets(sheet_url(KEY), service_account_credentials())

    message = assert_one_line(err)
    assert "not found" in message and KEY in message and "URL/key" in message
    assert len(calls_to(rsps, METADATA_URL)) == 1  # a 404 is not retried


def test_no_permission_names_the_service_account(rsps: responses.RequestsMock, sleep: SleepRecorder) -> None:
    mock_token(rsps)
    rsps.add(responses.GET, METADATA_URL, json=FORBIDDEN, status=403)

    with pytest.raises(SourceError) as err:
        read_sheets(sheet_url(KEY), service_account_credentials(), sleep=sleep)

    message = assert_one_line(err)
    assert "no permission" in message
    assert f"share the sheet with {SERVICE_ACCOUNT_EMAIL} (Viewer)" in message
    assert len(calls_to(rsps, METADATA_URL)) == 1 and sleep.waits == []


def test_sheets_api_disabled_is_not_a_sharing_problem(
    rsps: responses.RequestsMock,
) -> None:
    mock_token(rsps)
    rsps.add(responses.GET, METADATA_URL, json=SERVICE_DISABLED, status=403)

    with pytest.raises(SourceError) as err:
        read_sheets(sheet_url(KEY), service_account_credentials())

    message = assert_one_line(err)
    assert "Sheets API is not enabled" in message and "share" not in message


def test_quota_exhausted_after_retries(rsps: responses.RequestsMock, sleep: SleepRecorder) -> None:
    mock_token(rsps)
    rsps.add(responses.GET, METADATA_URL, json=RATE_LIMITED, status=429)

    with pytest.raises(SourceError) as err:
        read_sheets(sheet_url(KEY), service_account_credentials(), retries=3, sleep=sleep)

    assert len(calls_to(rsps, METADATA_URL)) == 4  # the first attempt + 3 retries
    assert sleep.waits == [1, 2, 4]  # short exponential backoff, never really slept
    message = assert_one_line(err)
    assert "quota" in message and "429" in message and "4 attempts" in message


def test_rate_limit_on_the_values_request_is_retried_then_succeeds(
    rsps: responses.RequestsMock, sleep: SleepRecorder
) -> None:
    # responses answers with the first matching registration and drops it once used: one
    # 429 (with Retry-After), then the workbook's real answer.
    rsps.add(
        responses.GET,
        BATCH_URL,
        json=RATE_LIMITED,
        status=429,
        headers={"Retry-After": "7"},
    )
    mock_workbook(rsps, WORKBOOK)

    wb = read_sheets(
        sheet_url(KEY),
        service_account_credentials(),
        lambda t: t == "clients",
        sleep=sleep,
    )

    assert len(calls_to(rsps, BATCH_URL)) == 2
    assert sleep.waits == [7]
    assert wb.tabs[0].rows[0] == ["007", "Acme", 43831, True]


def test_server_errors_are_retried_even_without_a_json_body(rsps: responses.RequestsMock, sleep: SleepRecorder) -> None:
    mock_token(rsps)
    rsps.add(responses.GET, METADATA_URL, body="<html>502 Bad Gateway</html>", status=502)

    with pytest.raises(SourceError) as err:
        read_sheets(sheet_url(KEY), service_account_credentials(), retries=2, sleep=sleep)

    assert len(calls_to(rsps, METADATA_URL)) == 3
    assert sleep.waits == [1, 2]
    assert "unavailable (HTTP 502) after 3 attempts" in assert_one_line(err)


def test_connection_error(rsps: responses.RequestsMock, sleep: SleepRecorder) -> None:
    mock_token(rsps)
    rsps.add(
        responses.GET,
        METADATA_URL,
        body=requests.ConnectionError(
            "HTTPSConnectionPool(host='sheets.googleapis.com', port=443): Max retries exceeded\n"
            "(Caused by NewConnectionError('Failed to establish a new connection'))"
        ),
    )

    with pytest.raises(SourceError) as err:
        read_sheets(sheet_url(KEY), service_account_credentials(), sleep=sleep)

    message = assert_one_line(err)
    assert message.startswith("network error: cannot reach Google Sheets")


def test_timeout(rsps: responses.RequestsMock) -> None:
    mock_token(rsps)
    rsps.add(responses.GET, METADATA_URL, body=requests.ReadTimeout("read timed out"))

    with pytest.raises(SourceError) as err:
        read_sheets(sheet_url(KEY), service_account_credentials(), timeout=5)

    assert "did not answer within 5 s" in assert_one_line(err)


def test_token_endpoint_unreachable(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, TOKEN_URI, body=requests.ConnectionError("no route to host"))

    with pytest.raises(SourceError) as err:
        read_sheets(sheet_url(KEY), service_account_credentials())

    assert assert_one_line(err).startswith("network error: cannot reach Google to sign in")
    assert calls_to(rsps, METADATA_URL) == []


def test_bad_credentials(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, TOKEN_URI, json=INVALID_GRANT, status=400)

    with pytest.raises(SourceError) as err:
        read_sheets(sheet_url(KEY), service_account_credentials())

    message = assert_one_line(err)
    assert "rejected the service-account credentials" in message
    assert "Invalid JWT Signature" in message
    assert calls_to(rsps, METADATA_URL) == []


def test_no_credentials_at_all() -> None:
    with pytest.raises(SourceError) as err:
        read_sheets(sheet_url(KEY), None)  # type: ignore[arg-type]
    assert "gcp_service_account" in assert_one_line(err)


# --- credentials -----------------------------------------------------------------------------


def test_load_credentials_from_secrets() -> None:
    creds = load_credentials({"gcp_service_account": service_account_info()}, env={})

    assert creds.service_account_email == SERVICE_ACCOUNT_EMAIL
    assert list(creds.scopes) == READ_SCOPES


def test_load_credentials_from_the_env_file(tmp_path: Any) -> None:
    key_file = tmp_path / "sa.json"
    key_file.write_text(json.dumps(service_account_info("other@proj-2.iam.gserviceaccount.com")))

    creds = load_credentials(None, env={"GOOGLE_APPLICATION_CREDENTIALS": str(key_file)})

    assert creds.service_account_email == "other@proj-2.iam.gserviceaccount.com"
    assert list(creds.scopes) == READ_SCOPES


def test_secrets_win_over_the_env_file(tmp_path: Any) -> None:
    key_file = tmp_path / "sa.json"
    key_file.write_text(json.dumps(service_account_info("other@proj-2.iam.gserviceaccount.com")))

    creds = load_credentials(
        {"gcp_service_account": service_account_info()},
        env={"GOOGLE_APPLICATION_CREDENTIALS": str(key_file)},
    )

    assert creds.service_account_email == SERVICE_ACCOUNT_EMAIL


def test_a_key_pasted_with_literal_newline_escapes_still_loads() -> None:
    info = service_account_info()
    info["private_key"] = info["private_key"].replace("\n", "\\n")

    creds = load_credentials({"gcp_service_account": info}, env={})

    assert creds.service_account_email == SERVICE_ACCOUNT_EMAIL


@pytest.mark.parametrize("secrets", [None, {}, {"other": {}}, {"gcp_service_account": {}}])
def test_no_credentials_tells_what_to_configure(secrets: Any) -> None:
    with pytest.raises(SourceError) as err:
        load_credentials(secrets, env={})

    message = assert_one_line(err)
    assert "[gcp_service_account]" in message and ".streamlit/secrets.toml" in message
    assert "GOOGLE_APPLICATION_CREDENTIALS" in message


def test_bad_credential_sources(tmp_path: Any) -> None:
    missing = tmp_path / "missing.json"
    not_json = tmp_path / "not.json"
    not_json.write_text("this is not json")
    user_creds = tmp_path / "user.json"
    user_creds.write_text(json.dumps({"type": "authorized_user", "client_id": "x"}))

    cases = [
        (None, {"GOOGLE_APPLICATION_CREDENTIALS": str(missing)}, "cannot read"),
        (
            None,
            {"GOOGLE_APPLICATION_CREDENTIALS": str(not_json)},
            "not a JSON service-account key",
        ),
        (
            None,
            {"GOOGLE_APPLICATION_CREDENTIALS": str(user_creds)},
            "not a service-account key",
        ),
        (
            {"gcp_service_account": {"type": "service_account", "client_email": "x"}},
            {},
            "not a usable",
        ),
    ]
    for secrets, env, expected in cases:
        with pytest.raises(SourceError) as err:
            load_credentials(secrets, env=env)
        assert expected in assert_one_line(err)
