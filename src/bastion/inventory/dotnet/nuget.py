"""NuGet: ``packages.lock.json``, ``*.deps.json`` and ``packages.config``.

* packages.lock.json (v1, v2): one package per resolved name and version across all target
  frameworks (``metadata["frameworks"]`` lists them); ``Direct`` → ``direct=True``, ``Transitive`` and
  ``CentralTransitive`` → ``direct=False``; ``Project`` entries (project references) are not packages.
  Edges come from each entry's ``dependencies`` resolved within the same framework.
* ``*.deps.json`` (what ``dotnet publish`` ships next to an application): libraries of type
  ``package``, plus ``runtimepack`` libraries (a self-contained app's bundled runtime, reported
  without the ``runtimepack.`` prefix: ``Microsoft.NETCore.App.Runtime.linux-x64``, which is how the
  runtime's advisories name it). Edges come from the ``runtimeTarget``'s target; packages that a
  ``project`` library depends on are ``direct=True``. Only runtime dependencies are listed, so
  ``dev=False``. A library whose entry in the runtime target lists no ``runtime``, ``runtimeTargets``
  or ``native`` assets ships no code with the application (meta-packages such as
  ``Microsoft.NETCore.App`` or ``NETStandard.Library``, and packages whose assembly the shared framework
  supplies, like ``System.Net.Http`` 4.1.0): it is not reported, as Trivy does not, because reporting
  it would attach the package's advisories to code that is not there. A library missing from the
  target entirely is kept (nothing says it has no assets).
* packages.config: ``developmentDependency="true"`` → ``dev=True``; ``allowedVersions`` is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import load_json, parse_xml
from bastion.inventory.base import ExtractContext, make_package, make_purl
from bastion.model import Ecosystem, FileRef, Package, PluginId


def nuget_purl(name: str, version: str) -> str:
    return make_purl("nuget", name, version)


class PackagesLockExtractor:
    plugin: ClassVar[PluginId] = PluginId("dotnet/packages-lock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.NUGET
    file_names: ClassVar[frozenset[str]] = frozenset({"packages.lock.json"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "packages.lock.json"

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        doc = load_json(stream.read(ctx.limits.max_parse_bytes + 1), entry.path, ctx.limits)
        if not isinstance(doc, dict) or not isinstance(doc.get("dependencies"), dict):
            raise ExtractError(
                f"{entry.path}: expected an object with a 'dependencies' map of target frameworks"
            )
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for framework, entries in doc["dependencies"].items():
            if not isinstance(entries, dict):
                raise ExtractError(f"{entry.path}: framework {framework!r} is not a map of packages")
            resolved = {n: e.get("resolved") for n, e in entries.items() if isinstance(e, dict)}
            for name, item in entries.items():
                if not isinstance(item, dict):
                    raise ExtractError(f"{entry.path}: {framework} / {name} is not an object")
                kind = item.get("type", "")
                if kind == "Project":
                    continue
                version = item.get("resolved")
                if not isinstance(version, str) or not version:
                    raise ExtractError(f"{entry.path}: {framework} / {name} has no 'resolved' version")
                slot = found.setdefault((name, version), {"direct": False, "frameworks": [], "deps": []})
                slot["direct"] = slot["direct"] or kind == "Direct"
                slot["frameworks"].append(framework)
                deps = item.get("dependencies")
                for dep in deps if isinstance(deps, dict) else {}:
                    target = resolved.get(dep)
                    ref = f"{dep}@{target}" if isinstance(target, str) else dep
                    if ref not in slot["deps"]:
                        slot["deps"].append(ref)
        return [
            make_package(
                Ecosystem.NUGET,
                name,
                version,
                entry,
                self.plugin,
                purl=nuget_purl(name, version),
                direct=slot["direct"],
                dependencies=tuple(slot["deps"]),
                metadata={"frameworks": ", ".join(slot["frameworks"])},
            )
            for (name, version), slot in found.items()
        ]


class DepsJsonExtractor:
    plugin: ClassVar[PluginId] = PluginId("dotnet/deps-json", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.NUGET
    file_names: ClassVar[frozenset[str]] = frozenset()
    file_suffixes: ClassVar[tuple[str, ...]] = (".deps.json",)

    def wants(self, entry: FileRef) -> bool:
        return entry.name.endswith(".deps.json") and len(entry.name) > len(".deps.json")

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        doc = load_json(stream.read(ctx.limits.max_parse_bytes + 1), entry.path, ctx.limits)
        if not isinstance(doc, dict) or not isinstance(doc.get("libraries", {}), dict):
            raise ExtractError(f"{entry.path}: expected an object with a 'libraries' map")
        libraries: dict[str, Any] = doc.get("libraries", {})
        raw_targets = doc.get("targets")
        targets: dict[str, Any] = raw_targets if isinstance(raw_targets, dict) else {}
        runtime = doc.get("runtimeTarget")
        target_name = runtime.get("name") if isinstance(runtime, dict) else None
        target: dict[str, Any] | None = None
        if isinstance(target_name, str):
            got = targets.get(target_name)
            target = got if isinstance(got, dict) else None
            if target is None and libraries:
                ctx.warn(
                    entry.path,
                    f"runtime target {target_name!r} is not among the targets; dependency edges omitted",
                )
        elif len(targets) == 1:
            only = next(iter(targets.values()))
            target = only if isinstance(only, dict) else None

        def edges(key: str) -> list[str]:
            node = target.get(key) if target is not None else None
            deps = node.get("dependencies") if isinstance(node, dict) else None
            return [f"{n}@{v}" for n, v in deps.items()] if isinstance(deps, dict) else []

        direct: set[str] = set()
        for key, lib in libraries.items():
            if isinstance(lib, dict) and lib.get("type") == "project":
                direct.update(edges(key))
        out: list[Package] = []
        for key, lib in libraries.items():
            if not isinstance(lib, dict):
                raise ExtractError(f"{entry.path}: library {key!r} is not an object")
            kind = lib.get("type")
            if kind not in ("package", "runtimepack"):
                continue
            if target is not None and key in target and not _has_runtime_assets(target[key]):
                continue
            name, sep, version = key.partition("/")
            if not sep or not name or not version:
                raise ExtractError(f"{entry.path}: library key {key!r} is not NAME/VERSION")
            meta: dict[str, str] = {}
            if kind == "runtimepack":
                name = name.removeprefix("runtimepack.")
                meta["type"] = "runtimepack"
            if isinstance(lib.get("sha512"), str) and lib["sha512"]:
                meta["sha512"] = lib["sha512"]
            out.append(
                make_package(
                    Ecosystem.NUGET,
                    name,
                    version,
                    entry,
                    self.plugin,
                    purl=nuget_purl(name, version),
                    direct=f"{name}@{version}" in direct,
                    dev=False,
                    dependencies=tuple(edges(key)),
                    metadata=meta,
                )
            )
        return out


_ASSET_KINDS = ("runtime", "runtimeTargets", "native")


def _has_runtime_assets(node: Any) -> bool:
    """True when a deps.json target entry ships code: a non-empty runtime, runtimeTargets or native map."""
    return not isinstance(node, dict) or any(node.get(kind) for kind in _ASSET_KINDS)


class PackagesConfigExtractor:
    plugin: ClassVar[PluginId] = PluginId("dotnet/packages-config", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.NUGET
    file_names: ClassVar[frozenset[str]] = frozenset({"packages.config"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "packages.config"

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        root = parse_xml(stream.read(ctx.limits.max_parse_bytes + 1), entry.path, ctx.limits)
        if root.tag != "packages":
            raise ExtractError(f"{entry.path}: root element is <{root.tag}>, expected <packages>")
        out: list[Package] = []
        for el in root.iter("package"):
            name, version = el.get("id", ""), el.get("version", "")
            if not name or not version:
                raise ExtractError(f"{entry.path}: <package> without id and version")
            meta = {k: v for k in ("targetFramework", "allowedVersions") if (v := el.get(k))}
            out.append(
                make_package(
                    Ecosystem.NUGET,
                    name,
                    version,
                    entry,
                    self.plugin,
                    purl=nuget_purl(name, version),
                    direct=True,
                    dev=el.get("developmentDependency", "").lower() == "true",
                    metadata=meta,
                )
            )
        return out


__all__ = ["DepsJsonExtractor", "PackagesConfigExtractor", "PackagesLockExtractor"]
