"""What the pages and the admin call things, in English: plurals agree with their counts, model names are words
(issue 12 item 12)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dataproducts.services import upload_data_product
from targets.services import create_target_list

ROOT = Path(__file__).resolve().parents[2]
OUR_APPS = ("tom", "targets", "dataproducts", "sharing", "alertstreams")

# Every model of ours and every model the admin shows: (verbose name, plural) as the admin prints them.
NAMES = {
    "tom.ApiToken": ("API token", "API tokens"),
    "tom.TomIdentity": ("TOM identity", "TOM identity"),  # one row, never listed
    "targets.Target": ("target", "targets"),
    "targets.TargetName": ("target name", "target names"),
    "targets.TargetExtra": ("target extra", "target extras"),
    "targets.TargetList": ("target list", "target lists"),
    "targets.TargetUserObjectPermission": ("target user object permission", "target user object permissions"),
    "targets.TargetGroupObjectPermission": ("target group object permission", "target group object permissions"),
    "targets.TargetListUserObjectPermission": ("target list user object permission",
                                               "target list user object permissions"),
    "targets.TargetListGroupObjectPermission": ("target list group object permission",
                                                "target list group object permissions"),
    "dataproducts.DataProduct": ("data product", "data products"),
    "dataproducts.Ingest": ("ingest", "ingests"),
    "dataproducts.ReducedDatum": ("reduced datum", "reduced data"),
    "sharing.ShareRecord": ("share record", "share records"),
    "sharing.PersistentShare": ("continuous share", "continuous shares"),
    "sharing.Delivery": ("delivery", "deliveries"),
    "alertstreams.DeadLetter": ("dead letter", "dead letters"),
    "alertstreams.IngestedMessage": ("ingested message", "ingested messages"),
    # other apps' models the admin shows
    "auth.Group": ("group", "groups"),
    "auth.User": ("user", "users"),
    "django_tasks_database.DBTaskResult": ("Task Result", "Task Results"),
    "axes.AccessAttempt": ("access attempt", "access attempts"),
    "axes.AccessLog": ("access log", "access logs"),
    "axes.AccessFailureLog": ("access failure", "access failures"),
}


def test_every_model_is_named_in_words():
    models = {m._meta.label for m in apps.get_models() if m._meta.app_label in OUR_APPS} | {
        m._meta.label for m in admin.site._registry}
    names = {label: (str(apps.get_model(label)._meta.verbose_name), str(apps.get_model(label)._meta.verbose_name_plural))
             for label in models}
    assert names == NAMES
    # what a default plural gets wrong: "deliverys", "reduced datums", "api tokens", "...s s"
    wrong = [p for _, p in names.values() if re.search(r"[^aeiou]ys$|datums$|\bapi\b|ss$|s s$", p)]
    assert wrong == []


def test_no_count_hedges_with_brackets():
    """ "3 target(s)": counts say "1 target" and "3 targets" (ngettext, |pluralize)."""
    def text_of(path: Path, line: str) -> str:  # Python: what its strings say (not calls such as str(s))
        return " ".join(re.findall(r"\"[^\"]*\"|'[^']*'", line)) if path.suffix == ".py" else line

    files = [p for app in (*OUR_APPS, "templates") for p in (ROOT / app).rglob("*") if p.suffix in (".py", ".html")]
    hedged = [f"{path.relative_to(ROOT)}:{number}" for path in files
              for number, line in enumerate(path.read_text().splitlines(), start=1)
              if re.search(r"[a-z]\(s\)", text_of(path, line).replace("http(s)", ""))]
    assert hedged == []


def test_counts_of_one_are_singular(client_for, users, editors, target, settings):
    client = client_for("editor")
    csv = SimpleUploadedFile("one.csv", b"mjd,filter,mag\n60400.5,g,18.5\n", "text/csv")
    upload = client.post(reverse("dataproducts:upload", args=[target.pk]),
                         {"file": csv, "data_product_type": "photometry"}, headers={"HX-Request": "true"})
    assert "Stored one.csv: 1 new data point." in upload.content.decode()
    product = target.data_products.get()
    assert "the 1 data point taken from it" in client.get(reverse("dataproducts:delete", args=[product.pk])).content.decode()
    deleted = client.post(reverse("dataproducts:delete", args=[product.pk]), headers={"HX-Request": "true"})
    assert "Deleted one.csv and its 1 data point." in deleted.content.decode()

    tonight = create_target_list(users["editor"], "Tonight", [], [editors])
    added = client.post(reverse("targets:list-add"), {"targets": [target.pk], "target_list": tonight.pk}, follow=True)
    assert "Added 1 target to Tonight." in added.content.decode()
    assert "1–1 of 1 target</p>" in added.content.decode()
    removed = client.post(reverse("targets:list-remove", args=[tonight.pk]), {"targets": [target.pk]}, follow=True)
    assert "Removed 1 target from Tonight." in removed.content.decode()
    assert "1–1 of 1 target\n" in client.get(reverse("targets:list")).content.decode()

    imported = client.post(reverse("targets:import"), {"file": SimpleUploadedFile(
        "targets.csv", b"name,ra,dec\nImported One,10,20\n", "text/csv")}, follow=True)
    assert "Imported 1 target." in imported.content.decode()


@pytest.mark.parametrize("count,words", [(1, "1 datum: 1 photometry."), (2, "2 datums: 2 photometry.")])
def test_the_preview_counts_datums_in_words(client_for, settings, target, count, words):
    settings.DATA_SHARING = {"peer": {"BASE_URL": "http://127.0.0.1:9/", "USERNAME": "u", "PASSWORD": "p"}}
    rows = "".join(f"6040{i}.5,g,18.5\n" for i in range(count)).encode()
    upload_data_product(target, SimpleUploadedFile("lc.csv", b"mjd,filter,mag\n" + rows), "photometry")
    preview = client_for("editor").post(reverse("sharing:preview", args=[target.pk]),
                                        {"destination": "peer", "scope": "matching"}, headers={"HX-Request": "true"})
    assert words in preview.content.decode()
