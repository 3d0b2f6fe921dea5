"""Rust binaries built with cargo-auditable: the dependency tree embedded in a ``.dep-v0`` section.

The section (``.dep-v0`` in ELF and PE, ``__dep_v0`` in Mach-O) holds zlib-compressed JSON:
``{"packages": [{"name", "version", "source", "kind", "dependencies": [indices], "root"}]}``. It is
inflated with a hard output bound, so a compression bomb costs one bounded read. The root crate gets
``metadata["role"] == "main"``; crates it depends on directly are ``direct=True``; build-time-only
crates (``kind == "build"``) are reported with ``metadata["kind"] == "build"``; local and git crates
keep their ``source`` in metadata.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any, BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import load_json
from bastion.inventory._exe import open_executable
from bastion.inventory.base import ExtractContext, make_package, make_purl
from bastion.model import Ecosystem, FileRef, Package, PluginId

SECTION_NAMES = (".dep-v0", "__dep_v0")
#: Compressed section size accepted (real ones are a few KiB).
MAX_COMPRESSED = 4 * 1024 * 1024
#: Inflated JSON size accepted.
MAX_JSON = 16 * 1024 * 1024
MIN_SIZE = 4 * 1024


def inflate(data: bytes, path: str, limit: int = MAX_JSON) -> bytes:
    """zlib-inflate ``data``, refusing output over ``limit`` bytes."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error as exc:
        raise ExtractError(f"{path}: .dep-v0 section is not valid zlib data: {exc}") from None
    if len(out) > limit or d.unconsumed_tail:
        raise ExtractError(f"{path}: .dep-v0 section inflates past {limit} bytes (compression bomb?)")
    return out


def parse_audit_json(doc: Any, entry: FileRef, plugin: PluginId) -> list[Package]:
    path = entry.path
    if not isinstance(doc, dict) or not isinstance(doc.get("packages"), list):
        raise ExtractError(f"{path}: cargo-auditable data lacks a 'packages' list")
    crates: list[dict[str, Any]] = doc["packages"]
    for i, c in enumerate(crates):
        if (
            not isinstance(c, dict)
            or not isinstance(c.get("name"), str)
            or not isinstance(c.get("version"), str)
        ):
            raise ExtractError(f"{path}: cargo-auditable package #{i} lacks a string name and version")
        deps = c.get("dependencies", [])
        if not isinstance(deps, list) or not all(isinstance(d, int) and 0 <= d < len(crates) for d in deps):
            raise ExtractError(
                f"{path}: cargo-auditable package {c['name']} has dependency indices out of range"
            )
    direct: set[int] = set()
    for c in crates:
        if c.get("root"):
            direct.update(c.get("dependencies", []))
    out: list[Package] = []
    for i, c in enumerate(crates):
        name, version = c["name"], c["version"]
        source = c.get("source", "crates.io")
        meta: dict[str, str] = {}
        if c.get("root"):
            meta["role"] = "main"
        if source != "crates.io":
            meta["source"] = str(source)
        if c.get("kind", "runtime") != "runtime":
            meta["kind"] = str(c.get("kind"))
        refs = tuple(f"{crates[d]['name']}@{crates[d]['version']}" for d in c.get("dependencies", []))
        out.append(
            make_package(
                Ecosystem.CRATES_IO,
                name,
                version,
                entry,
                plugin,
                purl=make_purl("cargo", name, version),
                direct=None if c.get("root") else i in direct,
                dependencies=refs,
                metadata=meta,
            )
        )
    return out


class CargoAuditableExtractor:
    plugin: ClassVar[PluginId] = PluginId("rust/cargo-auditable", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.CRATES_IO
    file_names: ClassVar[frozenset[str]] = frozenset()
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        if entry.size < MIN_SIZE:
            return False
        return bool(entry.mode & 0o111) or entry.path.endswith((".exe", ".EXE", ".dll", ".DLL"))

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        exe = open_executable(stream, entry.path)
        if exe is None:
            return []
        sec = next((s for s in exe.sections if s.name in SECTION_NAMES), None)
        if sec is None:
            return []
        raw = exe.section_data(sec, MAX_COMPRESSED)
        doc = load_json(inflate(raw, entry.path), entry.path, ctx.limits)
        return parse_audit_json(doc, entry, self.plugin)


__all__ = ["CargoAuditableExtractor", "inflate", "parse_audit_json"]
