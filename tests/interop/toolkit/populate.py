"""Run inside a generated TOM Toolkit project (``manage.py shell < populate.py``), 2.x or 3.x: fill it through
the TOM Toolkit's own ORM with one of everything the importer brings over, and some of what it cannot.

Prints one line ``JSON {...}``: what the TOM Toolkit itself says about the result (which targets and lists
each user may view or change, the API token keys), for the tests to compare with what arrives.
"""
import json
import os
from datetime import datetime, timedelta, timezone

from django.contrib.auth.models import Group, Permission, User
from django.core.files.base import ContentFile
from guardian.shortcuts import assign_perm, get_objects_for_user
from rest_framework.authtoken.models import Token
from tom_dataproducts.models import DataProduct, ReducedDatum
from tom_observations.models import ObservationRecord
from tom_targets.models import PersistentShare, Target, TargetList, TargetName
from tom_targets.permissions import targets_for_user

try:  # 3.x: typed datum tables
    from tom_dataproducts.models import AstrometryReducedDatum, PhotometryReducedDatum, SpectroscopyReducedDatum
    THREE = True
except ImportError:
    THREE = False

UTC = timezone.utc
WHEN = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)
LIGHT_CURVE = "time,filter,magnitude,error\n60400.1,g,18.51,0.04\n60401.1,g,18.62,0.05\n"


def perm(app_label, codename):
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


def give(user_or_group, target, *actions):
    for action in actions:
        assign_perm(f"tom_targets.{action}_target", user_or_group, target)


# Accounts
alice = User.objects.create_superuser("alice", "alice@example.org", "alice-toolkit-pw")
bob = User.objects.create_user("bob", "bob@example.org", "bob-toolkit-pw", first_name="Bob", last_name="Builder")
carol = User.objects.create_user("carol", "carol@example.org", "carol-toolkit-pw")
dave = User.objects.create_user("dave", "dave@example.org", "dave-toolkit-pw")
eve = User.objects.create_user("eve", "eve@example.org", "eve-toolkit-pw")  # exists in our TOM too
frank = User.objects.create_user("frank", "frank@example.org", "frank-toolkit-pw", is_active=False)
observers = Group.objects.create(name="Observers")
readers = Group.objects.create(name="Readers")
bob.groups.add(observers)
carol.groups.add(readers)
bob.user_permissions.add(perm("tom_targets", "add_target"))
observers.permissions.add(perm("tom_targets", "add_targetlist"))
dave.user_permissions.add(perm("tom_observations", "add_observationrecord"))  # nothing here holds it

# Targets
sn = Target.objects.create(name="SN 2026imp", type="SIDEREAL", ra=150.125, dec=-2.25, epoch=2000.0, pm_ra=1.5,
                           pm_dec=-0.5, parallax=0.25, distance=1200.0, distance_err=50.0)
sn.save(extras={"redshift": "0.021", "classification": "SN Ia"}, names=["AT 2026imp", "ZTF26impaaa"])
if THREE:
    Target.objects.filter(pk=sn.pk).update(shared_by="zoe", shared_from="Another TOM")
comet = Target.objects.create(
    name="C/2026 A1 (Import)", type="NON_SIDEREAL", scheme="MPC_COMET", epoch_of_elements=61000.0, inclination=45.0,
    lng_asc_node=120.0, arg_of_perihelion=30.0, eccentricity=0.99, perihdist=1.2, epoch_of_perihelion=61050.0,
    abs_mag=12.0, slope=4.0, ephemeris_period=3.5, ephemeris_period_err=0.1, ephemeris_epoch=61000.5,
    ephemeris_epoch_err=0.01, mean_daily_motion=0.01, mean_anomaly=10.0, semimajor_axis=3.0)
vega = Target.objects.create(name="Vega", type="SIDEREAL", ra=279.2347, dec=38.7837, permissions="PUBLIC")
gaia = Target.objects.create(name="Gaia26xyz", type="SIDEREAL", ra=0.0, dec=0.0)
TargetName.objects.create(target=gaia, name="at2026imp")  # another target's alias, in another spelling
TargetName.objects.create(target=gaia, name="GAIA26XYZ")  # its own name, in another spelling
twin = Target.objects.create(name="sn2026imp", type="SIDEREAL", ra=10.0, dec=10.0)  # SN 2026imp, in our rule
bad = Target.objects.create(name="Bad declination", type="SIDEREAL", ra=10.0, dec=95.0)
odd = Target.objects.create(name="Odd orbit", type="NON_SIDEREAL", scheme="JPL_COMET", epoch_of_elements=61000.0,
                            inclination=1.0, lng_asc_node=1.0, arg_of_perihelion=1.0, eccentricity=0.5)

