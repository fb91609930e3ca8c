"""Every processor test of test_processors.py again, with the files in an S3-compatible store (moto on loopback).

There the processors read a local copy of the object (``dataproducts.files.readable_path``). What a
refused upload leaves behind is checked in the bucket after each test: every object belongs to a product.
"""
from __future__ import annotations

import pytest

from dataproducts.models import DataProduct
from tests.dataproducts.test_processors import *  # noqa: F401,F403 - the tests, collected here once more


@pytest.fixture(autouse=True)
def files_in_the_object_store(db, object_storage):
    yield
    assert object_storage.keys() == sorted(DataProduct.objects.values_list("data", flat=True))
