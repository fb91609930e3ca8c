"""The datum table has no foreign-key constraints in the database (``ReducedDatum``'s comment): the insert itself
checks that its targets still exist and holds them until it commits. Runs on both databases."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dataproducts.datums import parse_datum
from dataproducts.models import Ingest, ReducedDatum
from dataproducts.services import save_datums, save_datums_many
from targets.models import Target
from targets.services import create_target
from tests.conftest import sidereal


def phot(magnitude: float) -> dict:
    return parse_datum({"data_type": "photometry", "timestamp": "2024-04-01T06:00:00+00:00",
                        "value": {"magnitude": magnitude, "filter": "g"}})


def test_datums_for_a_target_deleted_meanwhile_are_refused_and_nothing_is_stored(target, users):
    other = create_target(users["superuser"], sidereal("Gone soon"))
    gone_pk = other.pk
    Target.objects.filter(pk=gone_pk).delete()  # deleted after the caller fetched it
    with pytest.raises(ValidationError) as refused:
        save_datums_many([(target, [phot(17.0)]), (other, [phot(17.5)])], origin="stream")
    assert refused.value.message_dict == {"target": [f"Target {gone_pk} no longer exists."]}
    assert not ReducedDatum.objects.exists() and not Ingest.objects.exists()
    assert save_datums(target, [phot(17.0)], origin="stream").statuses == ["created"]


def test_deleting_a_target_still_deletes_its_datums(target):
    save_datums(target, [phot(17.0), phot(17.2)], origin="stream")
    target.delete()
    assert not ReducedDatum.objects.exists()
