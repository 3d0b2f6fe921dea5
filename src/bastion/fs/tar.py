"""Streaming building blocks for untrusted tar layers: compression sniffing, decompression, metering.

Nothing here writes to disk. :class:`MeteredReader` counts (and optionally hashes) the bytes that flow
through it and calls a check function on every read, so a decompression bomb is stopped while it is
being inflated, not after the fact. :func:`open_decompressed` picks the decompressor from the stream's
magic bytes (the declared media type is only a hint: registries and tools get it wrong).
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import tarfile
import zlib
from collections.abc import Callable
from typing import IO, Any, BinaryIO, cast

try:  # python-isal: ~2x faster gzip inflate than zlib
    from isal import igzip as _igzip
    from isal import isal_zlib as _isal_zlib

    _GZIP_ERRORS: tuple[type[BaseException], ...] = (
        zlib.error,
        cast(type[BaseException], _isal_zlib.error),
        gzip.BadGzipFile,
    )
except ImportError:  # pragma: no cover - isal is a dependency; this is the slow path
    _igzip = None  # type: ignore[assignment]
    _GZIP_ERRORS = (zlib.error, gzip.BadGzipFile)

try:
    import zstandard as _zstd

    _ZSTD_ERRORS: tuple[type[BaseException], ...] = (_zstd.ZstdError,)
except ImportError:  # pragma: no cover
    _zstd = None  # type: ignore[assignment]
    _ZSTD_ERRORS = ()

#: Exceptions that mean "this stream is corrupt or truncated" (as opposed to a bug or a limit).
CORRUPT_STREAM_ERRORS: tuple[type[BaseException], ...] = (
    tarfile.TarError,
    EOFError,
    lzma.LZMAError,
    *_GZIP_ERRORS,
    *_ZSTD_ERRORS,
)

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"


def sniff_compression(head: bytes) -> str:
    """ "gzip", "zstd", "bzip2", "xz" or "none" from the first bytes of a stream."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    if head.startswith(XZ_MAGIC):
        return "xz"
    if head.startswith(BZIP2_MAGIC) and len(head) >= 4 and head[3:4].isdigit():
        return "bzip2"
    return "none"


def looks_like_tar(head: bytes) -> bool:
    """True for a ustar/gnu header or the all-zero end-of-archive block of an empty tar."""
    if len(head) >= 262 and head[257:262] == b"ustar":
        return True
    if len(head) >= 512 and head[:512] == bytes(512):
        return True
    if len(head) >= 512:
        try:
            tarfile.TarInfo.frombuf(head[:512], "utf-8", "surrogateescape")
        except tarfile.HeaderError:
            return False
        return True
    return False


def open_decompressed(raw: BinaryIO, compression: str) -> BinaryIO:
    """Wrap ``raw`` in the decompressor for ``compression`` (see :func:`sniff_compression`)."""
    if compression == "gzip":
        if _igzip is not None:
            return cast(BinaryIO, cast(Any, _igzip).IGzipFile(fileobj=raw, mode="rb"))
        return cast(BinaryIO, gzip.GzipFile(fileobj=raw, mode="rb"))
    if compression == "zstd":
        if _zstd is None:  # pragma: no cover
            raise OSError("zstd-compressed layer but the zstandard module is not installed")
        reader = _zstd.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=False)
        return cast(BinaryIO, io.BufferedReader(cast(Any, reader), buffer_size=1 << 20))
    if compression == "bzip2":
        return cast(BinaryIO, bz2.BZ2File(raw, mode="rb"))
    if compression == "xz":
        return cast(BinaryIO, lzma.LZMAFile(raw, mode="rb"))
    return raw


class MeteredReader(io.RawIOBase):
    """A read-only pass-through that counts bytes, optionally hashes them, and polices each read.

    ``check(total_bytes_so_far)`` runs after every read and may raise to abort the stream (a
    limit was crossed); the exception propagates through whatever reads from this object.
    """

    def __init__(
        self,
        inner: IO[bytes],
        *,
        hasher: Any | None = None,
        check: Callable[[int], None] | None = None,
        on_bytes: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self._inner = inner
        self.hasher = hasher
        self._check = check
        self._on_bytes = on_bytes
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self._inner.read(-1 if size is None else size)
        if data:
            self.count += len(data)
            if self.hasher is not None:
                self.hasher.update(data)
            if self._on_bytes is not None:
                self._on_bytes(len(data))
            if self._check is not None:
                self._check(self.count)
        return data

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        n = len(data)
        b[:n] = data
        return n

    def drain(self, chunk: int = 1 << 20) -> None:
        """Read (and hash) whatever is left, so the digest covers the whole stream."""
        while self.read(chunk):
            pass


def sha256_hasher() -> Any:
    return hashlib.sha256()


__all__ = [
    "CORRUPT_STREAM_ERRORS",
    "MeteredReader",
    "looks_like_tar",
    "open_decompressed",
    "sha256_hasher",
    "sniff_compression",
]
