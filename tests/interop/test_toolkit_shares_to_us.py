"""A real TOM Toolkit 3.1.0 shares a target, a list, photometry (with non-detections), a spectrum and a data
product file into our TOM, through its own sharing functions; then shares everything again."""
from __future__ import annotations

import pytest

from dataproducts.models import DataProduct, Ingest, ReducedDatum
from targets.models import Target, TargetList

pytestmark = pytest.mark.interop


def snapshot():
    return (Target.objects.count(), ReducedDatum.objects.count(), DataProduct.objects.count(),
            sorted(TargetList.objects.values_list("name", flat=True)))


def test_a_toolkit_tom_shares_everything_and_sharing_again_adds_nothing(toolkit):
    first = toolkit.share(1)
    assert first["target"]["status"] == 201, first
    assert first["target"]["body"]["message"] == "Target successfully uploaded."
    assert first["plus_target"]["status"] == 201, first
    assert first["data"]["message"] == "6 of 6 datums successfully saved.", first
    assert first["product"]["status"] == 201, first

    sn = Target.objects.get(name="SN 2026tom")
    assert (sn.ra, sn.dec, sn.shared_by, sn.shared_from) == (150.125, -2.25, "alice", "Toolkit TOM")
    assert sorted(sn.alias_names()) == ["AT 2026tom", "ZTF26aabbcc"]
    assert {e.key: e.value for e in sn.extras.all()} == {"redshift": "0.031", "classification": "SN Ia"}
    plus = Target.objects.get(name="Gaia26+abc")
    assert (plus.ra, plus.dec) == (0.0, 0.0)  # zero is a coordinate, not a missing value
    for name in ("Imported From Toolkit TOM", "Toolkit favourites"):
        assert set(TargetList.objects.get(name=name).targets.values_list("name", flat=True)) == {
            "SN 2026tom", "Gaia26+abc"}

    photometry = ReducedDatum.objects.filter(target=sn, data_type="photometry", data_product=None)
    detections = photometry.exclude(brightness=None).order_by("timestamp")
    assert [(d.brightness, d.brightness_error, d.bandpass, d.telescope) for d in detections] == [
        (18.5, 0.05, "r", "LCO 1m"), (18.7, 0.06, "r", "LCO 1m"), (18.9, 0.07, "r", "LCO 1m")]
    assert photometry.filter(brightness=None).count() == 2  # the non-detections, kept and flagged
    assert all(d.source_name == "Toolkit TOM" for d in photometry)
    spectrum = ReducedDatum.objects.get(target=sn, data_type="spectroscopy")
    assert spectrum.value["flux"] == [1.0, 1.5, 2.0] and spectrum.value["wavelength"][0] == 5000.0
    product = DataProduct.objects.get(target=sn)
    assert product.product_id == "ttk-lc-1" and product.filename == "sn2026tom_lc.csv"
    assert ReducedDatum.objects.filter(data_product=product).count() == 2
    assert set(Ingest.objects.values_list("user__username", flat=True)) == {"toolkit-peer"}

    before = snapshot()
    second = toolkit.share(2)
    assert second["target"]["status"] == 200 and second["target"]["body"]["message"] == "Target successfully updated."
    assert second["product"]["status"] == 200 and second["product"]["body"]["already_exists"] is True
    assert snapshot() == before
