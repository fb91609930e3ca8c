"""A data product's file as its readers need it, wherever ``STORAGES["default"]`` keeps it.

On this machine's disk (``FileSystemStorage``) the file has a path and every reader uses it as before.
In an object store (S3) there is no path: astropy and the bounds checks want one (they reopen the file
and seek), so :func:`local_copy` downloads the object once into a private temporary directory, under
the file's own name (the readers tell CSV, ECSV and FITS apart by it), and removes it afterwards. A
download is streamed from the store in pieces (:func:`download_response`) behind the caller's
permission check: no bucket URL is ever handed out. A store that does not answer (or refuses) is a
:class:`StorageUnavailable`, which the pages and the API answer with a 503 in words.
"""
from __future__ import annotations

import logging
import os
import posixpath
import shutil
import tempfile
from contextlib import contextmanager
from typing import IO, Iterator

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # without the s3 extra the files are on disk
    STORE_ERRORS: tuple[type[Exception], ...] = ()
else:
    STORE_ERRORS = (BotoCoreError, ClientError)

CHUNK = 1 << 20
logger = logging.getLogger(__name__)


class StorageUnavailable(Exception):
    """The file store did not do what was asked (unreachable, refused, failed): retrying later may help."""


@contextmanager
def store_errors(doing: str) -> Iterator[None]:
    """The storage backend's own errors as :class:`StorageUnavailable`, logged with what was being done.

    The message for people names no bucket, address or key; the log line has the backend's own words
    (boto3's name the operation and the address, never the credentials).
    """
    try:
        yield
    except STORE_ERRORS as exc:
        logger.warning("File store failed %s: %s: %s", doing, type(exc).__name__, exc)
        raise StorageUnavailable(f"The file store did not answer while {doing}; try again later.") from None


def delete_file(storage, name: str) -> None:
    """Delete a file whose row is gone or was never kept; a store that does not answer leaves it to
    ``manage.py sweep_orphaned_files`` (logged), rather than failing what already happened."""
    try:
        storage.delete(name)
    except STORE_ERRORS as exc:
        logger.warning("File store failed deleting %s (sweep_orphaned_files will): %s: %s", name,
                       type(exc).__name__, exc)


def local_path(field_file: FieldFile) -> str | None:
    """The file's path on this machine, or None when its storage has none (an object store)."""
    try:
        return field_file.storage.path(field_file.name)
    except NotImplementedError:
        return None


@contextmanager
def local_copy(field_file: FieldFile) -> Iterator[str]:
    """A path on this machine holding the file's bytes: the file itself on disk, else a temporary copy."""
    path = local_path(field_file)
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="tom-product-") as directory:  # mode 700: this TOM's user only
        path = os.path.join(directory, posixpath.basename(field_file.name))
        with store_errors("reading the file"), field_file.storage.open(field_file.name, "rb") as source, \
                open(path, "xb") as copy:
            shutil.copyfileobj(source, copy, CHUNK)
        yield path


class LocalCopyFile(FieldFile):
    """A product's file whose ``path`` is a local copy of it: what a processor sees while it runs.

    Processors written for the TOM Toolkit read ``data_product.data.path``; with this in place they read
    an object store's file as they read one on disk, and the same copy ``bounds.inspect`` checked.
    """

    def __init__(self, field_file: FieldFile, path: str):
        super().__init__(field_file.instance, field_file.field, field_file.name)
        self._local = path

    @property
    def path(self) -> str:
        return self._local


@contextmanager
def readable_path(product) -> Iterator[str]:
    """While it lasts, ``product.data.path`` is a local file holding the product's bytes (see :func:`local_copy`)."""
    original = product.data
    with local_copy(original) as path:
        if path == local_path(original):
            yield path  # on disk: nothing to swap
            return
        product.data = LocalCopyFile(original, path)
        try:
            yield path
        finally:
            product.data = original


def open_stream(field_file: FieldFile) -> tuple[IO[bytes], int | None]:
    """The file's bytes to read in pieces, and its size when the storage knows it.

    django-storages' ``S3File`` downloads the whole object on its first read (to memory, or to disk past
    ``max_memory_size``) before handing out a byte; its boto3 object's body streams instead.
    """
    with store_errors("reading the file"):
        handle = field_file.storage.open(field_file.name, "rb")
        s3_object = getattr(handle, "obj", None)  # an S3File: its boto3 Object, already checked to exist
        if s3_object is not None:
            handle.close()
            response = s3_object.get()
            return response["Body"], response["ContentLength"]
        return handle, handle.size


class StreamedFile(FileResponse):
    block_size = CHUNK  # FileResponse reads 4 KiB at a time: 256 reads per MiB, from disk or an S3 body


def download_response(field_file: FieldFile, filename: str) -> FileResponse:
    """The file as an attachment, streamed from storage; 404 when storage no longer holds it, and
    :class:`StorageUnavailable` when the store does not answer.

    Callers check the permission first (``data_product_for``, ``data_product_view``).
    """
    try:
        stream, size = open_stream(field_file)
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    response = StreamedFile(stream, as_attachment=True, filename=filename)
    if size is not None and "Content-Length" not in response:
        response["Content-Length"] = str(size)
    return response
