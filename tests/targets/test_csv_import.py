from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

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
