"""import_toolkit against TOM Toolkit databases that are odd or hostile: each test copies a real 3.1.0 (or 2.x)
database, changes it with SQL the way old data, other tools or an attacker could, and imports the copy.

Every such row is skipped and named, the rest comes in, and the run behaves the same whether this TOM runs on
SQLite or PostgreSQL (which refuses NUL characters and over-long text that SQLite stores).
"""
from __future__ import annotations

import shutil
import sqlite3

import pytest
from django.contrib.auth.models import User

from dataproducts.models import DataProduct, ReducedDatum
from targets.models import Target, TargetList
from tests.interop.toolkits import TOOLKIT2_VERSION, populated, python_for, run_import, run_manage, snapshot, tallies
from tests.servers import TOOLKIT_VERSION
from toolkit_import.report import CHANGED, SKIPPED

pytestmark = pytest.mark.interop


@pytest.fixture
def copy(tmp_path, tmp_path_factory):
    """A copy of the filled 3.1.0 project's database and media folder, to change; ``copy.sql(...)`` changes it."""
    original = populated(TOOLKIT_VERSION, tmp_path_factory)
    there = tmp_path / "toolkit"  # (tmp_path / "media" is our MEDIA_ROOT)
    there.mkdir()
    shutil.copy(original.database, there / "db.sqlite3")
    shutil.copytree(original.media, there / "media")

    class Copy:
        toolkit = original
        database = str(there / "db.sqlite3")
        media = there / "media"

        def sql(self, statement: str, *params) -> None:
            with sqlite3.connect(self.database) as connection:
                connection.execute("PRAGMA ignore_check_constraints = ON")  # as another tool may have written it
                connection.execute(statement, params)

        def run(self, **options):
            report, _ = run_import(original, database=self.database, media_root=self.media, **options)
            return report

    return Copy()


def joined(report, section: str) -> str:
    return "\n".join(report.notes[section])


def test_file_paths_that_lead_out_of_the_media_folder_are_refused(copy, db, media_root, tmp_path):
    outside = tmp_path / "toolkit" / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not yours")
    (copy.media / "sn-2026imp" / "escape").symlink_to(outside)
    copy.sql("UPDATE tom_dataproducts_dataproduct SET data = ? WHERE product_id = 'imp-lc-1'",
             "../outside/secret.txt")  # a real file, one level up
    copy.sql("UPDATE tom_dataproducts_dataproduct SET data = ? WHERE product_id = 'imp-frame-1'",
             str(outside / "secret.txt"))
    copy.sql("UPDATE tom_dataproducts_dataproduct SET data = ? WHERE product_id = 'imp-gone'",
             "sn-2026imp/escape/secret.txt")
    report = copy.run()
    assert DataProduct.objects.count() == 0
    assert joined(report, SKIPPED).count("leads outside the media folder") == 3
    assert snapshot(media_root)["files"] == []
    sn = Target.objects.get(name="SN 2026imp")
    assert ReducedDatum.objects.filter(target=sn, brightness__in=[18.51, 18.62]).count() == 2  # kept, unlinked


def test_nul_characters_and_overlong_text_are_refused_alike_on_sqlite_and_postgresql(copy, db, media_root):
    copy.sql("UPDATE tom_targets_basetarget SET name = 'Ve' || char(0) || 'ga' WHERE name = 'Vega'")
    copy.sql("UPDATE tom_targets_targetname SET name = 'ZTF26' || char(0) || 'imp' WHERE name = 'ZTF26impaaa'")
    copy.sql("UPDATE tom_targets_targetextra SET value = 'SN' || char(0) WHERE key = 'classification'")
    copy.sql("UPDATE tom_targets_targetlist SET name = 'Follow' || char(0) WHERE name = 'Follow-up'")
    copy.sql("UPDATE auth_user SET first_name = 'Car' || char(0) || 'ol' WHERE username = 'carol'")
    copy.sql("UPDATE auth_user SET last_name = ? WHERE username = 'dave'", "x" * 151)
    copy.sql("UPDATE auth_group SET name = 'Read' || char(0) WHERE name = 'Readers'")
    copy.sql("UPDATE tom_dataproducts_photometryreduceddatum SET bandpass = 'r' || char(0) WHERE brightness = 18.7")
    copy.sql("UPDATE tom_dataproducts_photometryreduceddatum SET telescope = ? WHERE brightness = 18.9", "T" * 256)
    copy.sql("UPDATE tom_dataproducts_reduceddatum SET value = ? WHERE data_type = 'polarimetry'",
             '{"p": "0.02\\u0000"}')
    copy.sql("UPDATE tom_dataproducts_dataproduct SET extra_data = 'x' || char(0) WHERE product_id = 'imp-frame-1'")
    report = copy.run()

    skipped = joined(report, SKIPPED)
    for expected in ("target 'Ve\\x00ga'", "user 'carol'", "first_name has a NUL character", "user 'dave'",
                     "last_name is longer than 150 characters", "group 'Read\\x00'", "target list 'Follow\\x00'",
                     "bandpass: contains a NUL character", "telescope: is longer than 255 characters",
                     "value: contains a NUL character", "data product 'frame.fits'"):
        assert expected in skipped, expected
    changed = joined(report, CHANGED)
    assert "alias 'ZTF26\\x00imp' dropped" in changed and "extra field 'classification' dropped" in changed
    sn = Target.objects.get(name="SN 2026imp")  # the rest of it came
    assert sn.alias_names() == ["AT 2026imp"] and [e.key for e in sn.extras.all()] == ["redshift"]
    assert ReducedDatum.objects.filter(target=sn, brightness=18.5).exists()
    assert not TargetList.objects.filter(name__startswith="Follow").exists()


