"""Composer: ``composer.lock`` and the installed ``vendor/composer/installed.json``.

* composer.lock: ``packages`` are production, ``packages-dev`` are ``dev=True``. Edges come from each
  package's ``require`` (platform requirements such as ``php`` and ``ext-*`` are not packages). The
  root ``composer.json`` (read from the tree when present beside the lock file) says which packages
  are direct; without it ``direct`` stays None.
* installed.json: Composer 1 writes a list, Composer 2 ``{"packages": [...], "dev-package-names": [...]}``;
  names listed in ``dev-package-names`` are ``dev=True``.
* Versions drop Composer's ``v`` prefix (``v1.2.3`` → ``1.2.3``) as the Packagist advisories do;
  branch versions (``dev-main``) are kept as they are, with ``metadata["reference"]`` (the commit).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from typing import Any, BinaryIO, ClassVar

from bastion.errors import BastionError, ExtractError
from bastion.fs.parsing import load_json
from bastion.inventory.base import ExtractContext, make_package, make_purl
from bastion.model import Ecosystem, FileRef, Package, PluginId
from bastion.targets.base import read_bytes

_PLATFORM = re.compile(
    r"^(php|hhvm|composer|composer-plugin-api|composer-runtime-api|ext-.+|lib-.+)$", re.IGNORECASE
)


def _version(v: str) -> str:
    return v[1:] if re.match(r"^v\d", v) else v


def _purl(name: str, version: str) -> str:
    namespace, _, short = name.rpartition("/")
    return make_purl("composer", short, version, namespace=namespace or None)


def _packages(items: Any, path: str, key: str) -> list[dict[str, Any]]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise ExtractError(f"{path}: '{key}' is not a list")
    for i, item in enumerate(items):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("name"), str)
            or not isinstance(item.get("version"), str)
        ):
            raise ExtractError(f"{path}: {key}[{i}] lacks a string name and version")
    return items


def _to_packages(
    items: list[dict[str, Any]],
    entry: FileRef,
    plugin: PluginId,
    dev_names: set[str] | None,
    dev_all: bool,
    direct: set[str] | None,
) -> list[Package]:
    out = []
    for item in items:
        name, version = item["name"], _version(item["version"])
        raw_require = item.get("require")
        requires: dict[str, Any] = raw_require if isinstance(raw_require, dict) else {}
        deps = tuple(r for r in requires if not _PLATFORM.match(r))
        lic = item.get("license")
        licenses = (
            tuple(x for x in lic if isinstance(x, str))
            if isinstance(lic, list)
            else ((lic,) if isinstance(lic, str) else ())
        )
        meta: dict[str, str] = {}
        source = item.get("source")
        if (
            isinstance(source, dict)
            and isinstance(source.get("reference"), str)
            and version.startswith("dev-")
        ):
            meta["reference"] = source["reference"]
        dev = dev_all or (dev_names is not None and name in dev_names)
        out.append(
            make_package(
                Ecosystem.PACKAGIST,
                name,
                version,
                entry,
                plugin,
                purl=_purl(name, version),
                dev=dev,
                direct=None if direct is None else name.lower() in direct,
                dependencies=deps,
                licenses=licenses,
                metadata=meta,
            )
        )
    return out


class ComposerLockExtractor:
    plugin: ClassVar[PluginId] = PluginId("php/composer-lock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.PACKAGIST
    file_names: ClassVar[frozenset[str]] = frozenset({"composer.lock"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "composer.lock"

    def _direct(self, entry: FileRef, ctx: ExtractContext) -> set[str] | None:
        manifest = posixpath.join(posixpath.dirname(entry.path), "composer.json")
        ref = ctx.tree.stat(manifest)
        if ref is None or not ref.is_file:
            return None
        try:
            doc = load_json(read_bytes(ctx.tree, manifest, ctx.limits.max_parse_bytes), manifest, ctx.limits)
        except BastionError as exc:
            ctx.warn(manifest, f"cannot tell direct dependencies: {exc.message}")
            return None
        names: set[str] = set()
        for key in ("require", "require-dev"):
            section = doc.get(key) if isinstance(doc, dict) else None
            if isinstance(section, dict):
                names.update(k.lower() for k in section)
        return names

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        doc = load_json(stream.read(ctx.limits.max_parse_bytes + 1), entry.path, ctx.limits)
        if not isinstance(doc, dict) or "packages" not in doc:
            raise ExtractError(f"{entry.path}: expected an object with a 'packages' list")
        prod = _packages(doc.get("packages"), entry.path, "packages")
        dev = _packages(doc.get("packages-dev"), entry.path, "packages-dev")
        direct = self._direct(entry, ctx)
        return _to_packages(prod, entry, self.plugin, None, False, direct) + _to_packages(
            dev, entry, self.plugin, None, True, direct
        )


class ComposerInstalledExtractor:
    plugin: ClassVar[PluginId] = PluginId("php/composer-installed", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.PACKAGIST
    file_names: ClassVar[frozenset[str]] = frozenset({"installed.json"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "installed.json" and entry.path.endswith("composer/installed.json")

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        doc = load_json(stream.read(ctx.limits.max_parse_bytes + 1), entry.path, ctx.limits)
        dev_names: set[str] | None = None
        if isinstance(doc, list):  # Composer 1
            items = _packages(doc, entry.path, "packages")
        elif isinstance(doc, dict) and "packages" in doc:  # Composer 2
            items = _packages(doc.get("packages"), entry.path, "packages")
            names = doc.get("dev-package-names")
            if isinstance(names, list):
                dev_names = {n for n in names if isinstance(n, str)}
        else:
            raise ExtractError(
                f"{entry.path}: expected a list (Composer 1) or an object with 'packages' (Composer 2)"
            )
        return _to_packages(items, entry, self.plugin, dev_names, False, None)


__all__ = ["ComposerInstalledExtractor", "ComposerLockExtractor"]
