"""Cargo.lock v1-v4: every locked crate, with dependency edges and checksums.

Cargo.lock does not mark direct dependencies, but it does say which crates are local (no ``source``:
workspace members and path dependencies). Those are reported with ``metadata["source"] == "local"``
and ``direct=None``; the crates they depend on are ``direct=True``, everything else ``direct=False``.
Registry crates other than crates.io and git crates keep their ``source`` in metadata (and a
``repository_url``/``vcs_url`` purl qualifier), since crates.io advisories may not apply to them.
Checksums come from the package's ``checksum`` (v2+) or the v1 ``[metadata]`` table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import load_toml
from bastion.inventory.base import ExtractContext, make_package, make_purl
from bastion.model import Ecosystem, FileRef, Package, PluginId

CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index"
CRATES_IO_SPARSE = "sparse+https://index.crates.io/"


def cargo_purl(name: str, version: str, source: str | None) -> str:
    qualifiers: dict[str, str] = {}
    if source and source not in (CRATES_IO, CRATES_IO_SPARSE):
        kind, _, url = source.partition("+")
        if kind == "git":
            qualifiers["vcs_url"] = "git+" + url.split("#", 1)[0]
        elif kind in ("registry", "sparse"):
            qualifiers["repository_url"] = url
    return make_purl("cargo", name, version, qualifiers=qualifiers)


def _ref(spec: str) -> str:
    """``name``, ``name version`` or ``name version (source)`` → ``name`` / ``name@version``."""
    parts = spec.split(" ")
    return parts[0] if len(parts) == 1 else f"{parts[0]}@{parts[1]}"


class CargoLockExtractor:
    plugin: ClassVar[PluginId] = PluginId("rust/cargo-lock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.CRATES_IO
    file_names: ClassVar[frozenset[str]] = frozenset({"Cargo.lock"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "Cargo.lock"

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        doc = load_toml(stream.read(ctx.limits.max_parse_bytes + 1), entry.path, ctx.limits)
        version = doc.get("version", 1)
        if not isinstance(version, int) or not 1 <= version <= 4:
            raise ExtractError(f"{entry.path}: Cargo.lock version {version!r} is not 1-4")
        raw = doc.get("package", [])
        if not isinstance(raw, list):
            raise ExtractError(f"{entry.path}: expected [[package]] tables")
        legacy = doc.get("metadata", {})
        legacy_sums = legacy if isinstance(legacy, dict) else {}
        crates: list[dict[str, Any]] = []
        for i, item in enumerate(raw):
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("name"), str)
                or not isinstance(item.get("version"), str)
            ):
                raise ExtractError(f"{entry.path}: package #{i + 1} lacks a string name and version")
            deps = item.get("dependencies", [])
            if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
                raise ExtractError(f"{entry.path}: package {item['name']} has malformed dependencies")
            crates.append(item)
        # references are "name" when the name is unique in the lockfile, else "name@version"
        direct: set[str] = set()
        for item in crates:
            if item.get("source") is None:
                direct.update(_ref(spec) for spec in item.get("dependencies", []))
        out: list[Package] = []
        for item in crates:
            name, ver, source = item["name"], item["version"], item.get("source")
            meta: dict[str, str] = {}
            checksum = item.get("checksum")
            if checksum is None and source is not None:
                checksum = legacy_sums.get(f"checksum {name} {ver} ({source})")
            if isinstance(checksum, str) and checksum != "<none>":
                meta["checksum"] = "sha256:" + checksum
            if source is None:
                meta["source"] = "local"
                is_direct: bool | None = None
            else:
                if source not in (CRATES_IO, CRATES_IO_SPARSE):
                    meta["source"] = str(source)
                is_direct = f"{name}@{ver}" in direct or name in direct
            out.append(
                make_package(
                    Ecosystem.CRATES_IO,
                    name,
                    ver,
                    entry,
                    self.plugin,
                    purl=cargo_purl(name, ver, source if isinstance(source, str) else None),
                    direct=is_direct,
                    dependencies=tuple(_ref(d) for d in item.get("dependencies", [])),
                    metadata=meta,
                )
            )
        return out


__all__ = ["CargoLockExtractor", "cargo_purl"]
