"""rpm: the three database formats of ``var/lib/rpm`` (and ``usr/lib/sysimage/rpm``), in pure Python.

* ``rpmdb.sqlite`` — SQLite (rpm ≥ 4.16: Fedora 33+, RHEL/Rocky/Alma 9, Amazon Linux 2023);
* ``Packages.db`` — rpm's NDB format (SUSE Linux Enterprise 15 SP3+, openSUSE Leap 15.3+);
* ``Packages`` — a Berkeley DB hash database (RHEL/CentOS ≤ 8, Amazon Linux 2, older SUSE).

The format is recognised by the file's first bytes, not its name. Each stores one header blob per
installed package (:mod:`._rpm_header` decodes them; the readers are ports of the logic of
knqyf263/go-rpmdb and rpm's own ``bdb_ro`` backend). ``gpg-pubkey`` entries are imported signing keys,
not packages, and are skipped.

``version`` is ``[epoch:]version-release`` (the form the rpm version scheme and distro advisories
use); the purl carries the bare ``version-release`` and the epoch as a qualifier. The source package
comes from ``SOURCERPM`` (``openssl-3.0.7-24.el9.src.rpm`` → ``openssl``, ``1:3.0.7-24.el9`` with the
binary's epoch, as Trivy and the distributions' advisories spell it). ``Requires`` become dependency
edges to the installed packages that provide them (by capability or by file path).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from typing import BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.inventory.base import ExtractContext, make_package
from bastion.inventory.ospkg import _rpm_bdb, _rpm_ndb, _rpm_sqlite
from bastion.inventory.ospkg._common import os_of, os_purl
from bastion.inventory.ospkg._rpm_header import HeaderError, RpmHeader, parse_header, parse_source_rpm
from bastion.inventory.ospkg.release import release_for
from bastion.model import Ecosystem, FileRef, Package, PluginId
from bastion.targets.base import FileNotInTreeError

__all__ = ["RpmDbExtractor", "RpmHeader", "read_headers"]

RPM_DIRS = ("var/lib/rpm", "usr/lib/sysimage/rpm")
#: One header blob; rpm's own limit is 256 MiB, real headers are well under 10 MiB.
MAX_HEADER_BYTES = 64 * 1024 * 1024
#: Installed packages in one database (a full RHEL workstation has about 2,000).
MAX_PACKAGES = 200_000
#: Per-package problems reported one by one before they are summarised.
_MAX_WARNINGS = 20


def _iter_blobs(stream: BinaryIO, wal: BinaryIO | None, limits: Limits) -> Iterator[tuple[int, bytes]]:
    stream.seek(0)
    head = stream.read(64)
    stream.seek(0)
    if _rpm_sqlite.sniff(head):
        yield from _rpm_sqlite.iter_blobs(
            stream, wal=wal, max_blob=MAX_HEADER_BYTES, max_rows=MAX_PACKAGES, max_bytes=limits.max_file_size
        )
    elif _rpm_ndb.sniff(head):
        yield from _rpm_ndb.iter_blobs(stream, max_blob=MAX_HEADER_BYTES)
    elif _rpm_bdb.sniff(head):
        for key, value in _rpm_bdb.iter_values(stream, max_value=MAX_HEADER_BYTES):
            number = int.from_bytes(key[:4], "little") if len(key) == 4 else -1
            if number == 0:
                continue  # rpm's "next instance number" record, not a header
            yield number, value
    elif not head:
        return
    else:
        raise ExtractError(
            "expected an rpm database (SQLite, NDB or Berkeley DB hash), found none of their magics"
        )


def read_headers(
    stream: BinaryIO, *, wal: BinaryIO | None = None, limits: Limits = DEFAULT_LIMITS
) -> tuple[list[RpmHeader], list[str]]:
    """Every package header of an rpm database, and the problems met with individual headers.

    Raises ExtractError (without a path prefix) when the file is not a readable rpm database; a
    single corrupt header is a problem in the list, not an exception, unless no header is readable.
    """
    headers: list[RpmHeader] = []
    problems: list[str] = []
    count = 0
    try:
        for number, blob in _iter_blobs(stream, wal, limits):
            count += 1
            if count > MAX_PACKAGES:
                raise ExtractError(f"more than {MAX_PACKAGES} package headers")
            try:
                headers.append(parse_header(blob))
            except HeaderError as exc:
                problems.append(f"package header {number}: {exc}")
    except (_rpm_bdb.BdbError, _rpm_ndb.NdbError, _rpm_sqlite.SqliteError) as exc:
        kind = {
            _rpm_bdb.BdbError: "Berkeley DB",
            _rpm_ndb.NdbError: "NDB",
            _rpm_sqlite.SqliteError: "SQLite",
        }[type(exc)]
        raise ExtractError(f"unreadable rpm {kind} database: {exc}") from None
    if problems and not headers:
        raise ExtractError(f"no readable package header ({len(problems)} corrupt; first: {problems[0]})")
    return headers, problems


def _resolve_requires(headers: list[RpmHeader]) -> dict[int, tuple[str, ...]]:
    """Dependency names per header index: the installed packages providing each ``Requires``."""
    providers: dict[str, str] = {}
    for h in headers:
        providers.setdefault(h.name, h.name)
    for h in headers:
        for cap in h.provides:
            providers.setdefault(cap, h.name)
    wanted_paths = {r for h in headers for r in h.requires if r.startswith("/")}
    owners: dict[str, str] = {}
    if wanted_paths:
        for h in headers:
            for path in h.files:
                if path in wanted_paths:
                    owners.setdefault(path, h.name)
    out: dict[int, tuple[str, ...]] = {}
    for i, h in enumerate(headers):
        deps: dict[str, None] = {}  # ordered set
        for req in h.requires:
            if req.startswith("rpmlib("):
                continue
            target = providers.get(req) or owners.get(req)
            if target is not None and target != h.name:
                deps.setdefault(target, None)
        out[i] = tuple(deps)
    return out


class RpmDbExtractor:
    plugin: ClassVar[PluginId] = PluginId("os/rpm", 1)
    ecosystem: ClassVar[Ecosystem | None] = None  # Red Hat, Rocky, SUSE … by the detected OS
    file_names: ClassVar[frozenset[str]] = frozenset({"Packages", "Packages.db", "rpmdb.sqlite"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()
    #: Read through ``ctx.tree`` beside ``rpmdb.sqlite`` (the runner materialises it for image scans).
    companion_names: ClassVar[frozenset[str]] = frozenset({"rpmdb.sqlite-wal"})

    def wants(self, entry: FileRef) -> bool:
        if entry.name not in self.file_names:
            return False
        parent = posixpath.dirname(entry.path)
        return any(parent == d or parent.endswith("/" + d) for d in RPM_DIRS)

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        wal = self._wal(entry, ctx)
        try:
            headers, problems = read_headers(stream, wal=wal, limits=ctx.limits)
        except ExtractError as exc:
            raise ExtractError(f"{entry.path}: {exc.message}") from None
        finally:
            if wal is not None:
                wal.close()
        for problem in problems[:_MAX_WARNINGS]:
            ctx.warn(entry.path, f"{problem}; package skipped")
        if len(problems) > _MAX_WARNINGS:
            ctx.warn(entry.path, f"{len(problems) - _MAX_WARNINGS} more corrupt package headers skipped")

        headers = [h for h in headers if h.name != "gpg-pubkey"]
        parent = posixpath.dirname(entry.path)
        db_dir = next((d for d in RPM_DIRS if parent == d or parent.endswith("/" + d)), RPM_DIRS[0])
        release = release_for(os_of(entry, ctx, f"{db_dir}/{entry.name}"), "rpm")
        deps = _resolve_requires(headers)
        out = []
        for i, h in enumerate(headers):
            evr = h.evr
            source = parse_source_rpm(h.source_rpm) if h.source_rpm else None
            if source is not None:
                source_name, source_version = source
                if h.epoch:
                    source_version = f"{h.epoch}:{source_version}"
            else:
                source_name, source_version = h.name, evr
            metadata = {"files": str(len(h.files))}
            if h.arch:
                metadata["arch"] = h.arch
            if h.epoch:
                metadata["epoch"] = str(h.epoch)
            if h.vendor:
                metadata["vendor"] = h.vendor
            if h.modularity_label:
                metadata["modularity_label"] = h.modularity_label
            out.append(
                make_package(
                    release.ecosystem,
                    h.name,
                    evr,
                    entry,
                    self.plugin,
                    purl=os_purl("rpm", release, h.name, evr, h.arch or None),
                    source_name=source_name,
                    source_version=source_version,
                    licenses=(h.license,) if h.license else (),
                    dependencies=deps[i],
                    metadata=metadata,
                )
            )
        return out

    @staticmethod
    def _wal(entry: FileRef, ctx: ExtractContext) -> BinaryIO | None:
        """The SQLite write-ahead log beside ``rpmdb.sqlite``, when the tree has one."""
        if entry.name != "rpmdb.sqlite":
            return None
        path = entry.path + "-wal"
        ref = ctx.tree.stat(path)
        if ref is None or not ref.is_file or ref.size == 0:
            return None
        try:
            return ctx.tree.open(path)
        except (FileNotInTreeError, OSError):
            return None