def test_values_of_the_wrong_kind_skip_only_their_own_row(copy, db, media_root):
    copy.sql("UPDATE tom_dataproducts_photometryreduceddatum SET brightness = 'bright' WHERE brightness = 18.7")
    copy.sql("UPDATE tom_dataproducts_photometryreduceddatum SET timestamp = 'yesterday' WHERE brightness = 18.9")
    copy.sql("UPDATE tom_dataproducts_photometryreduceddatum SET timestamp = '99999-01-01 00:00:00' "
             "WHERE brightness = 18.51")
    copy.sql("UPDATE tom_dataproducts_photometryreduceddatum SET value = '{broken' WHERE brightness = 18.5")
    copy.sql("UPDATE tom_dataproducts_spectroscopyreduceddatum SET flux = '[1.0, \"a lot\", 2.0]' "
             "WHERE telescope = 'FTN'")
    copy.sql("UPDATE tom_targets_basetarget SET ra = 'north' WHERE name = 'Vega'")
    report = copy.run()

    skipped = joined(report, SKIPPED)
    assert "brightness: 'bright' is not a number" in skipped
    assert skipped.count("timestamp:") == 2
    assert "value" in skipped and "Expecting property name" in skipped
    assert "flux: must be a list of numbers" in skipped
    assert "target 'Vega'" in skipped and "ra:" in skipped
    assert tallies(report)["datums"] == (8, 1, 6)  # 15 there: 6 unreadable (5 made so here), 1 repeat
    sn = Target.objects.get(name="SN 2026imp")
    assert sorted(ReducedDatum.objects.filter(target=sn, data_type="photometry").exclude(brightness=None)
                  .values_list("brightness", flat=True)) == [18.62, 19.0]


def test_the_fields_of_a_projects_own_target_model_become_extra_fields(copy, db, media_root):
    copy.sql("CREATE TABLE custom_code_userdefinedtarget (basetarget_ptr_id integer NOT NULL PRIMARY KEY "
             "REFERENCES tom_targets_basetarget (id), discovery_mag real NULL, host_galaxy varchar(50) NOT NULL)")
    copy.sql("INSERT INTO custom_code_userdefinedtarget SELECT id, 17.25, 'NGC 1234' FROM tom_targets_basetarget "
             "WHERE name = 'SN 2026imp'")
    copy.sql("INSERT INTO django_content_type (app_label, model) VALUES ('custom_code', 'userdefinedtarget')")
    report = copy.run()
    extras = {e.key: e.value for e in Target.objects.get(name="SN 2026imp").extras.all()}
    assert extras == {"redshift": "0.021", "classification": "SN Ia", "discovery_mag": "17.25",
                      "host_galaxy": "NGC 1234"}
    assert "custom_code_userdefinedtarget: discovery_mag, host_galaxy" in joined(report, CHANGED)


def test_an_old_2x_database_from_before_target_became_basetarget(tmp_path, tmp_path_factory, db, media_root):
    """The 2.x project migrated back (by the TOM Toolkit itself) to tom_targets 0020: ``tom_targets_target``,
    no ``permissions`` column, content type ``tom_targets.target`` for its permissions."""
    original = populated(TOOLKIT2_VERSION, tmp_path_factory)
    project = tmp_path / "project"
    shutil.copytree(original.project, project)
    run_manage(python_for(TOOLKIT2_VERSION), project, "migrate", "tom_targets", "0020", "-v0")
    with sqlite3.connect(project / "db.sqlite3") as connection:
        assert connection.execute("SELECT count(*) FROM tom_targets_target").fetchone() == (7,)
    report, _ = run_import(original, database=str(project / "db.sqlite3"), media_root=project / "media")
    assert report.schema.startswith("TOM Toolkit 2.x schema") and "tom_targets 0020" in report.schema
    assert tallies(report)["targets"] == (5, 0, 2) and tallies(report)["datums"] == (11, 1, 1)
    sn = Target.objects.get(name="SN 2026imp")
    assert sn.alias_names() == ["AT 2026imp", "ZTF26impaaa"]
    assert sorted(Target.objects.visible_to(User.objects.get(username="bob")).values_list("name", flat=True)) == [
        "Gaia26xyz", "SN 2026imp"]  # his own, and his group's (Vega's PUBLIC flag did not exist yet)
