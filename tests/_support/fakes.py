"""Fake implementations of bastion's interfaces, for tests of the machinery around them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO, ClassVar

from bastion.detectors.base import Capability, DetectContext, FileContent
from bastion.errors import ExtractError
from bastion.inventory.base import ExtractContext, make_package
from bastion.model import (
    Ecosystem,
    FileRef,
    Finding,
    FindingKind,
    Location,
    Package,
    PluginId,
    Severity,
    fingerprint,
)


class LinesExtractor:
    """Reads ``name==version`` lines from files called ``pkgs.txt``; ``BAD`` raises ExtractError.

    A line ``a==1 -> b`` declares a dependency of a on b.
    """

    plugin: ClassVar[PluginId] = PluginId("fake/lines", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.PYPI
    file_names: ClassVar[frozenset[str]] = frozenset({"pkgs.txt"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        return True

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        out = []
        for raw in stream.read().decode().splitlines():
            line = raw.strip()
            if line == "BAD":
                raise ExtractError(f"{entry.path}: expected name==version, got 'BAD'")
            if line.startswith("WARN"):
                ctx.warn(entry.path, "a warning")
                continue
            spec, _, dep = line.partition("->")
            name, _, version = spec.strip().partition("==")
            deps = (dep.strip(),) if dep.strip() else ()
            out.append(make_package(Ecosystem.PYPI, name, version, entry, self.plugin, dependencies=deps))
        return out


class CrashingExtractor:
    plugin: ClassVar[PluginId] = PluginId("fake/crash", 1)
    ecosystem: ClassVar[Ecosystem | None] = None
    file_names: ClassVar[frozenset[str]] = frozenset()
    file_suffixes: ClassVar[tuple[str, ...]] = (".crash",)

    def wants(self, entry: FileRef) -> bool:
        return True

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        raise KeyError("boom")


@dataclass
class WordDetector:
    """A content detector that reports every occurrence of ``word`` (one finding per file)."""

    word: bytes = b"SECRET"
    plugin: ClassVar[PluginId] = PluginId("fake/word", 1)
    kind: ClassVar[FindingKind] = FindingKind.SECRET
    requires: ClassVar[frozenset[Capability]] = frozenset({Capability.FILES})
    hashes: ClassVar[frozenset[str]] = frozenset({"sha256"})
    scans_archives: ClassVar[bool] = True
    seen: list[str] = field(default_factory=list)

    def wants(self, entry: FileRef) -> bool:
        return not entry.path.endswith(".skip")

    def scan_file(self, file: FileContent, ctx: DetectContext) -> Iterable[Finding]:
        self.seen.append(file.path)
        if file.data is None or self.word not in file.data:
            return []
        return [
            Finding(
                FindingKind.SECRET,
                "fake-word",
                "word found",
                Severity.HIGH,
                fingerprint(FindingKind.SECRET, "fake-word", file.path),
                location=Location(file.path, file.entry.layer_digest),
            )
        ]

    def finish(self, ctx: DetectContext) -> Iterable[Finding]:
        return []


class PackageCountDetector:
    """An inventory detector: one LOW finding per package (needs advisories to exercise requirements)."""

    plugin: ClassVar[PluginId] = PluginId("fake/per-package", 1)
    kind: ClassVar[FindingKind] = FindingKind.VULNERABILITY
    requires: ClassVar[frozenset[Capability]] = frozenset({Capability.INVENTORY, Capability.ADVISORIES})

    def detect(self, ctx: DetectContext) -> Iterable[Finding]:
        return [
            Finding(
                FindingKind.VULNERABILITY,
                f"FAKE-{p.name}",
                "fake",
                Severity.LOW,
                fingerprint(FindingKind.VULNERABILITY, f"FAKE-{p.name}", p.ecosystem.value, p.name, p.path),
                package=p.purl,
                installed_version=p.version,
            )
            for p in ctx.inventory.packages
        ]


class _LibraryError(Exception):
    """Stands for a third-party library's own exception type (cryptography's DuplicateExtension …)."""


@dataclass
class ExplodingDetector:
    """A content detector whose library blows up on files named ``*.boom``, and in finish()."""

    plugin: ClassVar[PluginId] = PluginId("fake/exploding", 1)
    kind: ClassVar[FindingKind] = FindingKind.SECRET
    requires: ClassVar[frozenset[Capability]] = frozenset({Capability.FILES})
    hashes: ClassVar[frozenset[str]] = frozenset()
    scans_archives: ClassVar[bool] = False
    explode_in_finish: bool = False

    def wants(self, entry: FileRef) -> bool:
        return True

    def scan_file(self, file: FileContent, ctx: DetectContext) -> Iterable[Finding]:
        if file.path.endswith(".boom"):
            raise _LibraryError("Duplicate 2.5.29.17 extension found")
        return []

    def finish(self, ctx: DetectContext) -> Iterable[Finding]:
        if self.explode_in_finish:
            raise _LibraryError("finish went wrong")
        return []
