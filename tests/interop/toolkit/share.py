"""Run inside the generated TOM Toolkit project (its manage.py shell): make data, then share it with "ours"
through the TOM Toolkit's own sharing functions, as its share pages do. Prints one JSON line of outcomes.

Usage: python manage.py shell < share.py   (env SHARE_ROUND=1 creates the data first; 2 only shares again)
"""
import json
import os
from datetime import datetime, timedelta, timezone

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from tom_dataproducts.models import (
    DataProduct,
    PhotometryReducedDatum,
    SpectroscopyReducedDatum,
)
from tom_dataproducts.sharing import share_data_with_tom
from tom_targets.models import Target, TargetList
from tom_targets.sharing import share_target_with_tom

CSV = "time,filter,magnitude,error\n60400.1,g,18.51,0.04\n60401.1,g,18.62,0.05\n"


def outcome(response):
    if isinstance(response, dict):
        return {"message": response.get("message")}
    try:
        body = response.json()
    except ValueError:
        body = response.text[:500]
    return {"status": response.status_code, "body": body}


if os.environ.get("SHARE_ROUND") == "1":
    alice = User.objects.create_superuser("alice", "alice@example.org", "alice-password")
    sn = Target.objects.create(name="SN 2026tom", type="SIDEREAL", ra=150.125, dec=-2.25, epoch=2000)
    sn.save(extras={"redshift": "0.031", "classification": "SN Ia"}, names=["ZTF26aabbcc", "AT 2026tom"])
    plus = Target.objects.create(name="Gaia26+abc", type="SIDEREAL", ra=0.0, dec=0.0)
    favourites = TargetList.objects.create(name="Toolkit favourites")
    favourites.targets.add(sn, plus)
    when = datetime(2026, 4, 1, 3, 0, tzinfo=timezone.utc)
    for hours, brightness, error in ((0, 18.5, 0.05), (24, 18.7, 0.06), (48, 18.9, 0.07)):
        PhotometryReducedDatum.objects.create(
            target=sn, timestamp=when + timedelta(hours=hours), brightness=brightness,
            brightness_error=error, bandpass="r", telescope="LCO 1m", instrument="Sinistro", unit="AB mag")
    for hours in (72, 96):  # non-detections: a 3.1.0 sender drops the limit on the wire
        PhotometryReducedDatum.objects.create(
            target=sn, timestamp=when + timedelta(hours=hours), brightness=None, limit=20.5,
            bandpass="r", telescope="LCO 1m", instrument="Sinistro", unit="AB mag")
    SpectroscopyReducedDatum.objects.create(
        target=sn, timestamp=when, telescope="FTN", instrument="FLOYDS", flux=[1.0, 1.5, 2.0],
        wavelength=[5000.0, 5001.0, 5002.0], flux_unit="erg / (Angstrom cm2 s)", wavelength_unit="Angstrom")
    product = DataProduct(target=sn, product_id="ttk-lc-1", data_product_type="photometry")
    product.data.save("sn2026tom_lc.csv", ContentFile(CSV.encode()), save=True)

alice = User.objects.get(username="alice")
sn = Target.objects.get(name="SN 2026tom")
plus = Target.objects.get(name="Gaia26+abc")
favourites = TargetList.objects.get(name="Toolkit favourites")
product = DataProduct.objects.get(product_id="ttk-lc-1")
results = {
    "target": outcome(share_target_with_tom("ours", {"target": sn}, target_lists=[favourites], user=alice)),
    "plus_target": outcome(share_target_with_tom("ours", {"target": plus}, target_lists=[favourites], user=alice)),
    "data": outcome(share_data_with_tom("ours", {}, target_id=sn.pk)),
    "product": outcome(share_data_with_tom("ours", {}, product_id=product.pk)),
}
print("RESULTS " + json.dumps(results))
