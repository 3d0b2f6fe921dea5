"""Gradle dependency lock files: ``gradle.lockfile`` and ``gradle/dependency-locks/*.lockfile``.

Each line is ``group:artifact:version=configuration,…``. A dependency locked only in test
configurations (``testCompileClasspath``, ``testRuntimeClasspath``, ``testFixtures…``) is ``dev=True``;
the configurations are kept in ``metadata["configurations"]``. Lock files do not say which
dependencies are direct.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import decode_text
from bastion.inventory.base import ExtractContext, make_package
from bastion.inventory.java._maven import maven_name, maven_purl
from bastion.model import Ecosystem, FileRef, Package, PluginId


def _is_test(configuration: str) -> bool:
    return configuration.startswith(("test", "androidTest", "integrationTest")) or "Test" in configuration


class GradleLockfileExtractor:
    plugin: ClassVar[PluginId] = PluginId("java/gradle-lockfile", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.MAVEN
    file_names: ClassVar[frozenset[str]] = frozenset({"gradle.lockfile"})
    file_suffixes: ClassVar[tuple[str, ...]] = (".lockfile",)

    def wants(self, entry: FileRef) -> bool:
        if entry.name == "gradle.lockfile" or entry.name.endswith("-gradle.lockfile"):
            return True
        return entry.name.endswith(".lockfile") and "gradle/dependency-locks/" in f"/{entry.path}"

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        data = stream.read(ctx.limits.max_parse_bytes + 1)
        if len(data) > ctx.limits.max_parse_bytes:
            raise ExtractError(f"{entry.path}: over the {ctx.limits.max_parse_bytes}-byte parse limit")
        out: list[Package] = []
        for lineno, raw in enumerate(decode_text(data, entry.path).splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#") or line.startswith("empty="):
                continue
            coords, _, confs = line.partition("=")
            parts = coords.split(":")
            if len(parts) != 3 or not all(parts):
                raise ExtractError(f"{entry.path}:{lineno}: expected 'group:artifact:version=configurations'")
            group, artifact, version = parts
            configurations = [c.strip() for c in confs.split(",") if c.strip()]
            dev = bool(configurations) and all(_is_test(c) for c in configurations)
            out.append(
                make_package(
                    Ecosystem.MAVEN,
                    maven_name(group, artifact),
                    version,
                    entry,
                    self.plugin,
                    purl=maven_purl(group, artifact, version),
                    dev=dev,
                    metadata={"configurations": ",".join(configurations)},
                )
            )
        return out


__all__ = ["GradleLockfileExtractor"]
