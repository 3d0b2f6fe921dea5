"""pylock.toml and ``pylock.<name>.toml`` (PEP 751, ``lock-version = "1.0"``).

PEP 751 does not say which packages the project requires directly, so ``direct`` is None. dev: when
the lock declares ``dependency-groups``, a package whose ``marker`` selects it only for groups outside
``default-groups`` (``'dev' in dependency_groups``) is dev, and any other package is not; without
declared groups dev is None. Edges come from ``dependencies`` (``{name, version}`` references).
Packages with a local ``directory`` source (the project itself) are skipped; VCS and archive sources
are kept, with the source in ``metadata``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import load_toml
from bastion.inventory._lockfile import read_stream, vendored
from bastion.inventory.base import ExtractContext
from bastion.inventory.python._common import pypi_package
from bastion.model import Ecosystem, FileRef, Package, PluginId

_GROUP_CLAUSE = re.compile(r"""['"]([^'"]{1,200})['"]\s+in\s+dependency_groups""")


def _group_dev(marker: object, default_groups: set[str], declared: bool) -> bool | None:
    if not declared:
        return None
    if not isinstance(marker, str) or "dependency_groups" not in marker:
        return False
    groups = set(_GROUP_CLAUSE.findall(marker[:4096]))
    if not groups:
        return None
    return groups.isdisjoint(default_groups)


class PylockExtractor:
    plugin: ClassVar[PluginId] = PluginId("python/pylock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.PYPI
    file_names: ClassVar[frozenset[str]] = frozenset({"pylock.toml"})
    file_suffixes: ClassVar[tuple[str, ...]] = (".toml",)

    def wants(self, entry: FileRef) -> bool:
        name = entry.name
        if vendored(entry.path):
            return False
        return name == "pylock.toml" or (
            name.startswith("pylock.") and name.endswith(".toml") and name.count(".") == 2
        )

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        doc = load_toml(read_stream(stream, entry, ctx), entry.path, ctx.limits)
        version = doc.get("lock-version")
        if not isinstance(version, str):
            raise ExtractError(f"{entry.path}: no 'lock-version'; expected a PEP 751 pylock.toml")
        if not version.startswith("1."):
            raise ExtractError(f"{entry.path}: lock-version {version!r} is not supported; expected 1.x")
        raw = doc.get("packages", [])
        if not isinstance(raw, list):
            raise ExtractError(f"{entry.path}: 'packages' is not an array of tables")
        declared_groups = doc.get("dependency-groups")
        declared = isinstance(declared_groups, list) and bool(declared_groups)
        defaults = doc.get("default-groups")
        default_groups = {str(g) for g in defaults} if isinstance(defaults, list) else set()

        out = []
        for i, pkg in enumerate(raw):
            if not isinstance(pkg, Mapping) or not isinstance(pkg.get("name"), str):
                ctx.warn(entry.path, f"packages[{i}]: no name; skipped")
                continue
            name = pkg["name"]
            if isinstance(pkg.get("directory"), Mapping):
                continue  # a local project (often the locked project itself, editable)
            metadata = _source(pkg)
            version = pkg.get("version")
            if not isinstance(version, str) or not version:
                if not metadata:
                    ctx.warn(entry.path, f"package {name!r}: no version and no source; skipped")
                    continue
                version = ""
            if isinstance(pkg.get("marker"), str):
                metadata["markers"] = pkg["marker"]
            deps = []
            raw_deps = pkg.get("dependencies")
            for dep in raw_deps if isinstance(raw_deps, list) else []:
                if isinstance(dep, Mapping) and isinstance(dep.get("name"), str):
                    dv = dep.get("version")
                    deps.append(f"{dep['name']}@{dv}" if isinstance(dv, str) and dv else dep["name"])
            out.append(
                pypi_package(
                    entry,
                    self.plugin,
                    name,
                    version,
                    dev=_group_dev(pkg.get("marker"), default_groups, declared),
                    dependencies=tuple(dict.fromkeys(deps)),
                    metadata=metadata,
                )
            )
        return out


def _source(pkg: Mapping[str, Any]) -> dict[str, str]:
    vcs = pkg.get("vcs")
    if isinstance(vcs, Mapping):
        meta = {"source_type": str(vcs.get("type", "vcs"))}
        where = vcs.get("url") or vcs.get("path")
        if isinstance(where, str):
            meta["source_url"] = where
        if isinstance(vcs.get("commit-id"), str):
            meta["resolved_reference"] = vcs["commit-id"]
        return meta
    archive = pkg.get("archive")
    if isinstance(archive, Mapping):
        where = archive.get("url") or archive.get("path")
        return (
            {"source_type": "archive", "source_url": str(where)}
            if isinstance(where, str)
            else {"source_type": "archive"}
        )
    index = pkg.get("index")
    if isinstance(index, str):
        return {"index": index}
    return {}
