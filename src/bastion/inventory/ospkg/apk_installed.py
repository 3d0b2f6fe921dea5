"""apk: ``lib/apk/db/installed`` (Alpine, Wolfi, Chainguard).

One record per package, records separated by blank lines, one ``X:value`` line per field
(apk-tools ``src/database.c``): ``P`` name, ``V`` version, ``A`` arch, ``L`` license, ``o`` origin (the
source package), ``D`` dependencies, ``p`` provides, ``C`` the package checksum, ``F``/``R`` the
directories and files it installed. ``D`` entries (``so:libc.musl-x86_64.so.1``, ``cmd:sh``,
``musl>=1.2``) become dependency edges to the packages of the same database that provide them;
``!conflict`` entries are not dependencies.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.inventory.base import ExtractContext, make_package
from bastion.inventory.ospkg._common import decode, os_of, os_purl, read_limited
from bastion.inventory.ospkg.release import release_for
from bastion.model import Ecosystem, FileRef, Package, PluginId

__all__ = ["ApkInstalledExtractor", "iter_records"]

_DB_SUFFIX = "lib/apk/db/installed"
_VERSION_OPS = "<>=~"


def iter_records(text: str) -> Iterable[tuple[int, list[tuple[str, str]]]]:
    """``(first line number, [(key, value), …])`` per blank-line separated record, keys in order."""
    record: list[tuple[str, str]] = []
    start = 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            if record:
                yield start, record
            record = []
            continue
        if len(line) < 2 or line[1] != ":":
            continue  # apk ignores lines it does not understand
        if not record:
            start = lineno
        record.append((line[0], line[2:]))
    if record:
        yield start, record


def _dep_name(token: str) -> str:
    """``so:libc.musl-x86_64.so.1`` stays, ``musl>=1.2.4`` → ``musl``, ``cmd:busybox=1.36`` → ``cmd:busybox``."""
    for i, ch in enumerate(token):
        if ch in _VERSION_OPS:
            return token[:i]
    return token


class ApkInstalledExtractor:
    plugin: ClassVar[PluginId] = PluginId("os/apk", 1)
    ecosystem: ClassVar[Ecosystem | None] = None  # Alpine, Wolfi or Chainguard, by the detected OS
    file_names: ClassVar[frozenset[str]] = frozenset({"installed"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        path = entry.path
        return path == _DB_SUFFIX or path.endswith("/" + _DB_SUFFIX)

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        text = decode(read_limited(stream, entry, ctx))
        release = release_for(os_of(entry, ctx, _DB_SUFFIX), "apk")
        records = []
        seen_name = False
        for lineno, fields in iter_records(text):
            first: dict[str, str] = {}
            depends: list[str] = []
            provides: list[str] = []
            files = 0
            for key, value in fields:
                if key == "D":
                    depends.extend(value.split())
                elif key == "p":
                    provides.extend(value.split())
                elif key == "R":
                    files += 1
                else:
                    first.setdefault(key, value.strip())
            name = first.get("P", "")
            if not name:
                continue  # a record without a package name carries nothing to report
            seen_name = True
            if not first.get("V"):
                ctx.warn(entry.path, f"line {lineno}: package {name!r} has no V: (version) line; skipped")
                continue
            records.append((first, depends, provides, files))
        if text.strip() and not seen_name:
            raise ExtractError(f"{entry.path}: expected apk database records ('P:<name>' lines), found none")

        providers: dict[str, str] = {}
        for first, _, _, _ in records:
            providers.setdefault(first["P"], first["P"])
        for first, _, provides, _ in records:
            for token in provides:
                providers.setdefault(_dep_name(token), first["P"])

        out = []
        for first, depends, _, files in records:
            name, version = first["P"], first["V"]
            arch = first.get("A") or None
            deps: dict[str, None] = {}  # ordered set
            for token in depends:
                if token.startswith("!"):
                    continue
                target = providers.get(_dep_name(token))
                if target is not None and target != name:
                    deps.setdefault(target, None)
            metadata = {"files": str(files)}
            if arch:
                metadata["arch"] = arch
            if first.get("C"):
                metadata["checksum"] = first["C"]
            license_ = first.get("L", "")
            out.append(
                make_package(
                    release.ecosystem,
                    name,
                    version,
                    entry,
                    self.plugin,
                    purl=os_purl("apk", release, name, version, arch),
                    source_name=first.get("o") or name,
                    source_version=version,
                    licenses=(license_,) if license_ else (),
                    dependencies=tuple(deps),
                    metadata=metadata,
                )
            )
        return out
