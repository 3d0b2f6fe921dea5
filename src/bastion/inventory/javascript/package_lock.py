"""package-lock.json and npm-shrinkwrap.json, lockfile versions 1, 2 and 3.

v2/v3 are read from ``packages`` (keyed by install path, ``node_modules/a/node_modules/b``); v1 from
the nested ``dependencies`` tree, which is turned into the same install paths. Dependency edges are
resolved the way Node resolves ``require``: the nearest ``node_modules`` folder up the path wins.

- name: the install folder's name, or the entry's ``name`` when they differ (``npm:`` aliases), so
  an alias is reported under the real package name; v1 aliases (``"version": "npm:real@1.0.0"``) too.
- direct: True for the package a root or workspace dependency resolves to (from the lock's root
  entry in v2/v3; from the sibling package.json in v1), False for the rest; None for v1 without a
  package.json.
- dev: the ``dev`` flag. ``devOptional`` packages are needed by an optional production path, so they
  are not dev; ``optional``/``devOptional``/``peer``/``inBundle`` are kept in ``metadata``.
- the root project and ``link``/``file:`` packages are first-party code and are not reported; the
  dependencies they declare are. Workspace members are reported (``metadata["workspace"]``), with
  version ``""`` when their package.json has none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import load_json
from bastion.inventory._lockfile import read_stream, vendored
from bastion.inventory.base import ExtractContext
from bastion.inventory.javascript._common import (
    DEP_FIELDS,
    licenses_of,
    name_from_path,
    npm_package,
    parse_alias,
    read_package_json,
    str_map,
)
from bastion.model import Ecosystem, FileRef, Package, PluginId

_LOCAL_PREFIXES = ("file:", "link:")
_GIT_PREFIXES = ("git+", "git:", "github:", "gitlab:", "bitbucket:", "git@")


def _installed(key: str) -> bool:
    return key.startswith("node_modules/") or "/node_modules/" in key


class _Tree:
    """Install-path keyed entries plus Node's resolution algorithm over them."""

    def __init__(self, entries: dict[str, Mapping[str, Any]]) -> None:
        self.entries = entries

    def resolve(self, origin: str, dep: str) -> str | None:
        """The key ``dep`` resolves to when required from the package at ``origin`` (links followed)."""
        base = origin
        for _ in range(1024):
            candidate = f"{base}/node_modules/{dep}" if base else f"node_modules/{dep}"
            found = self.entries.get(candidate)
            if found is not None:
                if found.get("link") is True:
                    target = found.get("resolved")
                    return target if isinstance(target, str) and target else None
                return candidate
            if not base:
                return None
            i = base.rfind("/node_modules/")
            base = base[:i] if i >= 0 else ""
        return None


def _v1_entries(deps: Mapping[str, Any], out: dict[str, Mapping[str, Any]], limit: int) -> None:
    """Flatten v1's nested ``dependencies`` into install paths (iterative; nesting is bounded)."""
    stack: list[tuple[str, Mapping[str, Any]]] = [("", deps)]
    while stack:
        prefix, table = stack.pop()
        for name, entry in table.items():
            if not isinstance(entry, Mapping):
                continue
            key = f"{prefix}node_modules/{name}"
            out[key] = entry
            nested = entry.get("dependencies")
            if isinstance(nested, Mapping) and nested:
                if key.count("/node_modules/") >= limit:
                    raise ExtractError(f"nested dependencies deeper than {limit} levels")
                stack.append((key + "/", nested))


