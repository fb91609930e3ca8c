"""One way in: parse_datum for every shape senders use, save_datums for every path."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from django.core.exceptions import ValidationError

from dataproducts.datums import DatumError, fingerprint, parse_datum
from dataproducts.models import Ingest, ReducedDatum
from dataproducts.services import save_datums
from dataproducts.signals import datums_created

WHEN = "2024-04-01T06:00:00+00:00"


def phot(**value):
    return {"data_type": "photometry", "timestamp": WHEN, "source_name": "ZTF", "value": value}


def test_toolkit_2x_and_3x_photometry_keys_mean_the_same_datum():
    old = parse_datum(phot(magnitude=18.5, error=0.05, filter="r", telescope="P48"))
    new = parse_datum(phot(brightness=18.5, brightness_error=0.05, bandpass="r", telescope="P48"))
    assert old["brightness"] == new["brightness"] == 18.5 and old["bandpass"] == "r" and old["value"] == {}
    assert fingerprint(old) == fingerprint(new)


def test_keys_under_value_are_lifted_and_unknown_keys_kept():
    datum = parse_datum(phot(mag="17.25", mag_err=0.1, band="g", observer="Ana", limit=None))
    assert datum["brightness"] == 17.25 and datum["brightness_error"] == 0.1
    assert datum["value"] == {"observer": "Ana"}


def test_non_detections_with_a_limit_or_with_nothing_are_kept_and_collide():
    limit = parse_datum(phot(limit=20.5, filter="r"))
    assert limit["brightness"] is None and limit["limit"] == 20.5
    bare = parse_datum(phot(brightness=None, bandpass="r"))  # what a 3.1.0 sender sends for a non-detection
    assert fingerprint(bare) == fingerprint(parse_datum(phot(brightness=None, bandpass="r")))
    assert fingerprint(bare) != fingerprint(limit)


@pytest.mark.parametrize("raw,field", [
    ({"data_type": "photometry", "timestamp": "yesterday", "value": {}}, "timestamp"),
    ({"timestamp": WHEN, "value": {}}, "data_type"),
    (phot(magnitude="bright"), "brightness"),
    (phot(filter="x" * 40), "bandpass"),
    ({"data_type": "spectroscopy", "timestamp": WHEN, "value": {"flux": [1, 2], "wavelength": [1]}}, "flux"),
    ({"data_type": "photometry", "timestamp": WHEN, "value": "not json"}, "value"),
])
def test_bad_datums_name_the_field(raw, field):
    with pytest.raises(DatumError) as err:
        parse_datum(raw)
    assert err.value.field == field


def test_spectra_in_every_generation():
    modern = parse_datum({"data_type": "spectroscopy", "timestamp": WHEN, "value": {
        "flux": [1, 2], "wavelength": [4000, 4001], "flux_units": "erg", "wavelength_unit": "AA"}})
    assert modern["value"] == {"flux": [1.0, 2.0], "wavelength": [4000.0, 4001.0], "flux_units": "erg",
                               "wavelength_units": "AA"}
    toolkit_3 = parse_datum({"data_type": "spectroscopy", "timestamp": WHEN, "value": {
        "flux": [1, 2], "wavelength": [4000, 4001], "error": [], "flux_unit": "mJy", "telescope": "FTN"}})
    assert "error" not in toolkit_3["value"] and toolkit_3["telescope"] == "FTN"
    legacy = parse_datum({"data_type": "spectroscopy", "timestamp": WHEN, "value": {
        "0": {"flux": 1, "wavelength": 4000}, "1": {"flux": 2, "wavelength": 4001}}})
    assert legacy["value"]["flux"] == [1.0, 2.0]


def test_save_reports_created_and_existing_and_skips_duplicates_in_the_same_batch(target, users):
    first = [parse_datum(phot(magnitude=18.0 + i / 10, filter="g")) for i in range(3)]
    result = save_datums(target, first + [first[0]], origin="api", user=users["editor"], received_from="Peer TOM")
    assert result.statuses == ["created", "created", "created", "existing"]
    assert result.created == 3 and result.existing == 1
    partial = save_datums(target, first[:1] + [parse_datum(phot(magnitude=19.9, filter="g"))], origin="api")
    assert partial.statuses == ["existing", "created"] and partial.created_datums().get().brightness == 19.9
    again = save_datums(target, first, origin="api")
    assert again.statuses == ["existing"] * 3 and again.ingest is None and not again.created_datums().exists()
    stored = ReducedDatum.objects.filter(target=target)
    assert stored.count() == 4
    ingest = stored.get(brightness=18.0).ingest
    assert (ingest.origin, ingest.user, ingest.received_from) == ("api", users["editor"], "Peer TOM")
    assert Ingest.objects.count() == 2  # the all-duplicate batch left no provenance row behind


def test_a_bad_row_names_itself_and_nothing_is_stored(target):
    good = parse_datum(phot(magnitude=18.0, filter="g"))
    bad = dict(good, brightness="18", timestamp=datetime(2024, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(ValidationError) as err:
        save_datums(target, [good, bad], origin="api")
    assert err.value.messages == ["Row 2: brightness: '18' is not a number."]
    assert not ReducedDatum.objects.exists() and not Ingest.objects.exists()


def test_created_datums_are_announced_after_commit(target, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, target, ingest, count, **kwargs):
        heard.append((target.pk, sorted(ingest.reduced_data.values_list("pk", flat=True)), count))

    datums_created.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            result = save_datums(target, [parse_datum(phot(magnitude=18.0, filter="g"))], origin="manual")
        assert heard == []  # nothing before the commit
        for callback in callbacks:
            callback()
        assert heard == [(target.pk, sorted(result.created_datums().values_list("pk", flat=True)), 1)]
    finally:
        datums_created.disconnect(listener)


def test_the_database_refuses_a_second_copy_whatever_the_path(target):
    from django.db import IntegrityError, transaction

    save_datums(target, [parse_datum(phot(magnitude=18.0, filter="g"))], origin="api")
    existing = ReducedDatum.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReducedDatum.objects.create(target=target, data_type="photometry", timestamp=existing.timestamp,
                                    ingest=existing.ingest, fingerprint=existing.fingerprint)


def test_many_targets_in_one_call_each_get_their_statuses_and_their_announcement(target, users,
                                                                                django_capture_on_commit_callbacks):
    from dataproducts.services import save_datums_many
    from targets.services import create_target
    from tests.conftest import sidereal

    other = create_target(users["superuser"], sidereal("Other 1"))
    same = phot(magnitude=18.0, filter="g")
    save_datums(other, [parse_datum(same)], origin="manual")  # already there, for the other target only
    heard = []

    def listener(sender, target, ingest, count, **kwargs):
        heard.append((target.pk, count))

    datums_created.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first, second = save_datums_many(
                [(target, [parse_datum(same), parse_datum(phot(magnitude=18.5, filter="r"))]),
                 (other, [parse_datum(same), parse_datum(same)])], origin="manual")
    finally:
        datums_created.disconnect(listener)
    assert (first.statuses, second.statuses) == (["created", "created"], ["existing", "existing"])
    assert heard == [(target.pk, 2)]
    assert first.ingest is not None and second.ingest is None
    assert sorted(first.created_datums().values_list("bandpass", flat=True)) == ["g", "r"]
    assert ReducedDatum.objects.filter(target=other).count() == 1

    bad = {**parse_datum(phot(magnitude=1.0, filter="V")), "brightness": "bright"}
    with pytest.raises(ValidationError, match="Row 2: brightness"):  # counted within its own target's list
        save_datums_many([(target, [parse_datum(phot(magnitude=2.0, filter="V"))]),
                          (other, [parse_datum(phot(magnitude=3.0, filter="V")), bad])], origin="manual")
    assert not ReducedDatum.objects.filter(bandpass="V").exists()


def test_rows_made_chunk_by_chunk_keep_every_status_whatever_chunk_a_repeat_or_an_old_datum_is_in(
        target, users, monkeypatch, django_capture_on_commit_callbacks):
    """The insert makes its rows a chunk at a time as the database takes them (PostgreSQL writes one chunk while
    the next is made). With chunks of 3: a datum repeated two chunks later is sent once, one already stored in the
    fourth chunk stops the direct COPY after chunks were sent (PostgreSQL then stages all of them), and the
    statuses, counts and announcement are the one-chunk ones."""
    from dataproducts import services
    from targets.services import create_target
    from tests.conftest import sidereal

    monkeypatch.setattr(services, "CHUNK", 3)
    datums = [parse_datum(phot(magnitude=15.0 + i / 10, filter="g")) for i in range(14)]
    other = create_target(users["superuser"], sidereal("Other 1"))
    first, second = services.save_datums_many([(target, datums[:8] + [datums[1]]), (other, datums[:4])],
                                              origin="api")
    assert first.statuses == ["created"] * 8 + ["existing"] and second.statuses == ["created"] * 4
    assert len(set(first.fingerprints)) == 8 and first.fingerprints[8] == first.fingerprints[1]
    assert ReducedDatum.objects.filter(target=target).count() == 8
    assert ReducedDatum.objects.filter(target=other).count() == 4
    heard = []
    datums_created.connect(listener := lambda sender, target, ingest, count, **kw: heard.append(count))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            again = save_datums(target, datums[8:11] + [datums[11], datums[2]] + datums[12:] + [datums[11]],
                                origin="api")
    finally:
        datums_created.disconnect(listener)
    assert again.statuses == ["created"] * 4 + ["existing"] + ["created"] * 2 + ["existing"]
    assert ReducedDatum.objects.filter(target=target).count() == 14 and heard == [6]
    assert sorted(again.created_datums().values_list("brightness", flat=True)) == [15.8 + i / 10 for i in range(6)]
