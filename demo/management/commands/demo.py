"""Load the demo TOM's data once, and print how to log in.

Safe to run every time ``make run`` starts: the data is created only when
the demo admin does not exist yet, and the generated passwords are kept in
``$TOM_DATA_DIR/demo-accounts.txt`` (readable by its owner only) so they
stay the same from run to run.

It also writes the demo's own settings to ``settings.DEMO_ENV_FILE``: a name
for this TOM and the self-share destination's address and account (the demo
admin), which every later ``manage.py`` command and the server read. So the
self-share works from the command line as from the Share page, and no
command warns about an unconfigured destination or the default TOM_NAME.
"""
from __future__ import annotations

import json
import math
import os
import secrets

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dataproducts.services import upload_data_product
from targets.models import Scheme, TargetType
from targets.permissions import grant_access
from targets.services import TargetInput, create_target, create_target_list

ACCOUNTS = {"admin": "superuser", "observer": "ordinary user (Survey team)"}
DEMO_TOM_NAME = "Demo TOM"

SIDEREAL = [
    ("SN 2023ixf", 210.910674, 54.311672, ["AT 2023ixf", "ZTF23aaklqou"], {"classification": "SN II", "redshift": "0.000804"}),
    ("SN 2011fe", 210.774208, 54.273722, ["PTF11kly"], {"classification": "SN Ia", "redshift": "0.000804"}),
    ("Betelgeuse", 88.792939, 7.407064, ["alf Ori", "HD 39801"], {"variable": "true", "spectral_type": "M1-M2 Ia-ab"}),
    ("M31", 10.684708, 41.268750, ["Andromeda Galaxy", "NGC 224"], {"distance_mpc": "0.765"}),
    ("Sgr A*", 266.416837, -29.007810, [], {"discovered": "1974-02-13"}),
]
COMET = {
    "name": "C/2023 A3 (Tsuchinshan-ATLAS)", "type": TargetType.NON_SIDEREAL, "scheme": Scheme.MPC_COMET,
    "epoch_of_elements": 60400.0, "inclination": 139.11, "lng_asc_node": 21.56, "arg_of_perihelion": 308.49,
    "eccentricity": 1.0001, "perihdist": 0.3914, "epoch_of_perihelion": 60581.7,
}


def write_demo_env(port: int, admin_password: str) -> None:
    """The demo's settings (see the module docstring), readable by its owner only: it holds a password."""
    lines = {
        "TOM_NAME": DEMO_TOM_NAME,
        "LOCALHOST_TOM_BASE_URL": f"http://127.0.0.1:{port}/",
        "LOCALHOST_TOM_USERNAME": "admin",
        "LOCALHOST_TOM_PASSWORD": admin_password,
    }
    path = settings.DEMO_ENV_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# Written by `manage.py demo`; the environment overrides any of these.\n" + "".join(
        f"{name}={value}\n" for name, value in lines.items())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


class Command(BaseCommand):
    help = "Create the demo targets, lists, groups and accounts (once), then print the accounts."

    def add_arguments(self, parser):
        parser.add_argument("--password-of", metavar="ACCOUNT",
                            help="print only this demo account's password (for scripts such as `make run`)")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000),
                            help="the port the demo serves on: the self-share destination's address (default 8000)")

    def handle(self, *args, password_of=None, port=8000, **options):
        accounts_file = settings.DATA_DIR / "demo-accounts.txt"
        if password_of:
            passwords = json.loads(accounts_file.read_text()) if accounts_file.exists() else {}
            if password_of not in passwords:
                raise CommandError(f"No demo password is stored for {password_of!r}.")
            self.stdout.write(passwords[password_of])
            return
        if not User.objects.filter(username="admin").exists():
            passwords = {name: secrets.token_urlsafe(12) for name in ACCOUNTS}
            with transaction.atomic():
                self._load(passwords)
            settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
            accounts_file.write_text(json.dumps(passwords))
            os.chmod(accounts_file, 0o600)
        passwords = json.loads(accounts_file.read_text()) if accounts_file.exists() else {}
        if "admin" in passwords:
            write_demo_env(port, passwords["admin"])
        self.stdout.write("Accounts:")
        for name, role in ACCOUNTS.items():
            self.stdout.write(f"  {name:<9} password {passwords.get(name, '(set before this demo; unchanged)')}   {role}")

    def _load(self, passwords: dict[str, str]) -> None:
        admin = User.objects.create_superuser("admin", "admin@example.org", passwords["admin"])
        observer = User.objects.create_user("observer", "observer@example.org", passwords["observer"])
        survey, _ = Group.objects.get_or_create(name="Survey team")
        collaborators, _ = Group.objects.get_or_create(name="Collaborators")
        survey.permissions.add(*Permission.objects.filter(
            content_type__app_label="targets", codename__in=["add_target", "add_targetlist", "share_target"]
        ))
        observer.groups.add(survey)

        targets = {}
        for name, ra, dec, aliases, extras in SIDEREAL:
            targets[name] = create_target(
                admin, TargetInput({"name": name, "type": TargetType.SIDEREAL, "ra": ra, "dec": dec, "epoch": 2000.0},
                                   aliases, extras),
                view_groups=[survey], change_groups=[survey],
            )
        targets[COMET["name"]] = create_target(admin, TargetInput(dict(COMET)), [survey], [survey])
        # Collaborators see one supernova, read-only, and nothing else.
        grant_access(targets["SN 2023ixf"], None, view_groups=[collaborators])

        supernovae = create_target_list(admin, "Supernovae", [survey], [survey],
                                        [targets["SN 2023ixf"], targets["SN 2011fe"]])
        grant_access(supernovae, None, view_groups=[collaborators])
        create_target_list(admin, "Galactic", [survey], [survey], [targets["Betelgeuse"], targets["Sgr A*"]])
        self._data(admin, targets)

    def _data(self, admin, targets) -> None:
        """A synthetic light curve (with non-detections) and a spectrum, uploaded as files, so the plots show."""
        lines = ["mjd,filter,magnitude,error,limit,telescope"]
        for day in range(-4, 60):
            mjd = 60083.0 + day
            for band, offset in (("g", 0.0), ("r", -0.2)):
                if day < 0:
                    lines.append(f"{mjd + 0.1:.3f},{band},,,{19.5 + offset:.2f},ZTF")
                    continue
                mag = 11.0 + offset + 2.5 * math.log10(1 + day / 10) + 0.02 * ((day * 7) % 5)
                lines.append(f"{mjd + 0.1 + (0.02 if band == 'r' else 0):.3f},{band},{mag:.3f},0.03,,ZTF")
        upload_data_product(targets["SN 2023ixf"], SimpleUploadedFile("sn2023ixf_ztf.csv", "\n".join(lines).encode()),
                            "photometry", user=admin)
        spectrum = ["# DATE-OBS: 2011-08-28T04:00:00", "# TELESCOPE: Lick 3m", "wavelength flux"]
        for i in range(400):
            wavelength = 3500 + i * 15
            flux = 1e-14 * (1 + 0.5 * math.exp(-((wavelength - 6150) / 80) ** 2) * -1 + 0.3 * math.sin(wavelength / 300))
            spectrum.append(f"{wavelength} {flux:.4e}")
        upload_data_product(targets["SN 2011fe"], SimpleUploadedFile("sn2011fe_kast.txt", "\n".join(spectrum).encode()),
                            "spectroscopy", user=admin)
