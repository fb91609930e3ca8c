"""``manage.py sweep_orphaned_files``: files no row refers to, past the grace period, and only those."""
from __future__ import annotations

import io
import os
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dataproducts.services import delete_data_product


def plant(media_root, name: str, hours_old: float) -> str:
    path = media_root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"left behind")
    moment = time.time() - hours_old * 3600
    os.utime(path, (moment, moment))
    return str(path)


def sweep(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("sweep_orphaned_files", *args, stdout=out)
    return out.getvalue().splitlines()


def test_it_deletes_old_orphans_and_keeps_everything_else(data_product, media_root):
    referenced = data_product.data.path
    os.utime(referenced, (time.time() - 48 * 3600,) * 2)  # old, but a row refers to it
    orphan = plant(media_root, "sn-2024abc/killed.csv", hours_old=25)
    young = plant(media_root, "sn-2024abc/still-processing.csv", hours_old=1)
    marker = plant(media_root, ".keep", hours_old=100)
    assert sweep() == ["deleted sn-2024abc/killed.csv", "1 orphaned file deleted."]
    assert not os.path.exists(orphan)
    assert all(os.path.exists(p) for p in (referenced, young, marker))


def test_the_grace_period_and_a_dry_run(db, media_root):
    orphan = plant(media_root, "x/y/orphan.fits", hours_old=2)
    assert sweep() == ["0 orphaned files deleted."]
    assert sweep("--older-than", "1", "--dry-run") == ["would delete x/y/orphan.fits",
                                                       "1 orphaned file would be deleted."]
    assert os.path.exists(orphan)
    assert sweep("--older-than", "1.5")[-1] == "1 orphaned file deleted."
    assert not os.path.exists(orphan)


def test_nothing_uploaded_yet_is_nothing_to_sweep(db, media_root):
    assert not media_root.exists()
    assert sweep("--older-than", "0") == ["0 orphaned files deleted."]


def test_a_negative_grace_period_is_refused(db):
    with pytest.raises(CommandError, match="--older-than must be 0 or more hours"):
        sweep("--older-than", "-1")


def test_a_deleted_product_leaves_nothing_to_sweep(data_product, media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        delete_data_product(data_product)
    assert sweep("--older-than", "0") == ["0 orphaned files deleted."]