class PackageLockExtractor:
    plugin: ClassVar[PluginId] = PluginId("javascript/package-lock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.NPM
    file_names: ClassVar[frozenset[str]] = frozenset({"package-lock.json", "npm-shrinkwrap.json"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()
    #: Sibling files read through ``ctx.tree`` (materialised for image scans, see ``runner.want_fn``).
    companion_names: ClassVar[frozenset[str]] = frozenset({"package.json"})

    def wants(self, entry: FileRef) -> bool:
        return entry.name in self.file_names and not vendored(entry.path)

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        doc = load_json(read_stream(stream, entry, ctx), entry.path, ctx.limits)
        if not isinstance(doc, Mapping):
            raise ExtractError(f"{entry.path}: top level is not an object; expected package-lock.json")
        packages = doc.get("packages")
        if isinstance(packages, Mapping):
            return self._v2(entry, ctx, packages)
        dependencies = doc.get("dependencies")
        if isinstance(dependencies, Mapping) or "lockfileVersion" in doc:
            return self._v1(entry, ctx, dependencies if isinstance(dependencies, Mapping) else {})
        raise ExtractError(
            f"{entry.path}: no 'packages', 'dependencies' or 'lockfileVersion'; expected package-lock.json"
        )

    # -- v2 / v3 ---------------------------------------------------------------------------------
    def _v2(self, entry: FileRef, ctx: ExtractContext, packages: Mapping[str, Any]) -> list[Package]:
        entries = {str(k): v for k, v in packages.items() if isinstance(v, Mapping)}
        tree = _Tree(entries)
        roots = [k for k in entries if not _installed(k) and entries[k].get("link") is not True]
        # a link's folder name is the workspace's package name when its entry does not say
        link_names = {
            str(e["resolved"]): name_from_path(k)
            for k, e in entries.items()
            if e.get("link") is True and isinstance(e.get("resolved"), str)
        }

        def identity(key: str) -> tuple[str, str] | None:
            e = entries[key]
            version = e.get("version")
            if (version is None or version == "") and not _installed(key) and key:
                # a workspace member whose package.json has no version: still a package of the project
                # (syft and trivy list it), reported with version "" like any unversioned package
                version = ""
            elif not isinstance(version, str) or not version or version.startswith(_LOCAL_PREFIXES):
                return None
            if isinstance(e.get("name"), str) and e["name"]:
                return e["name"], version
            return (
                name_from_path(key) if _installed(key) else link_names.get(key, key.rpartition("/")[2])
            ), version

        direct: set[str] = set()
        for root in roots:
            for field in DEP_FIELDS:
                for dep in str_map(entries[root].get(field)):
                    target = tree.resolve(root, dep)
                    if target is not None and _installed(target):
                        direct.add(target)
        out = []
        for key, e in entries.items():
            if e.get("link") is True and not _text(e.get("resolved")):
                ctx.warn(entry.path, f"packages[{key!r}]: a link without 'resolved'; skipped")
                continue
            if key == "" or e.get("link") is True:
                continue
            workspace = not _installed(key)
            ident = identity(key)
            if ident is None:
                if not workspace and not _text(e.get("version")).startswith(_LOCAL_PREFIXES):
                    ctx.warn(entry.path, f"packages[{key!r}]: no version; skipped")
                continue
            name, version = ident
            deps = []
            for field in ("dependencies", "optionalDependencies", "peerDependencies"):
                for dep in str_map(e.get(field)):
                    target = tree.resolve(key, dep)
                    if target is not None and target != key and target in entries:
                        tid = identity(target)
                        if tid is not None:
                            deps.append(f"{tid[0]}@{tid[1]}")
            if workspace:
                # a workspace member (or local package): first-party, reported so the SBOM shows it
                pkg = npm_package(
                    entry,
                    self.plugin,
                    name,
                    version,
                    licenses=licenses_of(e),
                    dependencies=tuple(dict.fromkeys(deps)),
                    metadata={"workspace": key},
                )
            else:
                pkg = npm_package(
                    entry,
                    self.plugin,
                    name,
                    version if not version.startswith(_GIT_PREFIXES) else "",
                    direct=key in direct,
                    dev=e.get("dev") is True,
                    licenses=licenses_of(e),
                    dependencies=tuple(dict.fromkeys(deps)),
                    metadata=_metadata(e, _text(e.get("resolved")), version),
                )
            out.append(pkg)
        return out

    # -- v1 ----------------------------------------------------------------------------------------
    def _v1(self, entry: FileRef, ctx: ExtractContext, dependencies: Mapping[str, Any]) -> list[Package]:
        entries: dict[str, Mapping[str, Any]] = {}
        try:
            _v1_entries(dependencies, entries, ctx.limits.max_nesting)
        except ExtractError as exc:
            raise ExtractError(f"{entry.path}: {exc.message}") from None
        tree = _Tree(entries)
        manifest = read_package_json(ctx, entry)
        direct: set[str] = set()
        if manifest is not None:
            for dep in manifest.direct:
                target = tree.resolve("", dep)
                if target is not None:
                    direct.add(target)

        def identity(key: str, e: Mapping[str, Any]) -> tuple[str, str] | None:
            version = e.get("version")
            if not isinstance(version, str) or not version or version.startswith(_LOCAL_PREFIXES):
                return None
            alias = parse_alias(version)
            if alias is not None:
                return alias
            if version.startswith(_GIT_PREFIXES) or "://" in version:
                return name_from_path(key), ""
            return name_from_path(key), version

        out = []
        for key, e in entries.items():
            ident = identity(key, e)
            if ident is None:
                if not (isinstance(e.get("version"), str) and e["version"].startswith(_LOCAL_PREFIXES)):
                    ctx.warn(entry.path, f"dependencies {key!r}: no version; skipped")
                continue
            deps = []
            for dep in str_map(e.get("requires")):
                target = tree.resolve(key, dep)
                if target is not None and target != key:
                    tid = identity(target, entries[target])
                    if tid is not None:
                        deps.append(f"{tid[0]}@{tid[1]}" if tid[1] else tid[0])
            resolved = _text(e.get("resolved"))
            out.append(
                npm_package(
                    entry,
                    self.plugin,
                    ident[0],
                    ident[1],
                    direct=(key in direct) if manifest is not None else None,
                    dev=e.get("dev") is True,
                    dependencies=tuple(dict.fromkeys(deps)),
                    metadata=_metadata(e, resolved, str(e.get("version", ""))),
                )
            )
        return out


def _metadata(e: Mapping[str, Any], resolved: str, version: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    if resolved:
        meta["resolved"] = resolved
    elif version.startswith(_GIT_PREFIXES) or "://" in version:
        meta["resolved"] = version
    if isinstance(e.get("integrity"), str):
        meta["integrity"] = e["integrity"]
    for flag in ("optional", "devOptional", "peer", "inBundle", "bundled", "extraneous"):
        if e.get(flag) is True:
            meta[flag] = "true"
    return meta


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
