"""Go executables: the module build information the Go linker embeds (ELF, Mach-O, PE).

Reports the main module (``metadata["role"] == "main"``; a ``(devel)`` version is replaced by a
semver stamped with ``-ldflags -X …version=…`` or a pseudo-version built from ``vcs.revision`` and
``vcs.time``, else left empty), every dependency (a ``=>`` replacement by another module reports the
replacement; one by a local directory keeps the original path with an empty version and
``metadata["replace"]``), and the Go toolchain as the ``stdlib`` package (named and versioned as the
Go vulnerability database does: ``stdlib`` ``1.21.3``). Build settings (``GOOS``, ``GOARCH``,
``vcs.revision``, ``-ldflags`` …) go into the main module's metadata.

Binaries are chosen by mode (an executable bit, or a ``.exe`` name) and size; a valid executable
without Go build information yields nothing, a file whose executable headers lie is an error.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from typing import BinaryIO, ClassVar

from bastion.inventory._exe import open_executable
from bastion.inventory.base import ExtractContext, make_package
from bastion.inventory.golang._buildinfo import BuildInfo, NotGoBinary, parse_modinfo, read_raw
from bastion.inventory.golang.go_mod import go_purl
from bastion.model import Ecosystem, FileRef, Package, PluginId

#: Smallest file worth opening (a Go binary is never below ~1 MB, but cross-compiled tiny ones exist).
MIN_SIZE = 4 * 1024
_SEMVER = re.compile(r"v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?")
_VERSION_PREFIXES = ("main", "common", "version", "cmd")


def stdlib_version(go_version: str) -> str:
    """``go1.22.3 X:boringcrypto`` → ``1.22.3``; ``devel …`` → ""."""
    if not go_version.startswith("go"):
        return ""
    return go_version[2:].split(" ", 1)[0]


def _ldflags_version(main_path: str, ldflags: str) -> str:
    """The version stamped with ``-X pkg.version=v1.2.3`` (Trivy's preference order), or ""."""
    try:
        words = shlex.split(ldflags)
    except ValueError:
        words = ldflags.split()
    assignments: list[str] = []
    it = iter(words)
    for word in it:
        if word in ("-X", "--X"):
            nxt = next(it, "")
            assignments.append(nxt)
        elif word.startswith(("-X=", "--X=")):
            assignments.append(word.split("=", 1)[1])
    found: list[list[str]] = [[], [], []]
    for item in assignments:
        key, sep, value = item.strip("'\"").partition("=")
        if not sep:
            continue
        lower = key.lower()
        if not (lower.endswith(".version") or lower.endswith(".ver")) or not _SEMVER.fullmatch(value):
            continue
        prefix = key.rpartition("/")[2].partition(".")[0].lower()
        if key.startswith(main_path + "/cmd/"):
            found[0].append(value)
        elif prefix in _VERSION_PREFIXES:
            found[1].append(value)
        else:
            found[2].append(value)
    for group in found:
        if group:
            return group[0] if len(set(group)) == 1 else ""
    return ""


def _pseudo_version(settings: dict[str, str]) -> str:
    revision, when = settings.get("vcs.revision", ""), settings.get("vcs.time", "")
    if len(revision) < 12 or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", when):
        return ""
    stamp = re.sub(r"\D", "", when)
    return f"v0.0.0-{stamp}-{revision[:12]}"


def main_version(info: BuildInfo) -> str:
    assert info.main is not None
    version = info.main.version if info.main.version != "(devel)" else ""
    settings = dict(info.settings)
    stamped = _ldflags_version(info.main.path, settings.get("-ldflags", ""))
    if not version or (version.startswith("v0.0.0") and stamped):
        version = stamped or version
    if not version:
        version = _pseudo_version(settings)
    return version


class GoBinaryExtractor:
    plugin: ClassVar[PluginId] = PluginId("go/binary", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.GO
    file_names: ClassVar[frozenset[str]] = frozenset()
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        if entry.size < MIN_SIZE:
            return False
        return bool(entry.mode & 0o111) or entry.path.endswith((".exe", ".EXE"))

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        exe = open_executable(stream, entry.path)
        if exe is None:
            return []
        try:
            vers, mod = read_raw(exe)
        except NotGoBinary:
            return []
        info = parse_modinfo(vers, mod)
        return self.packages(info, entry)

    def packages(self, info: BuildInfo, entry: FileRef) -> list[Package]:
        out: list[Package] = []
        refs: list[str] = []
        std = stdlib_version(info.go_version)
        if std:
            out.append(
                make_package(
                    Ecosystem.GO, "stdlib", std, entry, self.plugin, purl=go_purl("stdlib", std), direct=True
                )
            )
            refs.append(f"stdlib@{std}")
        for dep in info.deps:
            if not dep.path:
                continue  # very old binaries list the main module as a dep with an empty path
            meta: dict[str, str] = {}
            name, version, checksum = dep.path, dep.version, dep.sum
            if dep.replace is not None:
                if dep.replace.version and dep.replace.version != "(devel)":
                    meta["replaces"] = f"{dep.path}@{dep.version}"
                    name, version, checksum = dep.replace.path, dep.replace.version, dep.replace.sum
                else:
                    meta["replace"] = dep.replace.path
                    version, checksum = "", ""
            if version == "(devel)":
                version = ""
            if checksum:
                meta["checksum"] = checksum
            out.append(
                make_package(
                    Ecosystem.GO,
                    name,
                    version,
                    entry,
                    self.plugin,
                    purl=go_purl(name, version),
                    metadata=meta,
                )
            )
            refs.append(f"{name}@{version}")
        if info.main is not None and info.main.path:
            version = main_version(info)
            meta = {"role": "main", "go_version": info.go_version}
            if info.path:
                meta["package"] = info.path
            for key, value in info.settings:
                meta[key] = value
            out.append(
                make_package(
                    Ecosystem.GO,
                    info.main.path,
                    version,
                    entry,
                    self.plugin,
                    purl=go_purl(info.main.path, version),
                    dependencies=tuple(refs),
                    metadata=meta,
                )
            )
        return out


__all__ = ["GoBinaryExtractor", "main_version", "stdlib_version"]
