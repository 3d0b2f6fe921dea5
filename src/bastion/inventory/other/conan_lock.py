"""Conan ``conan.lock``: Conan 1 graph locks (``graph_lock.nodes``) and Conan 2 lock files.

References look like ``name/version[@user/channel][#revision[%timestamp]]``. Conan 1: the root node
(the one with a ``path`` and no ``ref``) is the consumer; the nodes it requires are ``direct=True``,
and ``requires`` edges become dependencies. Conan 2: ``requires`` are prod, ``build_requires`` are
tools used at build time (``dev=True``), ``python_requires`` are recipe helpers (``dev=True``,
``metadata["kind"] == "python_requires"``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import load_json
from bastion.inventory.base import ExtractContext, make_package, make_purl
from bastion.model import Ecosystem, FileRef, Package, PluginId


def parse_ref(ref: str) -> tuple[str, str, dict[str, str]]:
    """(name, version, qualifiers) from a Conan reference; raises ValueError when it has no version."""
    ref, _, revision = ref.partition("#")
    ref, _, user_channel = ref.partition("@")
    name, sep, version = ref.partition("/")
    if not sep or not name or not version or "/" in version:
        raise ValueError(ref)
    quals: dict[str, str] = {}
    if user_channel:
        user, _, channel = user_channel.partition("/")
        quals = {"user": user, "channel": channel}
    if revision:
        quals["rrev"] = revision.partition("%")[0]
    return name, version, quals


class ConanLockExtractor:
    plugin: ClassVar[PluginId] = PluginId("conan/conan-lock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.CONAN
    file_names: ClassVar[frozenset[str]] = frozenset({"conan.lock"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "conan.lock"

    def _pkg(self, entry: FileRef, ref: str, **fields: Any) -> Package:
        try:
            name, version, quals = parse_ref(ref)
        except ValueError:
            raise ExtractError(
                f"{entry.path}: reference {ref!r} is not NAME/VERSION[@USER/CHANNEL][#REV]"
            ) from None
        meta = dict(fields.pop("metadata", {}))
        if "rrev" in quals:
            meta["revision"] = quals.pop("rrev")
        return make_package(
            Ecosystem.CONAN,
            name,
            version,
            entry,
            self.plugin,
            purl=make_purl("conan", name, version, qualifiers=quals),
            metadata=meta,
            **fields,
        )

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        doc = load_json(stream.read(ctx.limits.max_parse_bytes + 1), entry.path, ctx.limits)
        if not isinstance(doc, dict):
            raise ExtractError(f"{entry.path}: expected a JSON object")
        if "graph_lock" in doc:
            return self._v1(doc["graph_lock"], entry)
        if any(k in doc for k in ("requires", "build_requires", "python_requires")):
            out: list[Package] = []
            for key, dev in (("requires", False), ("build_requires", True), ("python_requires", True)):
                refs = doc.get(key) or []
                if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
                    raise ExtractError(f"{entry.path}: '{key}' is not a list of references")
                meta = {"kind": key} if key != "requires" else {}
                out.extend(self._pkg(entry, r, dev=dev, metadata=meta) for r in refs)
            return out
        raise ExtractError(f"{entry.path}: neither a Conan 1 graph lock nor a Conan 2 lock file")

    def _v1(self, graph: Any, entry: FileRef) -> list[Package]:
        nodes = graph.get("nodes") if isinstance(graph, dict) else None
        if not isinstance(nodes, dict):
            raise ExtractError(f"{entry.path}: graph_lock has no 'nodes' map")
        refs: dict[str, str] = {}
        direct: set[str] = set()
        for key, node in nodes.items():
            if not isinstance(node, dict):
                raise ExtractError(f"{entry.path}: node {key!r} is not an object")
            if isinstance(node.get("ref"), str) and node["ref"]:
                refs[key] = node["ref"]
            elif "path" in node:
                direct.update(str(r) for r in node.get("requires") or [])
        out: list[Package] = []
        for key, ref in refs.items():
            node = nodes[key]
            deps = []
            for r in node.get("requires") or []:
                if str(r) in refs:
                    name, version, _ = parse_ref(refs[str(r)])
                    deps.append(f"{name}@{version}")
            out.append(self._pkg(entry, ref, direct=key in direct, dependencies=tuple(deps)))
        return out


__all__ = ["ConanLockExtractor", "parse_ref"]
