"""Helpers shared by the OS package extractors (not public API)."""

from __future__ import annotations

from typing import BinaryIO

from bastion.errors import ExtractError
from bastion.inventory.base import ExtractContext, make_purl
from bastion.inventory.ospkg.distro import detect_os
from bastion.inventory.ospkg.release import Release
from bastion.model import FileRef, OsInfo


def read_limited(stream: BinaryIO, entry: FileRef, ctx: ExtractContext) -> bytes:
    """The whole stream, or ExtractError when it is larger than the structured-parse limit."""
    limit = ctx.limits.max_parse_bytes
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ExtractError(f"{entry.path}: file is over the {limit}-byte parse limit")
    return data


def decode(data: bytes) -> str:
    """UTF-8, falling back to Latin-1 so one stray byte in a maintainer name never aborts a parse."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def split_epoch(version: str) -> tuple[str, str]:
    """``1:2.3-4`` → ``("1", "2.3-4")``; ``2.3-4`` → ``("", "2.3-4")``. An epoch of 0 counts as none."""
    head, sep, rest = version.partition(":")
    if sep and head.isdigit():
        return ("" if int(head) == 0 else str(int(head))), rest
    return "", version


def os_purl(ptype: str, release: Release, name: str, version: str, arch: str | None) -> str:
    """``pkg:<type>/<namespace>/<name>@<version-without-epoch>?arch=…&distro=…&epoch=…``.

    The epoch is a qualifier (purl spec for rpm, and what Trivy writes for deb); the qualifiers come
    out sorted, as the purl spec requires.
    """
    epoch, bare = split_epoch(version)
    qualifiers = {"arch": arch or "", "distro": release.distro, "epoch": epoch}
    return make_purl(ptype, name, bare, namespace=release.purl_namespace or None, qualifiers=qualifiers)


def os_of(entry: FileRef, ctx: ExtractContext, db_path: str) -> OsInfo | None:
    """The OS of the root filesystem holding a package database found at ``entry``.

    ``db_path`` is where the database lives relative to its root (``var/lib/dpkg/status``). At the
    top of the tree that is the scan's detected OS (``ctx.os``); a database inside a nested root
    filesystem (an unpacked image in a scanned directory) gets that root's own release files.
    """
    path = entry.path
    if path == db_path or not path.endswith("/" + db_path):
        return ctx.os
    return detect_os(ctx.tree, root=path[: -len(db_path) - 1])
