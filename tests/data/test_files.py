"""The file forms of a workbook (SPEC §1): a folder of .csv files and an .xlsx file."""

from __future__ import annotations

import datetime as dt
import random
import zipfile

import pandas as pd
import pytest
from openpyxl import Workbook

from data.files import read_csv_folder, read_xlsx
from data.headers import load_column_map
from data.validate import stage
from data.workbook import SourceError
from tests.conftest import MINIMAL_TABS


def cells(tab) -> list[list[object]]:
    """A RawTab's data rows as lists, whichever form the reader handed over."""
    rows = tab.rows.values.tolist() if isinstance(tab.rows, pd.DataFrame) else tab.rows
    return [list(r) for r in rows]


def by_title(wb) -> dict:
    return {t.title: t for t in wb.tabs}


# ---------------------------------------------------------------------------- csv folder


def test_csv_folder_reads_one_tab_per_file_with_cells_as_text(csv_workbook) -> None:
    wb = read_csv_folder(csv_workbook(MINIMAL_TABS))

    assert wb.kind == "csv"
    assert wb.serial_timezone is None  # serials in a csv are in the agency's zone
    assert sorted(by_title(wb)) == sorted(MINIMAL_TABS)
    clients = by_title(wb)["clients"]
    assert clients.header == MINIMAL_TABS["clients"][0]
    assert cells(clients) == [["C01", "Acme", "Anna", "A", "active", "2026-01-05"]]


def test_csv_folder_stages_like_the_workbook_it_was_written_from(csv_workbook) -> None:
    result = stage(read_csv_folder(csv_workbook(MINIMAL_TABS)), load_column_map())

    assert result.rejects.empty
    assert result.rows_loaded == 5


def test_leading_zeros_in_a_csv_stay(csv_workbook) -> None:
    folder = csv_workbook({"clients": [["client_id", "client_name"], ["007", "Bond"]]})
    assert cells(read_csv_folder(folder).tabs[0]) == [["007", "Bond"]]


def test_semicolon_csv_with_a_bom_and_decimal_commas(tmp_path) -> None:
    (tmp_path / "feedback.csv").write_bytes(
        "\ufeffresponse_id;client_id;received_on;score\r\nR1;C01;20.11.2026;7,5\r\nR2;C01;21.11.2026;\"9\"\r\n"
        .encode("utf-8")
    )
    tab = read_csv_folder(tmp_path).tabs[0]

    assert tab.title == "feedback"
    assert tab.header == ["response_id", "client_id", "received_on", "score"]  # no BOM on the first header
    assert cells(tab) == [["R1", "C01", "20.11.2026", "7,5"], ["R2", "C01", "21.11.2026", "9"]]


def test_blank_line_in_a_csv_keeps_the_sheet_numbering(tmp_path) -> None:
    folder = tmp_path / "wb"
    folder.mkdir()
    lines = [",".join(r) for r in MINIMAL_TABS["clients"]] + ["", ",,,,,", "C02,Beta,,,,", "C03,,,,,"]
    (folder / "clients.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = stage(read_csv_folder(folder), load_column_map())

    assert result.tables["clients"]["sheet_row"].tolist() == [2, 5]
    assert result.rejects[["tab", "sheet_row", "column"]].values.tolist() == [["clients", 6, "client_name"]]


def test_only_csv_files_are_tabs(tmp_path) -> None:
    (tmp_path / "clients.csv").write_text("client_id,client_name\nC01,Acme\n", encoding="utf-8")
    (tmp_path / "README.txt").write_text("notes", encoding="utf-8")
    (tmp_path / "old.xlsx").write_bytes(b"")
    assert [t.title for t in read_csv_folder(tmp_path).tabs] == ["clients"]


def test_empty_csv_file_is_a_tab_without_header(tmp_path) -> None:
    (tmp_path / "team.csv").write_text("", encoding="utf-8")
    tab = read_csv_folder(tmp_path).tabs[0]
    assert (tab.title, list(tab.header), len(tab.rows)) == ("team", [], 0)


def test_empty_folder_is_a_source_error(tmp_path) -> None:
    with pytest.raises(SourceError, match=r"no \.csv files"):
        read_csv_folder(tmp_path)


def test_missing_folder_is_a_source_error(tmp_path) -> None:
    with pytest.raises(SourceError):
        read_csv_folder(tmp_path / "nowhere")


def test_csv_that_is_not_utf8_is_a_source_error(tmp_path) -> None:
    (tmp_path / "clients.csv").write_bytes("client_id,client_name\nC01,Клиент\n".encode("cp1251"))
    with pytest.raises(SourceError, match=r"clients\.csv"):
        read_csv_folder(tmp_path)


# --------------------------------------------------------------------------------- xlsx


def write_xlsx(path, tabs: dict[str, list[list[object]]]) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in tabs.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)


