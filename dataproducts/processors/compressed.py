"""A data product's bytes as astropy would see them: decompressed, counted, and cut off at the limit.

astropy opens gzip, bzip2, xz and single-member zip files by their first bytes, whatever the name
(``Table.read`` on "lc.csv" holding gzip data decompresses it), so the checks must too. Decompression
here streams in 1 MiB pieces and stops one byte past ``DATA_PRODUCT_MAX_DECOMPRESSED_BYTES``: a gzip
bomb costs at most that much CPU and never that much memory.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import zipfile
import zlib
from contextlib import contextmanager
from typing import BinaryIO, Iterator

from .errors import ProcessingError
from .limits import Limits, over_limit

CHUNK = 1 << 20
MAGIC = ((b"\x1f\x8b\x08", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"PK\x03\x04", "zip"),
         (b"\x1f\x9d", "lzw"))
DECOMPRESSION_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, ValueError)


class CountedStream(io.RawIOBase):
    """Read-only bytes that count what they hand out and refuse to go past ``limit``.

    A ``RawIOBase``, so ``io.TextIOWrapper(io.BufferedReader(stream))`` reads text through it.
    """

    def __init__(self, stream: BinaryIO, limit: int, compression: str | None):
        super().__init__()
        self.stream = stream
        self.limit = limit
        self.compression = compression
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        room = self.limit + 1 - self.count  # one byte more than allowed tells "too much" from "exactly the limit"
        try:
            data = self.stream.read(room if size < 0 else min(size, room))
        except DECOMPRESSION_ERRORS as exc:
            raise ProcessingError(f"is not a valid {self.compression or 'data'} file ({exc}).") from None
        self.count += len(data)
        if self.count > self.limit:
            raise over_limit(f"decompressed, it holds more than {self.limit:,} bytes", self.limit,
                             "DATA_PRODUCT_MAX_DECOMPRESSED_BYTES", " bytes")
        return data

    def read_exactly(self, size: int) -> bytes:
        """Up to ``size`` bytes, fewer only at the end of the file."""
        parts, wanted = [], size
        while wanted > 0:
            data = self.read(min(wanted, CHUNK))
            if not data:
                break
            parts.append(data)
            wanted -= len(data)
        return b"".join(parts)

    def skip(self, size: int) -> int:
        """Read past ``size`` bytes without keeping them (a plain file seeks); how many there were."""
        if self.compression is None:
            here = self.stream.tell()
            there = min(here + size, os.fstat(self.stream.fileno()).st_size)
            self.stream.seek(there)
            self.count += there - here
            return there - here
        skipped = 0
        while skipped < size:
            data = self.read(min(size - skipped, CHUNK))
            if not data:
                break
            skipped += len(data)
        return skipped

    def drain(self) -> int:
        """Read to the end; the size of the whole (decompressed) file."""
        while self.read(CHUNK):
            pass
        return self.count


def compression_of(head: bytes) -> str | None:
    return next((name for magic, name in MAGIC if head.startswith(magic)), None)


@contextmanager
def decompressed(path: str, limits: Limits) -> Iterator[CountedStream]:
    """The file's bytes, decompressed if they are compressed, never more than the limit allows.

    An uncompressed file is bounded by the upload size already and is read as it is.
    """
    with open(path, "rb") as raw:
        kind = compression_of(raw.read(8))
        raw.seek(0)
        if kind is None:
            yield CountedStream(raw, max(limits.decompressed_bytes, os.fstat(raw.fileno()).st_size), None)
        elif kind == "lzw":
            raise ProcessingError("is compressed with LZW (.Z), which this TOM does not read; send it "
                                  "uncompressed or gzipped.")
        elif kind == "zip":
            with _zip_member(raw) as member:
                yield CountedStream(member, limits.decompressed_bytes, kind)
        else:
            opener = {"gzip": lambda f: gzip.GzipFile(fileobj=f, mode="rb"), "bzip2": bz2.BZ2File,
                      "xz": lzma.LZMAFile}[kind]
            with opener(raw) as stream:
                yield CountedStream(stream, limits.decompressed_bytes, kind)


def _zip_member(raw: BinaryIO):
    """The one file of a zip archive (astropy opens single-file archives only)."""
    try:
        archive = zipfile.ZipFile(raw)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ProcessingError(f"is not a valid zip file ({exc}).") from None
    if len(members) != 1:
        raise ProcessingError(f"is a zip archive of {len(members)} files; send one file.")
    try:
        return archive.open(members[0])
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, ValueError) as exc:
        raise ProcessingError(f"is a zip archive this TOM cannot open ({exc}).") from None
