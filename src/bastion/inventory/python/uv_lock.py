"""uv.lock (uv's universal lockfile, ``version = 1``).

Local packages (``editable``, ``virtual`` or ``directory`` sources: the project and its workspace
members) are not reported; what they declare is. direct: True for a dependency of a local package
(its ``dependencies``, ``optional-dependencies`` and ``dev-dependencies``), False otherwise. dev: True
for a package reachable only through ``dev-dependencies`` groups of local packages. Edges come from
``dependencies`` and ``optional-dependencies`` of each package; a reference carries the version when
uv records one (several versions of one name can coexist in a forked resolution).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import load_toml
from bastion.inventory._lockfile import classify_dev, read_stream, vendored
from bastion.inventory.base import ExtractContext
from bastion.inventory.python._common import canon, pypi_package
from bastion.model import Ecosystem, FileRef, Package, PluginId

_LOCAL_SOURCES = ("editable", "virtual", "directory")
Node = tuple[str, str]  # (canonical name, version)


def _dep_list(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [d for d in value if isinstance(d, Mapping) and isinstance(d.get("name"), str)]


def _grouped(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, Mapping):
        return []
    return [d for items in value.values() for d in _dep_list(items)]


class UvLockExtractor:
    plugin: ClassVar[PluginId] = PluginId("python/uv-lock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.PYPI
    file_names: ClassVar[frozenset[str]] = frozenset({"uv.lock"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "uv.lock" and not vendored(entry.path)

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        doc = load_toml(read_stream(stream, entry, ctx), entry.path, ctx.limits)
        raw = doc.get("package", [])
        if not isinstance(raw, list):
            raise ExtractError(f"{entry.path}: 'package' is not an array of tables; expected a uv.lock")
        if "version" not in doc and not raw:
            raise ExtractError(f"{entry.path}: no 'version' and no packages; expected a uv.lock")
        pkgs = [p for p in raw if isinstance(p, Mapping) and isinstance(p.get("name"), str)]
        if len(pkgs) != len(raw):
            ctx.warn(entry.path, f"{len(raw) - len(pkgs)} package entries without a name; skipped")

        by_name: dict[str, list[Node]] = {}
        for p in pkgs:
            node = (canon(p["name"]), str(p.get("version", "")))
            by_name.setdefault(node[0], []).append(node)

        def resolve(dep: Mapping[str, Any]) -> Node | None:
            name = canon(dep["name"])
            candidates = by_name.get(name)
            if not candidates:
                return None
            version = dep.get("version")
            if isinstance(version, str):
                for node in candidates:
                    if node[1] == version:
                        return node
            return candidates[0]

        edges: dict[Node, list[Node]] = {}
        local: set[Node] = set()
        prod_roots: list[Node] = []
        dev_roots: list[Node] = []
        for p in pkgs:
            node = (canon(p["name"]), str(p.get("version", "")))
            source = p.get("source")
            is_local = isinstance(source, Mapping) and any(k in source for k in _LOCAL_SOURCES)
            runtime = [*_dep_list(p.get("dependencies")), *_grouped(p.get("optional-dependencies"))]
            targets = [t for t in map(resolve, runtime) if t is not None]
            edges.setdefault(node, []).extend(targets)
            if is_local:
                local.add(node)
                prod_roots.extend(targets)
                dev_roots.extend(
                    t for t in map(resolve, _grouped(p.get("dev-dependencies"))) if t is not None
                )

        direct = set(prod_roots) | set(dev_roots)
        dev_of = classify_dev(edges, prod_roots, dev_roots) if local else {}
        spelled = {(canon(p["name"]), str(p.get("version", ""))): p["name"] for p in pkgs}

        out = []
        for p in pkgs:
            node = (canon(p["name"]), str(p.get("version", "")))
            if node in local:
                continue
            version = p.get("version")
            source = p.get("source")
            if not isinstance(source, Mapping):
                source = {}
            metadata = {}
            for kind in ("git", "url", "path"):
                if isinstance(source.get(kind), str):
                    metadata["source_type"] = kind
                    metadata["source_url"] = source[kind]
            if not isinstance(version, str) or not version:
                if not metadata:
                    ctx.warn(entry.path, f"package {p['name']!r}: no version; skipped")
                    continue
                version = ""
            deps = [
                f"{spelled[t]}@{t[1]}" if t[1] else spelled[t] for t in edges.get(node, ()) if t not in local
            ]
            out.append(
                pypi_package(
                    entry,
                    self.plugin,
                    p["name"],
                    version,
                    direct=(node in direct) if local else None,
                    dev=dev_of.get(node),
                    dependencies=tuple(dict.fromkeys(deps)),
                    metadata=metadata,
                )
            )
        return out
