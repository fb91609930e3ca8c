"""Fixtures (a pytest plugin, tests/conftest.py): an S3-compatible object store on loopback (moto's server), and
this TOM's files in a bucket of it.

The bucket is configured as an operator configures it: the environment variables of docs/storage.md,
read by ``tom.settings.s3_storage``. moto keeps objects in memory and enforces object ACLs for anonymous
requests (a private object answers 403), not signatures: which credentials are sent is not checked.
"""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import boto3
import pytest
from django.core.files.storage import storages as django_storages
from moto.server import ThreadedMotoServer
from storages.backends.s3 import S3Storage

from tests.servers import free_port
from tom.settings import s3_storage

REGION = "us-east-1"
# Made up: moto accepts anything. The tests look for them where they must never appear.
ACCESS_KEY = "AKIATOMTESTSTORAGE01"
SECRET_KEY = "tom-test-s3-secret-" + "x" * 21


@dataclass
class Bucket:
    """A bucket on the loopback server, read with boto3 directly (not through the TOM)."""

    endpoint: str
    name: str
    client: object

    def keys(self) -> list[str]:
        return sorted(o["Key"] for o in self.client.list_objects_v2(Bucket=self.name).get("Contents", ()))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def empty(self) -> None:
        for key in self.keys():
            self.client.delete_object(Bucket=self.name, Key=key)

    def public_url(self, key: str) -> str:
        return f"{self.endpoint}/{self.name}/{key}"


@dataclass
class S3Server:
    endpoint: str
    client: object  # one boto3 client for the session: each new one costs 0.3-0.6 s (botocore loads its models)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        yield S3Server(endpoint, boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                                              aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY))
    finally:
        server.stop()


def storage_environment(endpoint: str, bucket: str) -> dict[str, str]:
    """The environment docs/storage.md tells an operator to set."""
    return {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": bucket, "AWS_S3_ENDPOINT_URL": endpoint,
            "AWS_S3_REGION_NAME": REGION, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}


@contextmanager
def new_bucket(server: S3Server) -> Iterator[Bucket]:
    """A private bucket of its own, emptied and removed afterwards."""
    bucket = Bucket(server.endpoint, f"tom-{uuid.uuid4().hex[:16]}", server.client)
    server.client.create_bucket(Bucket=bucket.name)
    try:
        yield bucket
    finally:
        bucket.empty()
        server.client.delete_bucket(Bucket=bucket.name)


@pytest.fixture(scope="session")
def _session_bucket(s3_server) -> Iterator[tuple[Bucket, S3Storage]]:
    """One bucket, and one storage on it, for every test that uses ``object_storage`` (emptied before each)."""
    with new_bucket(s3_server) as bucket:
        with pytest.MonkeyPatch.context() as patch:  # only while reading it: servers started later inherit os.environ
            for key, value in storage_environment(s3_server.endpoint, bucket.name).items():
                patch.setenv(key, value)
            options = s3_storage(bucket.name)["OPTIONS"]
        storage = S3Storage(**options, access_key=ACCESS_KEY, secret_key=SECRET_KEY)
        storage.exists("warm-up")  # its boto3 session, made once
        yield bucket, storage


@pytest.fixture
def object_storage(_session_bucket, s3_server, settings, media_root, monkeypatch) -> Bucket:
    """``STORAGES["default"]`` is a private bucket, configured as an operator configures it (the environment of
    docs/storage.md, read by ``tom.settings.s3_storage``); media_root stays empty, so a test can check that
    nothing lands there."""
    bucket, storage = _session_bucket
    bucket.empty()
    for key, value in storage_environment(s3_server.endpoint, bucket.name).items():
        monkeypatch.setenv(key, value)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(bucket.name)}
    # Django made the storage anew for the new setting; the session's instance of that same configuration
    # is handed out instead (a new one costs a boto3 session per test).
    django_storages._storages["default"] = storage
    return bucket
