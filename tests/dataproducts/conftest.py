"""An S3-compatible object store on loopback (moto's server), and this TOM's files in a fresh bucket of it.

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
from moto.server import ThreadedMotoServer

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

    def public_url(self, key: str) -> str:
        return f"{self.endpoint}/{self.name}/{key}"


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def storage_environment(endpoint: str, bucket: str) -> dict[str, str]:
    """The environment docs/storage.md tells an operator to set."""
    return {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": bucket, "AWS_S3_ENDPOINT_URL": endpoint,
            "AWS_S3_REGION_NAME": REGION, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}


@contextmanager
def new_bucket(endpoint: str) -> Iterator[Bucket]:
    """A private bucket of its own, emptied and removed afterwards; the environment to reach it is set meanwhile."""
    name = f"tom-{uuid.uuid4().hex[:16]}"
    with pytest.MonkeyPatch.context() as patch:
        for key, value in storage_environment(endpoint, name).items():
            patch.setenv(key, value)
        client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION)
        client.create_bucket(Bucket=name)
        bucket = Bucket(endpoint, name, client)
        try:
            yield bucket
        finally:
            for key in bucket.keys():
                client.delete_object(Bucket=name, Key=key)
            client.delete_bucket(Bucket=name)


@pytest.fixture
def object_storage(s3_server, settings, media_root) -> Iterator[Bucket]:
    """``STORAGES["default"]`` is a new private bucket (media_root stays empty: a test can check nothing lands there)."""
    with new_bucket(s3_server) as bucket:
        settings.STORAGES = {**settings.STORAGES, "default": s3_storage(bucket.name)}
        yield bucket
