"""Swift Package Manager ``Package.resolved`` (format versions 1, 2 and 3).

Packages are named by their repository location without scheme and ``.git`` suffix
(``github.com/apple/swift-nio``), which is how OSV's ``SwiftURL`` ecosystem names them. A pin on a
branch or a bare revision has no version: it is reported with ``version == ""`` and the revision (and
branch) in metadata. Package.resolved does not say which pins are direct.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import load_json
from bastion.inventory.base import ExtractContext, make_package, make_purl
from bastion.model import Ecosystem, FileRef, Package, PluginId


def swift_name(location: str) -> str:
    name = re.sub(r"^[a-z+]+://", "", location.strip())
    name = re.sub(r"^[^@/]+@([^:/]+):", r"\1/", name)  # git@github.com:owner/repo
    name = re.sub(r"^[^@/]+@", "", name)  # ssh://git@host/owner/repo
    return name.removesuffix("/").removesuffix(".git")


class SwiftResolvedExtractor:
    plugin: ClassVar[PluginId] = PluginId("swift/package-resolved", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.SWIFT
    file_names: ClassVar[frozenset[str]] = frozenset({"Package.resolved"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "Package.resolved"

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        doc = load_json(stream.read(ctx.limits.max_parse_bytes + 1), entry.path, ctx.limits)
        if not isinstance(doc, dict):
            raise ExtractError(f"{entry.path}: expected a JSON object")
        fmt = doc.get("version")
        if not doc:
            return []  # an empty object: nothing resolved yet
        pins: Any
        if fmt == 1:
            obj = doc.get("object")
            pins = obj.get("pins") if isinstance(obj, dict) else None
        elif fmt in (2, 3):
            pins = doc.get("pins")
        else:
            raise ExtractError(f"{entry.path}: Package.resolved version {fmt!r} is not 1, 2 or 3")
        if pins is None:
            return []
        if not isinstance(pins, list):
            raise ExtractError(f"{entry.path}: 'pins' is not a list")
        out: list[Package] = []
        for i, pin in enumerate(pins):
            if not isinstance(pin, dict):
                raise ExtractError(f"{entry.path}: pin #{i} is not an object")
            location = pin.get("repositoryURL") if fmt == 1 else pin.get("location")
            raw_state = pin.get("state")
            state: dict[str, Any] = raw_state if isinstance(raw_state, dict) else {}
            if not isinstance(location, str) or not location:
                raise ExtractError(f"{entry.path}: pin #{i} has no repository location")
            name = swift_name(location)
            raw_version = state.get("version")
            version = raw_version if isinstance(raw_version, str) else ""
            meta = {k: str(state[k]) for k in ("revision", "branch") if state.get(k)}
            if pin.get("kind") and pin["kind"] != "remoteSourceControl":
                meta["kind"] = str(pin["kind"])
            namespace, _, short = name.rpartition("/")
            out.append(
                make_package(
                    Ecosystem.SWIFT,
                    name,
                    version,
                    entry,
                    self.plugin,
                    purl=make_purl("swift", short, version, namespace=namespace or None),
                    metadata=meta,
                )
            )
        return out


__all__ = ["SwiftResolvedExtractor", "swift_name"]
