"""poetry.lock, lock formats 1.x (``category = "main"|"dev"``) and 2.x (``groups = [...]``, or neither).

dev: from ``category``/``groups`` when the lock records them (a package is prod when it is in the
``main`` group). Locks written by Poetry 1.5 to 1.8 record neither; then, when ``pyproject.toml`` sits
next to the lock, a package is dev when it is reachable only from non-main groups. direct: True for
names the sibling ``pyproject.toml`` declares (any group), False for the rest, None without it.
Packages from a local ``directory`` source (path dependencies, the project itself) are not reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import load_toml
from bastion.inventory._lockfile import classify_dev, read_stream, vendored
from bastion.inventory.base import ExtractContext
from bastion.inventory.python._common import canon, direct_flag, pypi_package, read_pyproject
from bastion.model import Ecosystem, FileRef, Package, PluginId


def _dev_from_lock(pkg: Mapping[str, Any]) -> bool | None:
    category = pkg.get("category")
    if isinstance(category, str):
        return category != "main"
    groups = pkg.get("groups")
    if isinstance(groups, list) and groups:
        return "main" not in groups
    return None


class PoetryLockExtractor:
    plugin: ClassVar[PluginId] = PluginId("python/poetry-lock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.PYPI
    file_names: ClassVar[frozenset[str]] = frozenset({"poetry.lock"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()
    #: Sibling files read through ``ctx.tree`` (materialised for image scans, see ``runner.want_fn``).
    companion_names: ClassVar[frozenset[str]] = frozenset({"pyproject.toml"})

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "poetry.lock" and not vendored(entry.path)

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        doc = load_toml(read_stream(stream, entry, ctx), entry.path, ctx.limits)
        raw = doc.get("package", [])
        if not isinstance(raw, list):
            raise ExtractError(f"{entry.path}: 'package' is not an array of tables; expected a poetry.lock")
        entries: list[Mapping[str, Any]] = []
        for i, pkg in enumerate(raw):
            if not isinstance(pkg, Mapping) or not isinstance(pkg.get("name"), str):
                ctx.warn(entry.path, f"package #{i + 1}: no name; skipped")
                continue
            if not isinstance(pkg.get("version"), str):
                ctx.warn(entry.path, f"package {pkg['name']!r}: no version; skipped")
                continue
            entries.append(pkg)

        spelled = {canon(p["name"]): p["name"] for p in entries}
        edges: dict[str, list[str]] = {}
        for pkg in entries:
            deps = pkg.get("dependencies")
            names = [canon(str(d)) for d in deps] if isinstance(deps, Mapping) else []
            edges.setdefault(canon(pkg["name"]), []).extend(n for n in names if n in spelled)

        manifest = read_pyproject(ctx, entry)
        computed: dict[str, bool] = {}
        if manifest is not None and all(_dev_from_lock(p) is None for p in entries):
            computed = classify_dev(edges, manifest.prod, manifest.dev)

        out = []
        for pkg in entries:
            source = pkg.get("source")
            source = source if isinstance(source, Mapping) else {}
            if source.get("type") == "directory":
                continue  # a local path dependency or the project itself
            key = canon(pkg["name"])
            dev = _dev_from_lock(pkg)
            if dev is None:
                dev = computed.get(key)
            metadata = {}
            if source.get("type"):
                metadata["source_type"] = str(source["type"])
                if source.get("url"):
                    metadata["source_url"] = str(source["url"])
                if source.get("resolved_reference"):
                    metadata["resolved_reference"] = str(source["resolved_reference"])
            if pkg.get("optional") is True:
                metadata["optional"] = "true"
            out.append(
                pypi_package(
                    entry,
                    self.plugin,
                    pkg["name"],
                    pkg["version"],
                    direct=direct_flag(manifest, pkg["name"]),
                    dev=dev,
                    dependencies=tuple(dict.fromkeys(spelled[d] for d in edges.get(key, ()))),
                    metadata=metadata,
                )
            )
        return out
