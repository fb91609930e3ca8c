from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from targets.csvio import COLUMNS
from targets.models import Target, TargetName

GOOD = """name,type,ra,dec,aliases,redshift,classification
SN 2025aaa,SIDEREAL,10:00:00,+02:00:00,AT 2025aaa;ZTF25abc,0.02,SN Ia
SN 2025bbb,,150.5,-2.25,,,
Origin,sidereal,0,0,,0.0,
"""


def upload(client, text: str | bytes, **extra):
    data = text.encode() if isinstance(text, str) else text
    return client.post(reverse("targets:import"), {"file": SimpleUploadedFile("t.csv", data, "text/csv"), **extra})


def test_import_creates_targets_with_aliases_extras_and_groups(client_for, users, editors):
    response = upload(client_for("editor"), GOOD, change_groups=[editors.pk])
    assert response.status_code == 302
    sn = Target.objects.get(name="SN 2025aaa")
    assert sn.ra == 150.0 and sn.dec == 2.0
    assert sn.alias_names() == ["AT 2025aaa", "ZTF25abc"]
    assert {e.key: e.value for e in sn.extras.all()} == {"redshift": "0.02", "classification": "SN Ia"}
    assert Target.objects.get(name="Origin").ra == 0.0
    assert users["editor"].has_perm("targets.change_target", sn)


def test_a_bad_file_names_every_bad_line_and_saves_nothing(client_for, target):
    bad = """name,ra,dec,aliases
Fine one,10,10,
Bad ra,400,10,
,10,10,
sn-2024ABC,1,1,
Twin,1,1,Fine-One
Short,1
"""
    response = upload(client_for("editor"), bad)
    assert response.status_code == 400
    errors = response.context["report"].errors
    text = "\n".join(errors)
    assert "Line 3 ('Bad ra'): ra: Right ascension must be in [0, 360)" in text
    assert "Line 4: name: This field is required." in text
    assert "Line 5 ('sn-2024ABC'): name:" in text and "already used by target 'SN 2024abc'" in text
    assert "Line 6 ('Twin'): 'Fine-One' is the same name as one on line 2." in text
    assert "Line 7 ('Short'): dec: Required for a sidereal target." in text
    assert "Fine one" not in "".join(Target.objects.values_list("name", flat=True))
    assert Target.objects.count() == 1 and "Nothing was imported" in response.content.decode()


def test_file_level_problems(client_for):
    client = client_for("editor")
    assert "'name' column" in upload(client, "ra,dec\n1,2\n").context["report"].errors[0]
    assert "not UTF-8" in upload(client, "name\nCaf\xe9\n".encode("latin-1")).context["report"].errors[0]
    assert "no targets" in upload(client, "name,ra,dec\n").context["report"].errors[0]
    assert Target.objects.count() == 0


def test_too_many_rows_are_refused(client_for, settings):
    settings.TARGET_IMPORT_MAX_ROWS = 2
    report = upload(client_for("editor"), "name,ra,dec\na,1,1\nb,1,1\nc,1,1\n").context["report"]
    assert "at most 2" in report.errors[0] and Target.objects.count() == 0


def test_export_then_import_round_trips(client_for, users, editors):
    client = client_for("editor")
    assert upload(client, GOOD, change_groups=[editors.pk]).status_code == 302
    exported = b"".join(client.get(reverse("targets:export")).streaming_content)
    before = {t.name: (t.ra, t.dec, t.alias_names(), {e.key: e.value for e in t.extras.all()})
              for t in Target.objects.prefetch_related("names", "extras")}
    Target.objects.all().delete()
    assert TargetName.objects.count() == 0
    response = upload(client, exported)
    assert response.status_code == 302, response.context and response.context["report"].errors
    after = {t.name: (t.ra, t.dec, t.alias_names(), {e.key: e.value for e in t.extras.all()})
             for t in Target.objects.prefetch_related("names", "extras")}
    assert after == before


def errors_of(response) -> list[str]:
    return response.context["report"].errors


def test_header_names_match_in_any_case_and_extra_columns_keep_theirs(client_for):
    text = "Name,TYPE,RA,Dec,Aliases,Name2,Redshift\nSN 2025ccc,sidereal,10:00:00,+02:00:00,AT 2025ccc,ZTF25ccc,0.02\n"
    assert upload(client_for("editor"), text).status_code == 302
    sn = Target.objects.get(name="SN 2025ccc")
    assert (sn.ra, sn.dec) == (150.0, 2.0)
    assert sn.alias_names() == ["AT 2025ccc", "ZTF25ccc"]
    assert {e.key: e.value for e in sn.extras.all()} == {"Redshift": "0.02"}


def test_a_column_named_like_ours_beside_ours_stays_an_extra_field(client_for):
    assert upload(client_for("editor"), "name,ra,dec,RA\nX,1,2,catalogue value\n").status_code == 302
    x = Target.objects.get(name="X")
    assert x.ra == 1.0 and {e.key: e.value for e in x.extras.all()} == {"RA": "catalogue value"}


def test_a_column_named_twice_is_refused(client_for):
    errors = errors_of(upload(client_for("editor"), "Name,ra,dec,NAME\nX,1,2,Y\n"))
    assert errors == ["The header names the column 'name' more than once (columns 1, 4: 'Name', 'NAME'); keep one."]
    assert Target.objects.count() == 0


