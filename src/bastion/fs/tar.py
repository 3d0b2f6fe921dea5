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


class TarFormatError(Exception):
    """The stream is not a well-formed tar (bad checksum, truncated header or data)."""


#: Exceptions that mean "this stream is corrupt or truncated" (as opposed to a bug or a limit).
CORRUPT_STREAM_ERRORS: tuple[type[BaseException], ...] = (
    TarFormatError,
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


# -- a lean tar reader ------------------------------------------------------------------------------


REGULAR = "0"
HARDLINK = "1"
SYMLINK = "2"
CHARDEV = "3"
BLOCKDEV = "4"
DIRECTORY = "5"
FIFO = "6"
_REGULAR_FLAGS = frozenset({"0", "\x00", "7"})
_NO_DATA = frozenset({HARDLINK, SYMLINK, DIRECTORY, CHARDEV, BLOCKDEV, FIFO})
_BLOCK = 512
_ZERO_BLOCK = bytes(_BLOCK)


class TarMember:
    """One member header. ``kind`` is a typeflag: ``"0"`` regular (also for NUL and ``"7"``), ``"1"``
    hard link, ``"2"`` symlink, ``"5"`` directory, ``"3"``/``"4"``/``"6"`` devices and FIFOs, other
    flags as found (GNU sparse ``"S"`` …)."""

    __slots__ = ("kind", "linkname", "mode", "name", "size")

    def __init__(self, name: str, kind: str, size: int, mode: int, linkname: str) -> None:
        self.name = name
        self.kind = kind
        self.size = size
        self.mode = mode
        self.linkname = linkname

    def __repr__(self) -> str:
        return f"TarMember({self.name!r}, kind={self.kind!r}, size={self.size})"


def _nts(field: bytes) -> str:
    end = field.find(b"\x00")
    if end != -1:
        field = field[:end]
    return field.decode("utf-8", "surrogateescape")


def _number(field: bytes) -> int:
    if field[:1] in (b"\x80", b"\xff"):  # GNU base-256
        value = int.from_bytes(field[1:], "big")
        return -value if field[:1] == b"\xff" else value
    text = field.split(b"\x00", 1)[0].strip(b" ")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise TarFormatError(f"invalid number field {field!r}") from None


def _pax_records(data: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    pos = 0
    n = len(data)
    while pos < n:
        space = data.find(b" ", pos)
        if space == -1:
            break
        try:
            length = int(data[pos:space])
        except ValueError:
            raise TarFormatError("malformed pax extended header") from None
        if length <= 0 or pos + length > n:
            raise TarFormatError("malformed pax extended header")
        record = data[space + 1 : pos + length - 1]  # without the trailing newline
        key, sep, value = record.partition(b"=")
        if sep:
            out[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
        pos += length
    return out


class TarReader:
    """Sequential reader of a (decompressed) tar stream: ``next()`` → :class:`TarMember` or None.

    After ``next()`` the member's data may be read with :meth:`read_data` / :meth:`copy_data`;
    otherwise the next ``next()`` skips it. Handles ustar, GNU long names/links and pax ``path``,
    ``linkpath`` and ``size`` records; headers are checksum-verified (:class:`TarFormatError`).
    Extended headers are capped at ``max_header_bytes``.
    """

    def __init__(
        self, stream: IO[bytes] | io.RawIOBase, *, chunk: int = 1 << 20, max_header_bytes: int = 1 << 20
    ) -> None:
        self._buf = (
            stream
            if isinstance(stream, io.BufferedReader)
            else io.BufferedReader(cast(Any, stream), buffer_size=chunk)
        )
        self._remaining = 0  # unread data bytes of the current member
        self._padding = 0
        self._chunk = chunk
        self._max_header = max_header_bytes
        self._global: dict[str, str] = {}
        self._done = False
        self.offset = 0  # bytes consumed

    def _read_exact(self, n: int) -> bytes:
        data = self._buf.read(n)
        if data is None or len(data) != n:
            raise TarFormatError("unexpected end of data")
        self.offset += n
        return data

    def _skip(self, n: int) -> None:
        buf = self._buf
        while n > 0:
            got = buf.read(min(n, self._chunk))
            if not got:
                raise TarFormatError("unexpected end of data")
            n -= len(got)
            self.offset += len(got)

    def _finish_member(self) -> None:
        if self._remaining:
            self._skip(self._remaining)
            self._remaining = 0
        if self._padding:
            # Some writers (umoci, for one) end the stream right after the last member's data,
            # without padding or end-of-archive blocks: the data is complete, so that is the end.
            got = self._buf.read(self._padding)
            self.offset += len(got or b"")
            if not got or len(got) < self._padding:
                self._done = True
            self._padding = 0

    def _set_member(self, size: int) -> None:
        self._remaining = size
        self._padding = (-size) % _BLOCK

    def _ext_data(self, size: int) -> bytes:
        if size > self._max_header:
            raise TarFormatError(f"extended header of {size} bytes (limit {self._max_header})")
        data = self._read_exact(size)
        pad = (-size) % _BLOCK
        if pad:
            self._read_exact(pad)
        return data

    def next(self) -> TarMember | None:
        if self._done:
            return None
        self._finish_member()
        if self._done:
            return None
        long_name: str | None = None
        long_link: str | None = None
        pax: dict[str, str] = {}
        while True:
            header = self._buf.read(_BLOCK)
            if not header:
                if long_name is not None or pax:
                    raise TarFormatError("unexpected end of data after an extended header")
                self._done = True  # EOF without end-of-archive blocks: tolerated, as tar does
                return None
            if len(header) != _BLOCK:
                raise TarFormatError("truncated header")
            self.offset += _BLOCK
            if header == _ZERO_BLOCK:
                self._done = True
                return None
            stored = _number(header[148:156])
            actual = sum(header) - sum(header[148:156]) + 256
            if stored != actual:
                raise TarFormatError(f"bad header checksum at offset {self.offset - _BLOCK}")
            flag = chr(header[156]) if header[156] else "\x00"
            size = _number(header[124:136])
            if size < 0:
                raise TarFormatError("negative member size")
            if flag in ("x", "g"):
                records = _pax_records(self._ext_data(size))
                if flag == "g":
                    self._global.update(records)
                else:
                    pax.update(records)
                continue
            if flag in ("L", "K"):
                value = _nts(self._ext_data(size))
                if flag == "L":
                    long_name = value
                else:
                    long_link = value
                continue
            name = _nts(header[0:100])
            if header[257:263] == b"ustar\x00" and header[345] != 0:
                name = _nts(header[345:500]) + "/" + name
            linkname = _nts(header[157:257])
            merged = {**self._global, **pax} if self._global else pax
            if long_name is not None:
                name = long_name
            if long_link is not None:
                linkname = long_link
            if "path" in merged:
                name = merged["path"]
            if "linkpath" in merged:
                linkname = merged["linkpath"]
            if "size" in merged:
                try:
                    size = int(merged["size"])
                except ValueError:
                    raise TarFormatError("malformed pax size") from None
            kind = REGULAR if flag in _REGULAR_FLAGS else flag
            if flag == "\x00" and name.endswith("/"):
                kind = DIRECTORY  # pre-POSIX tars mark directories by the trailing slash only
            # links, directories and devices carry no data (tar ignores their size field too)
            data_size = 0 if kind in _NO_DATA else size
            self._set_member(data_size)
            return TarMember(name, kind, data_size, _number(header[100:108]) & 0o7777, linkname)

    def read_data(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes (all when negative) of the current member's data."""
        if n < 0 or n > self._remaining:
            n = self._remaining
        if n == 0:
            return b""
        data = self._buf.read(n)
        if not data:
            raise TarFormatError("unexpected end of data")
        self._remaining -= len(data)
        self.offset += len(data)
        return data

    def copy_data(self, out: IO[bytes]) -> int:
        """Copy the rest of the current member's data to ``out``; returns bytes copied."""
        total = 0
        while self._remaining:
            chunk = self.read_data(min(self._remaining, self._chunk))
            out.write(chunk)
            total += len(chunk)
        return total


__all__ = [
    "CORRUPT_STREAM_ERRORS",
    "MeteredReader",
    "TarFormatError",
    "TarMember",
    "TarReader",
    "looks_like_tar",
    "open_decompressed",
    "sha256_hasher",
    "sniff_compression",
]