XLSX_TABS: dict[str, list[list[object]]] = {
    **MINIMAL_TABS,
    "clients": [MINIMAL_TABS["clients"][0], ["007", "Acme", "Anna", "A", "active", dt.date(2026, 1, 5)],
                [7, "Seven", None, None, None, dt.datetime(2026, 2, 1)]],
    "projects": [MINIMAL_TABS["projects"][0],
                 ["P01", "007", "Site", None, None, None, None, dt.date(2026, 11, 13), dt.date(2026, 11, 20)]],
    "messages": [MINIMAL_TABS["messages"][0],
                 ["M1", "T1", "007", "P01", "email", "in", "c", dt.datetime(2026, 11, 20, 18, 0), True],
                 [],
                 ["M2", "T1", "7", None, "chat", "out", "a", dt.datetime(2026, 11, 20, 19, 30, 15), None]],
    "feedback": [MINIMAL_TABS["feedback"][0], ["R1", "007", None, dt.date(2026, 11, 10), 7.5, "nps"],
                 ["R2", "007", None, dt.date(2026, 11, 10), 4, "csat"]],
    "Notes": [["anything"]],
}


def test_xlsx_keeps_typed_cells_as_the_file_holds_them(tmp_path) -> None:
    path = tmp_path / "agency.xlsx"
    write_xlsx(path, XLSX_TABS)

    wb = read_xlsx(path)

    assert (wb.kind, wb.serial_timezone, wb.title) == ("xlsx", None, "agency")
    assert [t.title for t in wb.tabs] == list(XLSX_TABS)
    clients = cells(by_title(wb)["clients"])
    assert clients[0][0] == "007"
    assert clients[1][0] == 7
    assert clients[0][5] == dt.datetime(2026, 1, 5)
    messages = cells(by_title(wb)["messages"])
    assert messages[0][7] == dt.datetime(2026, 11, 20, 18, 0)
    assert messages[0][8] is True
    assert cells(by_title(wb)["feedback"])[0][4] == 7.5


def test_xlsx_stages_dates_numbers_and_ids(tmp_path) -> None:
    path = tmp_path / "agency.xlsx"
    write_xlsx(path, XLSX_TABS)

    result = stage(read_xlsx(path), load_column_map(), timezone="Europe/Moscow")

    assert result.ignored_tabs == ["Notes"]
    assert result.tables["clients"]["client_id"].tolist() == ["007", "7"]
    assert result.tables["clients"]["start_date"].dt.date.tolist() == [dt.date(2026, 1, 5), dt.date(2026, 2, 1)]
    m = result.tables["messages"]
    # The empty row 3 is skipped; M2 keeps sheet row 4.
    assert m["sheet_row"].tolist() == [2, 4]
    assert m["sent_at"].tolist() == [pd.Timestamp("2026-11-20 15:00", tz="UTC"),
                                     pd.Timestamp("2026-11-20 16:30:15", tz="UTC")]
    assert m["client_id"].tolist() == ["007", "7"]
    assert [bool(v) for v in m["needs_reply"]] == [True, False]
    assert result.rejects[["tab", "sheet_row", "column", "value"]].values.tolist() == [
        ["feedback", 2, "score", "7.5"]
    ]
    assert result.tables["feedback"]["score"].tolist() == [4.0]