# Lists
follow_up = TargetList.objects.create(name="Follow-up")
follow_up.targets.add(sn, comet, bad)
first_dup = TargetList.objects.create(name="Dup")
first_dup.targets.add(sn)
second_dup = TargetList.objects.create(name="Dup")
second_dup.targets.add(vega)
spaced = TargetList.objects.create(name="  Spaced  ")
spaced.targets.add(gaia)

# Object permissions, as the TOM Toolkit's views grant them (the creator, and the groups chosen)
for target in (sn, comet, vega, twin, bad, odd):
    give(alice, target, "view", "change", "delete")
give(bob, gaia, "view", "change", "delete")
give(observers, sn, "view", "change")
give(readers, gaia, "view")
give(dave, comet, "view")
give(carol, bad, "view")
for target_list in (follow_up, first_dup, second_dup, spaced):
    for action in ("view", "change", "delete"):
        assign_perm(f"tom_targets.{action}_targetlist", alice, target_list)
assign_perm("tom_targets.view_targetlist", readers, follow_up)
assign_perm("tom_targets.view_targetlist", bob, second_dup)

# Data products: one with a file, one whose file is gone, one from an observation
product = DataProduct(target=sn, product_id="imp-lc-1", data_product_type="photometry", featured=True,
                      extra_data="reduced by hand")
product.data.save("sn2026imp_lc.csv", ContentFile(LIGHT_CURVE.encode()), save=True)
gone = DataProduct(target=comet, product_id="imp-gone", data_product_type="spectroscopy")
gone.data.save("comet_spectrum.txt", ContentFile(b"5000 1.0\n5001 1.1\n"), save=True)
os.remove(gone.data.path)
observation = ObservationRecord.objects.create(target=sn, facility="LCO", parameters={}, observation_id="obs-1",
                                               status="COMPLETED")
frame = DataProduct(target=sn, product_id="imp-frame-1", data_product_type="fits_file",
                    observation_record=observation)
frame.data.save("frame.fits", ContentFile(b"SIMPLE  =                    T" + b" " * 50), save=True)
assign_perm("tom_dataproducts.view_dataproduct", observers, product)  # data follow their target here

# Reduced data
hours = [WHEN + timedelta(hours=24 * i) for i in range(8)]
if THREE:
    for moment, brightness, error in zip(hours, (18.5, 18.7, 18.9), (0.05, 0.06, 0.07)):
        PhotometryReducedDatum.objects.create(target=sn, timestamp=moment, brightness=brightness,
                                              brightness_error=error, bandpass="r", telescope="LCO 1m",
                                              instrument="Sinistro", unit="AB mag", value={"airmass": 1.2})
    for moment in hours[3:5]:  # non-detections: the limit is kept
        PhotometryReducedDatum.objects.create(target=sn, timestamp=moment, brightness=None, limit=20.5,
                                              bandpass="r", telescope="LCO 1m", instrument="Sinistro", unit="AB mag")
    for version in ("v1", "v2"):  # the same point from two reductions: one datum here
        PhotometryReducedDatum.objects.create(target=sn, timestamp=hours[6], brightness=19.0, bandpass="i",
                                              telescope="LCO 1m", instrument="Sinistro", reduction_version=version)
    for moment, brightness in zip(hours[:2], (18.51, 18.62)):
        PhotometryReducedDatum.objects.create(target=sn, data_product=product, timestamp=moment,
                                              brightness=brightness, bandpass="g")
    SpectroscopyReducedDatum.objects.create(
        target=sn, timestamp=WHEN, telescope="FTN", instrument="FLOYDS", flux=[1.0, 1.5, 2.0],
        wavelength=[5000.0, 5001.0, 5002.0], error=[0.1, 0.1, 0.2], flux_unit="erg / (Angstrom cm2 s)",
        wavelength_unit="Angstrom", setup="red arm")
    SpectroscopyReducedDatum.objects.create(target=comet, data_product=gone, timestamp=WHEN, flux=[1.0, 1.1],
                                            wavelength=[5000.0, 5001.0])
    AstrometryReducedDatum.objects.create(target=comet, timestamp=WHEN, ra=10.5, dec=-3.25, ra_error=0.1,
                                          dec_error=0.2, ra_error_units="arcsec", dec_error_units="arcsec",
                                          telescope="LCO 1m")
    # Left in the old table by an upgrade from 2.x without migrate_reduced_datums, and a bad one
    ReducedDatum.objects.create(target=comet, data_type="photometry", timestamp=WHEN,
                                value={"magnitude": 15.2, "error": 0.1, "filter": "V", "telescope": "T80"})
    ReducedDatum.objects.create(target=comet, data_type="photometry", timestamp=hours[1],
                                value={"magnitude": "bright", "filter": "V"})
    ReducedDatum.objects.create(target=comet, data_type="polarimetry", timestamp=WHEN, value={"p": 0.02})