@pytest.mark.parametrize("separator", ["\t", ";", ","])
def test_tab_and_semicolon_separated_files_are_read(client_for, separator):
    rows = [["name", "ra", "dec", "aliases", "notes"],
            ["SN 2025ddd", "150.5", "-2.25", "AT 2025ddd;ZTF25ddd", "a, b; c"],
            ["Origin", "0", "0", "", ""]]
    text = "\r\n".join(separator.join(f'"{c}"' if (";" in c or "," in c) else c for c in row) for row in rows) + "\r\n"
    response = upload(client_for("editor"), text)
    assert response.status_code == 302, response.context and errors_of(response)
    sn = Target.objects.get(name="SN 2025ddd")
    assert (sn.ra, sn.dec) == (150.5, -2.25) and sn.alias_names() == ["AT 2025ddd", "ZTF25ddd"]
    assert {e.key: e.value for e in sn.extras.all()} == {"notes": "a, b; c"}
    assert Target.objects.get(name="Origin").ra == 0.0


def test_excels_separator_line_is_followed_and_counted(client_for):
    response = upload(client_for("editor"), "sep=;\nname;ra;dec\nA;1;1\nB;400;1\n")
    assert errors_of(response) == ["Line 4 ('B'): ra: Right ascension must be in [0, 360) degrees, not 400."]
    assert upload(client_for("editor"), "sep=;\nname;ra;dec\nA;1;1\n").status_code == 302
    assert Target.objects.get(name="A").ra == 1.0


def test_an_unterminated_quote_is_named_with_its_line(client_for):
    response = upload(client_for("editor"), 'name,ra,dec\nA,1,1\n"B,2,2\nC,3,3\n')
    assert response.status_code == 400
    assert errors_of(response) == ['Line 3: a quoted value starts on this line and is never closed (a " is missing).']
    assert Target.objects.count() == 0


def test_an_unterminated_quote_that_swallows_a_long_file_is_named_with_its_line(client_for):
    rows = "".join(f"T{i},{i % 360},1\n" for i in range(20000))  # more than the csv module's 131,072 characters
    errors = errors_of(upload(client_for("editor"), 'name,ra,dec\nA,1,1\nB,"2,2\n' + rows))
    assert errors == ["Line 3: a value longer than 131,072 characters starts on this line (is a quote left open?)."]


def test_a_stray_quote_is_named_with_its_line(client_for):
    errors = errors_of(upload(client_for("editor"), 'name,ra,dec\nA,1,1\n"B"x,2,2\n'))
    assert errors == ["Line 3: not valid CSV (',' expected after '\"')."]


def test_a_quote_left_open_is_named_where_it_opens_when_a_later_one_closes_it(client_for):
    errors = errors_of(upload(client_for("editor"), 'name,ra,dec\nA,1,"1\nB,2,2\n"C",3,3\n'))
    assert len(errors) == 1 and errors[0].startswith("Line 2: not valid CSV (")
    assert "on line 4, inside a quoted value that began on line 2: is a quote left open?" in errors[0]


def test_lines_are_counted_as_an_editor_shows_them(client_for):
    """A value over two lines, a blank line and a spreadsheet's empty row: the bad row is still named right."""
    text = 'name,ra,dec,notes\nA,1,1,"two\nlines"\n\n,,,\nB,400,1,\n'
    errors = errors_of(upload(client_for("editor"), text))
    assert errors == ["Line 6 ('B'): ra: Right ascension must be in [0, 360) degrees, not 400."]


def test_the_sample_file_is_the_importers_layout_and_imports(client_for):
    client = client_for("editor")
    page = client.get(reverse("targets:import")).content.decode()
    assert f'href="{reverse("targets:import-sample")}"' in page and "<code>pm_ra</code>" in page
    assert "Proper motion in RA (mas/yr)" in page
    response = client.get(reverse("targets:import-sample"))
    assert response["Content-Type"] == "text/csv; charset=utf-8" and "attachment" in response["Content-Disposition"]
    sample = response.content.decode()
    header = sample.splitlines()[0].split(",")
    assert header == [*COLUMNS, "redshift"]
    exported = b"".join(client.get(reverse("targets:export")).streaming_content).decode()
    assert exported.splitlines()[0].split(",")[:len(COLUMNS)] == list(COLUMNS)  # the export's layout too

    imported = upload(client, sample)
    assert imported.status_code == 302, imported.context and errors_of(imported)
    assert set(Target.objects.values_list("name", flat=True)) == {"SN 2011fe", "Barnard's Star", "2P/Encke"}
    assert Target.objects.get(name="Barnard's Star").pm_dec == 10362.394
    assert Target.objects.get(name="2P/Encke").scheme == "MPC_COMET"
    assert Target.objects.get(name="SN 2011fe").alias_names() == ["PTF11kly"]


def test_blank_lines_above_the_header_and_empty_trailing_cells_are_forgiven(client_for):
    assert upload(client_for("editor"), "\n\nname;ra;dec\nA;1;1;;\n").status_code == 302
    assert Target.objects.get(name="A").dec == 1.0


def test_an_extra_field_a_database_would_refuse_is_named_with_its_line(client_for, settings):
    """NUL in an extra column was a 500 on PostgreSQL; a too long value was refused without its line."""
    nul = chr(0)
    errors = errors_of(upload(client_for("editor"), f"name,ra,dec,notes\nA,1,1,fine\nB,1,1,bad{nul}value\n"))
    assert errors == ["Line 3 ('B'): Extra field 'notes' holds a NUL character."]
    errors = errors_of(upload(client_for("editor"), f"name,ra,dec,no{nul}tes\nA,1,1,x\n"))
    assert errors == ["Line 2 ('A'): Extra field 'notes' holds a NUL character."]
    settings.TEXT_VALUE_MAX_LENGTH = 10
    errors = errors_of(upload(client_for("editor"), "name,ra,dec,notes\nA,1,1,fine\nB,1,1,far too long here\n"))
    assert errors == ["Line 3 ('B'): The value of extra field 'notes' is 17 characters long; at most 10 are kept "
                      "(TEXT_VALUE_MAX_LENGTH)."]
    assert Target.objects.count() == 0