def test_corrupt_xlsx_is_a_source_error(tmp_path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(random.Random(7).randbytes(2048))
    with pytest.raises(SourceError, match=r"broken\.xlsx"):
        read_xlsx(path)


def test_missing_xlsx_is_a_source_error(tmp_path) -> None:
    with pytest.raises(SourceError, match="not found"):
        read_xlsx(tmp_path / "absent.xlsx")


def test_a_csv_row_longer_than_its_header_is_read_not_refused(tmp_path) -> None:
    (tmp_path / "clients.csv").write_text("client_id,client_name\nC01,Acme,a note in an unlabelled column\nC02,B\n")
    tab = read_csv_folder(tmp_path).tabs[0]
    assert tab.header == ["client_id", "client_name"]
    assert [list(r)[:2] for r in tab.rows] == [["C01", "Acme"], ["C02", "B"]]


def test_xlsx_date_cells_outside_the_timestamp_range_reject_their_row(tmp_path) -> None:
    path = tmp_path / "agency.xlsx"
    tabs = {**XLSX_TABS, "clients": [*XLSX_TABS["clients"], ["C09", "Far", None, None, None, dt.date(9999, 12, 31)]],
            "messages": [*XLSX_TABS["messages"],
                         ["M3", "T3", "007", None, "chat", "in", "c", dt.datetime(9999, 12, 31, 23, 59), None]]}
    write_xlsx(path, tabs)

    result = stage(read_xlsx(path), load_column_map())

    errors = result.rejects[result.rejects["severity"] == "error"]
    assert errors[["tab", "sheet_row", "column", "value"]].values.tolist() == [
        ["clients", 4, "start_date", "9999-12-31 00:00:00"],
        ["messages", 5, "sent_at", "9999-12-31 23:59:00"],
        ["feedback", 2, "score", "7.5"],
    ]
    assert "C09" not in result.tables["clients"]["client_id"].tolist()


def test_a_csv_cell_longer_than_the_csv_field_limit_in_a_ragged_row_is_loaded_whole(tmp_path) -> None:
    # Over the csv module's default 131,072-character cap, in a row longer than its header
    # (which sends the file to the csv module). The contract sets no length limit: it loads.
    long_name = "Acme " + "x" * 200_000
    (tmp_path / "clients.csv").write_text(
        f'client_id,client_name\nC01,"{long_name}",a note in an unlabelled column\nC02,Beta\n', encoding="utf-8")

    result = stage(read_csv_folder(tmp_path), load_column_map())

    clients = result.tables["clients"]
    assert clients["client_id"].tolist() == ["C01", "C02"]
    assert clients["client_name"].tolist() == [long_name, "Beta"]
    assert result.rejects.empty


def test_a_csv_with_a_bad_byte_in_a_ragged_row_names_its_file(tmp_path) -> None:
    (tmp_path / "clients.csv").write_text("client_id,client_name\nC01,Acme\n", encoding="utf-8")
    (tmp_path / "team.csv").write_bytes(b"person\nAnna\nBoris,extra,cells\n\xff\xfe broken\n")
    with pytest.raises(SourceError, match=r"^team\.csv "):
        read_csv_folder(tmp_path)


def test_xlsx_whose_sheet_xml_is_cut_short_is_a_source_error_naming_file_and_tab(tmp_path) -> None:
    good, cut = tmp_path / "good.xlsx", tmp_path / "cut.xlsx"
    write_xlsx(good, {"clients": [MINIMAL_TABS["clients"][0], *[[f"C{i}", "Client"] for i in range(300)]]})
    # Opening reads only the workbook part; the sheet's XML is parsed later, row by row.
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(cut, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data[: len(data) // 2] if name.startswith("xl/worksheets/") else data)

    with pytest.raises(SourceError, match=r"^cut\.xlsx is not a readable \.xlsx workbook: tab clients is damaged"):
        read_xlsx(cut)
