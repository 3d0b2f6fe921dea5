"""Bounded, in-memory expansion of nested archives for content detectors.

``iter_members`` yields ``(member_path, bytes)`` for the regular files inside a zip-family archive
(zip, jar, war, ear, whl, apk, nupkg, egg), a tar (optionally gzip/bzip2/xz compressed), or a single
gzip stream. Nothing is written to disk. Member names are normalised and refused when they try to
escape; total bytes, member count, compression ratio and nesting depth are capped by
:class:`~bastion.fs.limits.Limits`. Problems are reported through ``on_error`` and never raised.
"""

from __future__ import annotations

import io
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import IO

from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.fs.paths import UnsafePathError, normalize_member

ZIP_SUFFIXES = (
    ".zip",
    ".jar",
    ".war",
    ".ear",
    ".whl",
    ".egg",
    ".nupkg",
    ".apk",
    ".aar",
    ".xpi",
    ".crx",
    ".ipa",
)
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".gem")
GZIP_SUFFIXES = (".gz",)

ErrorFn = Callable[[str, str], None]


def archive_kind(name: str, head: bytes) -> str | None:
    """ "zip", "tar", "gzip" or None, from the name and the first bytes (both must agree)."""
    lower = name.lower()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip" if lower.endswith(ZIP_SUFFIXES) else None
    if lower.endswith(TAR_SUFFIXES):
        if (
            head[:2] == b"\x1f\x8b"
            or head[:3] == b"BZh"
            or head[:6] == b"\xfd7zXZ\x00"
            or head[257:262] == b"ustar"
        ):
            return "tar"
        return None
    if lower.endswith(GZIP_SUFFIXES) and head[:2] == b"\x1f\x8b":
        return "gzip"
    return None


class _Budget:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.bytes = 0
        self.members = 0

    def take(self, size: int) -> bool:
        self.bytes += size
        self.members += 1
        return self.bytes <= self.limits.max_total_bytes and self.members <= self.limits.max_files


def iter_members(
    data: bytes,
    name: str,
    *,
    limits: Limits = DEFAULT_LIMITS,
    max_member_size: int | None = None,
    on_error: ErrorFn | None = None,
    _depth: int = 1,
    _budget: _Budget | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Regular files inside ``data`` (recursively, up to ``limits.max_archive_depth``).

    Member paths are ``inner/path`` for direct members and ``inner.jar!deeper/path`` for nested ones.
    """
    report = on_error or (lambda _p, _m: None)
    budget = _budget or _Budget(limits)
    cap = max_member_size if max_member_size is not None else limits.max_scan_size
    kind = archive_kind(name, data[:512])
    if kind is None:
        return
    if _depth > limits.max_archive_depth:
        report(name, f"archive nested deeper than {limits.max_archive_depth} levels; not expanded")
        return
    try:
        members = _members(kind, data, name, cap, limits, report)
        for member, content in members:
            if not budget.take(len(content)):
                report(name, "archive expansion exceeded the total size or member limit; stopped")
                return
            yield member, content
            if archive_kind(member, content[:512]) is not None:
                for inner, inner_content in iter_members(
                    content,
                    member,
                    limits=limits,
                    max_member_size=cap,
                    on_error=report,
                    _depth=_depth + 1,
                    _budget=budget,
                ):
                    yield f"{member}!{inner}", inner_content
    except (
        zipfile.BadZipFile,
        tarfile.TarError,
        EOFError,
        OSError,
        zlib.error,
        lzma.LZMAError,
        ValueError,
    ) as exc:
        report(name, f"corrupt archive: {exc}")


def _read_bounded(fh: IO[bytes], declared: int, cap: int, compressed: int, limits: Limits) -> bytes | str:
    """Read a member, refusing ones over ``cap`` or with a bomb-like ratio. Returns bytes or a reason."""
    if declared > cap:
        return f"{declared} bytes, over the {cap}-byte scan limit; not read"
    data = fh.read(cap + 1)
    if data is None:
        return "unreadable"
    if len(data) > cap:
        return f"over the {cap}-byte scan limit (declared size lied); not read"
    if (
        compressed > 0
        and len(data) > limits.ratio_grace_bytes
        and len(data) / compressed > limits.max_compression_ratio
    ):
        return f"compression ratio over {limits.max_compression_ratio}:1 (bomb?); not read"
    return data


def _members(
    kind: str, data: bytes, name: str, cap: int, limits: Limits, report: ErrorFn
) -> Iterator[tuple[str, bytes]]:
    if kind == "zip":
        yield from _zip_members(data, name, cap, limits, report)
    elif kind == "tar":
        yield from _tar_members(data, name, cap, limits, report)
    elif kind == "gzip":
        yield from _gzip_member(data, name, cap, limits, report)


def _zip_members(
    data: bytes, name: str, cap: int, limits: Limits, report: ErrorFn
) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            try:
                member = normalize_member(info.filename)
            except UnsafePathError as exc:
                report(f"{name}!{info.filename}", str(exc))
                continue
            if (
                info.file_size > limits.ratio_grace_bytes
                and info.compress_size
                and (info.file_size / info.compress_size > limits.max_compression_ratio)
            ):
                report(
                    f"{name}!{member}",
                    f"compression ratio over {limits.max_compression_ratio}:1 (zip bomb?); not read",
                )
                continue
            try:
                with zf.open(info) as fh:
                    got = _read_bounded(fh, info.file_size, cap, info.compress_size, limits)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error, EOFError) as exc:
                report(f"{name}!{member}", f"cannot read member: {exc}")
                continue
            if isinstance(got, str):
                report(f"{name}!{member}", got)
                continue
            yield member, got


def _tar_members(
    data: bytes, name: str, cap: int, limits: Limits, report: ErrorFn
) -> Iterator[tuple[str, bytes]]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
        for tinfo in tf:
            if not tinfo.isreg():
                continue
            try:
                member = normalize_member(tinfo.name)
            except UnsafePathError as exc:
                report(f"{name}!{tinfo.name}", str(exc))
                continue
            tfh = tf.extractfile(tinfo)
            if tfh is None:
                continue
            got = _read_bounded(tfh, tinfo.size, cap, len(data), limits)
            if isinstance(got, str):
                report(f"{name}!{member}", got)
                continue
            yield member, got


def _gzip_member(
    data: bytes, name: str, cap: int, limits: Limits, report: ErrorFn
) -> Iterator[tuple[str, bytes]]:
    import gzip

    inner = name[: -len(".gz")].rpartition("/")[2] or "content"
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
        got = _read_bounded(gz, 0, cap, len(data), limits)  # type: ignore[arg-type]
    if isinstance(got, str):
        report(name, got)
        return
    yield inner, got


__all__ = ["archive_kind", "iter_members"]