else:
    def photometry(target, moment, product=None, **value):
        ReducedDatum.objects.create(target=target, data_product=product, data_type="photometry", timestamp=moment,
                                    value=value)

    for moment, magnitude, error in zip(hours, (18.5, 18.7, 18.9), (0.05, 0.06, 0.07)):
        photometry(sn, moment, magnitude=magnitude, error=error, filter="r", telescope="LCO 1m",
                   instrument="Sinistro", unit="AB mag", airmass=1.2)
    for moment in hours[3:5]:
        photometry(sn, moment, limit=20.5, filter="r", telescope="LCO 1m", instrument="Sinistro", unit="AB mag")
    for note in ("first", "second"):  # the same point twice, differing only in a note: one datum here
        photometry(sn, hours[6], magnitude=19.0, filter="i", telescope="LCO 1m", instrument="Sinistro", note=note)
    for moment, magnitude in zip(hours[:2], (18.51, 18.62)):
        photometry(sn, moment, product, magnitude=magnitude, filter="g")
    ReducedDatum.objects.create(target=sn, data_type="spectroscopy", timestamp=WHEN, value={
        "flux": [1.0, 1.5, 2.0], "wavelength": [5000.0, 5001.0, 5002.0], "error": [0.1, 0.1, 0.2],
        "flux_units": "erg / (Angstrom cm2 s)", "wavelength_units": "Angstrom", "telescope": "FTN",
        "instrument": "FLOYDS"})
    ReducedDatum.objects.create(target=comet, data_product=gone, data_type="spectroscopy", timestamp=WHEN,
                                value={"flux": [1.0, 1.1], "wavelength": [5000.0, 5001.0]})
    photometry(comet, WHEN, magnitude=15.2, error=0.1, filter="V", telescope="T80")
    photometry(comet, hours[1], magnitude="bright", filter="V")

# Last: a persistent share makes the TOM Toolkit share every datum saved after it (to "ours", not running)
PersistentShare.objects.create(target=sn, user=alice, destination="ours")

users = list(User.objects.exclude(username="AnonymousUser"))
print("JSON " + json.dumps({
    "three": THREE,
    "view": {u.username: sorted(t.name for t in targets_for_user(u, Target.objects.all(), "view_target"))
             for u in users},
    # Per-object change permission. (Its pages also let any logged-in user change a PUBLIC target:
    # targets_for_user applies no check to those; the importer grants view on them, not change.)
    "change": {u.username: sorted(t.name for t in get_objects_for_user(u, "tom_targets.change_target",
                                                                        Target.objects.all()))
               for u in users},
    "lists": {u.username: sorted(lst.name for lst in get_objects_for_user(u, "tom_targets.view_targetlist",
                                                                           TargetList.objects.all()))
              for u in users},
    "tokens": {t.user.username: t.key for t in Token.objects.select_related("user")},
    "passwords": {u.username: u.password for u in users},
    "created": {t.name: t.created.isoformat() for t in Target.objects.all()},
    "joined": {u.username: u.date_joined.isoformat() for u in users},
    "orbit": {f: getattr(comet, f) for f in (
        "scheme", "epoch_of_elements", "mean_anomaly", "arg_of_perihelion", "eccentricity", "lng_asc_node",
        "inclination", "mean_daily_motion", "semimajor_axis", "epoch_of_perihelion", "ephemeris_period",
        "ephemeris_period_err", "ephemeris_epoch", "ephemeris_epoch_err", "perihdist", "abs_mag", "slope")},
}))
