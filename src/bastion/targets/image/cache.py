"""Content-addressed blob cache: ``<cache_dir>/blobs/sha256/<hex>``.

Blobs (layers, configs and manifests fetched by digest) are written to a temporary file next to the
store, hashed while written, and renamed into place only after the digest matched, so a reader never
sees a partial or unverified blob. A second scan of the same image finds everything here.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from bastion.cache import cache_root
from bastion.errors import DigestMismatchError, TargetError
from bastion.fs.tar import sha256_hasher

_DIGEST_RE = re.compile(r"^sha256:([a-f0-9]{64})$")


def default_cache_dir() -> Path:
    return cache_root()


def digest_hex(digest: str) -> str:
    """The hex part of a ``sha256:`` digest; anything else is refused (it becomes a path)."""
    m = _DIGEST_RE.match(digest)
    if m is None:
        raise TargetError(
            f"unsupported or malformed digest {digest!r}", hint="only sha256 digests are supported"
        )
    return m.group(1)


class BlobCache:
    def __init__(self, cache_dir: Path) -> None:
        self.root = cache_dir / "blobs"
        self.tmp = cache_dir / "tmp"

    def path(self, digest: str) -> Path:
        return self.root / "sha256" / digest_hex(digest)

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def read_verified(self, digest: str, max_bytes: int) -> bytes | None:
        """A small blob (manifest, config) from the cache, re-checked; a damaged entry is dropped."""
        path = self.path(digest)
        try:
            if path.stat().st_size > max_bytes:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        h = sha256_hasher()
        h.update(data)
        if "sha256:" + h.hexdigest() != digest:
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return data

    def put_bytes(self, digest: str, data: bytes, *, source: str) -> None:
        with self.writer(digest, source=source) as fh:
            fh.write(data)

    @contextlib.contextmanager
    def writer(self, digest: str, *, source: str) -> Iterator[BinaryIO]:
        """Write a blob; it lands in the store only if the bytes hash to ``digest``.

        Raises :class:`DigestMismatchError` naming ``source`` otherwise.
        """
        final = self.path(digest)
        final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix="blob-", suffix=".part", dir=self.tmp)
        tmp_path = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as raw:
                hashing = _HashingWriter(raw)
                yield hashing  # type: ignore[misc]
                raw.flush()
            actual = "sha256:" + hashing.hasher.hexdigest()
            if actual != digest:
                raise DigestMismatchError(
                    f"{source}: content digest mismatch: expected {digest}, got {actual}",
                    hint="the registry (or something between it and us) served corrupt or tampered content; nothing was cached",
                )
            os.replace(tmp_path, final)
        finally:
            with contextlib.suppress(OSError):
                tmp_path.unlink()

    def scratch_dir(self) -> Path:
        """A fresh per-scan scratch directory under the cache (same filesystem as the blobs)."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="scan-", dir=self.tmp))


class _HashingWriter:
    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.hasher = sha256_hasher()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hasher.update(data)
        self.size += len(data)
        return self.raw.write(data)
