"""Dart/Flutter ``pubspec.lock``.

``dependency: "direct main"`` → direct, prod; ``"direct dev"`` → direct, ``dev=True``; ``"direct
overridden"`` → direct; ``transitive`` → not direct (dev unknown: the lock file does not say whether a
transitive package is reached only from dev dependencies). SDK packages (``source: sdk``: flutter,
flutter_test) come with the SDK, not from pub.dev: they are reported with the version the lock file
records (usually ``0.0.0``), ``metadata["source"] = "sdk"``, the SDK's name in ``metadata["sdk"]`` and
its constraint from the ``sdks`` map in ``metadata["sdk_constraint"]`` (syft and trivy list them too; a
scan should show what the project depends on even when no advisory can name it). Git and path packages
keep their ``source`` in metadata.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import load_yaml
from bastion.inventory.base import ExtractContext, make_package
from bastion.model import Ecosystem, FileRef, Package, PluginId


class PubspecLockExtractor:
    plugin: ClassVar[PluginId] = PluginId("dart/pubspec-lock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.PUB
    file_names: ClassVar[frozenset[str]] = frozenset({"pubspec.lock"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "pubspec.lock"

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        doc = load_yaml(stream.read(ctx.limits.max_parse_bytes + 1), entry.path, ctx.limits)
        if doc is None:
            return []
        packages = doc.get("packages") if isinstance(doc, dict) else None
        if not isinstance(doc, dict) or not isinstance(packages or {}, dict):
            raise ExtractError(f"{entry.path}: expected a 'packages' map")
        sdks = doc.get("sdks")
        sdks = sdks if isinstance(sdks, dict) else {}
        out: list[Package] = []
        for name, item in (packages or {}).items():
            if not isinstance(item, dict) or not isinstance(item.get("version"), str):
                raise ExtractError(f"{entry.path}: package {name!r} has no version string")
            source = item.get("source")
            dependency = str(item.get("dependency", ""))
            meta = {"source": str(source)} if source not in ("hosted", None) else {}
            if source == "sdk" and isinstance(item.get("description"), str):
                sdk = item["description"]
                meta["sdk"] = sdk
                if isinstance(sdks.get(sdk), str):
                    meta["sdk_constraint"] = sdks[sdk]
            out.append(
                make_package(
                    Ecosystem.PUB,
                    str(name),
                    item["version"],
                    entry,
                    self.plugin,
                    direct=dependency.startswith("direct"),
                    dev=True
                    if dependency == "direct dev"
                    else (False if dependency.startswith("direct") else None),
                    metadata=meta,
                )
            )
        return out


__all__ = ["PubspecLockExtractor"]
