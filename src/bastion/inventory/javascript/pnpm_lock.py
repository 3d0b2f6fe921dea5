"""pnpm-lock.yaml, lockfile versions 5.x, 6.x and 9.x.

Packages are keyed by *dependency paths* whose spelling changed between versions:
``/name/1.0.0_peer@1.0.0`` (v5), ``/name@1.0.0(peer@1.0.0)`` (v6) and ``name@1.0.0(peer@1.0.0)`` (v9,
in ``snapshots``; ``packages`` then holds only resolution metadata). Peer suffixes are not part of
the version. Entries with ``name``/``version`` fields (tarballs, git, local directories) use those.

- direct: True for a package an importer (the project or a workspace member) depends on; v5 and v6
  locks without ``importers`` list the project's dependencies at top level.
- dev: the ``dev`` flag where v5/v6 record it; for v9 (no flags) a package is dev when it is reachable
  only from importers' ``devDependencies``.
- ``link:`` and ``file:`` directory dependencies are first-party code and are not reported.
- a YAML stream with several documents (pnpm ≥ 10 puts its own "env lockfile" first) is read document
  by document; the env lockfile's ``configDependencies``/``packageManagerDependencies`` (pnpm itself,
  installed to run the build) are not reported as project dependencies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import load_yaml_all
from bastion.inventory._lockfile import classify_dev, read_stream, vendored
from bastion.inventory.base import ExtractContext
from bastion.inventory.javascript._common import PackageJson, join, npm_package, read_package_json
from bastion.model import Ecosystem, FileRef, Package, PluginId

_IMPORTER_FIELDS = ("dependencies", "optionalDependencies", "devDependencies")
_ENV_ONLY = frozenset({"configDependencies", "packageManagerDependencies"})


def lockfile_major(doc: Mapping[str, Any]) -> int | None:
    raw = doc.get("lockfileVersion")
    try:
        return int(float(str(raw).split(".")[0] if isinstance(raw, str) else raw))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def strip_peers(version: str) -> str:
    """``1.0.0(react@18.0.0)`` / ``1.0.0_react@18.0.0`` → ``1.0.0``."""
    for sep in ("(", "_"):
        i = version.find(sep)
        if i > 0:
            version = version[:i]
    return version


def parse_dep_path(path: str, major: int) -> tuple[str, str] | None:
    """(name, version) of a registry dependency path, or None when it is not one."""
    p = path
    if p.startswith("/"):
        p = p[1:]
    elif major < 9 and not p.startswith("@") and "." in p.split("/", 1)[0]:
        p = p.split("/", 1)[1] if "/" in p else ""  # "registry.npmjs.org/name/1.0.0"
    if major < 6:
        scoped = p.startswith("@")
        parts = p.split("/")
        if scoped:
            if len(parts) < 3:
                return None
            name, version = f"{parts[0]}/{parts[1]}", "/".join(parts[2:])
        else:
            if len(parts) < 2:
                return None
            name, version = parts[0], "/".join(parts[1:])
    else:
        at = p.find("@", 1)
        if at < 0:
            return None
        name, version = p[:at], p[at + 1 :]
    version = strip_peers(version)
    if not name or not version[:1].isdigit():
        return None
    return name, version


def _ref_key(name: str, ref: str, major: int) -> str | None:
    """The dependency-path key a ``name: ref`` dependency entry points at (None for links).

    A registry version (``1.0.0``, ``1.0.0(peer@1)``, ``1.0.0_peer@1``) is combined with the name;
    anything else (an alias ``/real/1.0.0`` or ``real@1.0.0``, a tarball or git path) is the key itself
    in v5/v6 and, for v9, is the key unless it only names the source (``name@<url>``).
    """
    if ref.startswith("link:"):
        return None
    if ref[:1].isdigit():
        if major < 6:
            return f"/{name}/{ref}"
        return f"/{name}@{ref}" if major < 9 else f"{name}@{ref}"
    if major < 9:
        return ref
    head = ref.split("(", 1)[0]
    if "@" in head[1:] and "://" not in head.split("@", 1)[0]:
        return ref  # an alias: "real-name@1.0.0"
    return f"{name}@{ref}"


def _importer_refs(table: object) -> dict[str, str]:
    """``{name: version}`` from v5's plain strings or v6/v9's ``{specifier, version}`` objects."""
    out: dict[str, str] = {}
    if not isinstance(table, Mapping):
        return out
    for name, value in table.items():
        if isinstance(value, Mapping):
            value = value.get("version")
        if isinstance(value, str | int | float):
            out[str(name)] = str(value)
    return out


class PnpmLockExtractor:
    plugin: ClassVar[PluginId] = PluginId("javascript/pnpm-lock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.NPM
    file_names: ClassVar[frozenset[str]] = frozenset({"pnpm-lock.yaml"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()
    #: Sibling files read through ``ctx.tree`` (materialised for image scans, see ``runner.want_fn``).
    companion_names: ClassVar[frozenset[str]] = frozenset({"package.json"})

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "pnpm-lock.yaml" and not vendored(entry.path)

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        docs = load_yaml_all(read_stream(stream, entry, ctx), entry.path, ctx.limits)
        out: list[Package] = []
        seen_lock = False
        for doc in docs:
            if doc is None:
                continue
            if not isinstance(doc, Mapping):
                raise ExtractError(f"{entry.path}: a document is not a mapping; expected pnpm-lock.yaml")
            major = lockfile_major(doc)
            if major is None:
                raise ExtractError(f"{entry.path}: no usable 'lockfileVersion'; expected pnpm-lock.yaml")
            seen_lock = True
            if _env_only(doc):
                continue
            out.extend(self._document(entry, ctx, doc, major))
        if not seen_lock:
            raise ExtractError(f"{entry.path}: empty document; expected pnpm-lock.yaml")
        return out

    def _document(
        self, entry: FileRef, ctx: ExtractContext, doc: Mapping[str, Any], major: int
    ) -> list[Package]:
        packages = doc.get("packages") if isinstance(doc.get("packages"), Mapping) else {}
        snapshots = doc.get("snapshots") if isinstance(doc.get("snapshots"), Mapping) else None
        assert isinstance(packages, Mapping)
        nodes: Mapping[str, Any] = snapshots if major >= 9 and snapshots is not None else packages

        # identity of every node; local directories stay in the graph (their dependencies count as
        # declared by first-party code) but are not reported
        ident: dict[str, tuple[str, str]] = {}
        local: set[str] = set()
        for key, info in nodes.items():
            key = str(key)
            meta = packages.get(strip_peers_key(key, major), info) if nodes is not packages else info
            if _is_local(key, meta):
                local.add(key)
                continue
            found = _identity(key, info, meta, major)
            if found is None:
                ctx.warn(entry.path, f"packages[{key!r}]: not a registry path and no name/version; skipped")
                continue
            ident[key] = found

        edges: dict[str, list[str]] = {}
        for key in (*ident, *local):
            info = nodes[key]
            targets = []
            if isinstance(info, Mapping):
                for field in ("dependencies", "optionalDependencies"):
                    for name, ref in _importer_refs(info.get(field)).items():
                        target = _ref_key(name, ref, major)
                        if target is not None and target != key and (target in ident or target in local):
                            targets.append(target)
            edges[key] = targets

        importers = doc.get("importers")
        if not isinstance(importers, Mapping):
            importers = {".": doc}  # v5/v6 single-project locks keep these at top level
        prod_roots: list[str] = []
        dev_roots: list[str] = []
        for importer in importers.values():
            if not isinstance(importer, Mapping):
                continue
            for field in _IMPORTER_FIELDS:
                for name, ref in _importer_refs(importer.get(field)).items():
                    target = _ref_key(name, ref, major)
                    if target in ident or target in local:
                        (dev_roots if field == "devDependencies" else prod_roots).append(target)
        direct = set(prod_roots) | set(dev_roots)
        for key in local:  # what first-party directories declare is direct too
            direct.update(edges[key])
        computed = classify_dev(edges, prod_roots, dev_roots)

        out = self._members(entry, ctx, importers, ident, major)
        for key, (name, version) in ident.items():
            info = nodes[key]
            meta = packages.get(strip_peers_key(key, major), info) if nodes is not packages else info
            dev_flag = meta.get("dev") if isinstance(meta, Mapping) else None
            dev = dev_flag if isinstance(dev_flag, bool) else computed.get(key)
            out.append(
                npm_package(
                    entry,
                    self.plugin,
                    name,
                    version,
                    direct=key in direct,
                    dev=dev,
                    dependencies=tuple(
                        dict.fromkeys(f"{ident[t][0]}@{ident[t][1]}" for t in edges[key] if t in ident)
                    ),
                    metadata=_metadata(meta, info),
                )
            )
        return out

    def _members(
        self,
        entry: FileRef,
        ctx: ExtractContext,
        importers: Mapping[str, Any],
        ident: dict[str, tuple[str, str]],
        major: int,
    ) -> list[Package]:
        """Workspace members (importers other than the root), named by their own package.json."""
        found: dict[str, PackageJson] = {}
        for path in importers:
            if str(path) in (".", ""):
                continue
            manifest = read_package_json(ctx, entry, join(str(path), "package.json"))
            if manifest is not None and manifest.name and manifest.version:
                found[str(path)] = manifest
        out = []
        for path, manifest in found.items():
            importer = importers[path]
            deps = []
            for field in ("dependencies", "optionalDependencies"):
                for name, ref in _importer_refs(
                    importer.get(field) if isinstance(importer, Mapping) else None
                ).items():
                    if ref.startswith("link:"):
                        other = found.get(join(path, ref[len("link:") :]))
                        if other is not None:
                            deps.append(f"{other.name}@{other.version}")
                        continue
                    target = _ref_key(name, ref, major)
                    if target in ident:
                        deps.append(f"{ident[target][0]}@{ident[target][1]}")
            out.append(
                npm_package(
                    entry,
                    self.plugin,
                    manifest.name,
                    manifest.version,
                    dependencies=tuple(dict.fromkeys(deps)),
                    metadata={"workspace": path},
                )
            )
        return out


def strip_peers_key(key: str, major: int) -> str:
    """A v9 snapshot key without its peer suffix: the matching ``packages`` key."""
    i = key.find("(")
    return key[:i] if i > 0 else key


def _identity(key: str, info: object, meta: object, major: int) -> tuple[str, str] | None:
    """(name, version) of a node: explicit ``name``/``version`` fields first, then the key itself."""
    for source in (meta, info):
        if isinstance(source, Mapping) and isinstance(source.get("version"), str | int | float):
            name = source.get("name")
            if not isinstance(name, str) or not name:
                # v9 non-registry keys: "debug@https://…/tarball/4.3.5" with only a version field
                bare = key.lstrip("/")
                at = bare.find("@", 1)
                if at < 0:
                    continue
                name = bare[:at]
            return name, str(source["version"])
    return parse_dep_path(key, major)


def _is_local(key: str, meta: object) -> bool:
    """A first-party directory (``file:dir``, ``link:``, ``resolution: {type: directory}``).

    A local *tarball* (``file:vendor/x.tgz``) is a real, vendored package and is not local.
    """
    resolution = meta.get("resolution") if isinstance(meta, Mapping) else None
    if isinstance(resolution, Mapping) and (
        resolution.get("type") == "directory" or "directory" in resolution
    ):
        return True
    bare = key.lstrip("/")
    at = bare.find("@", 1)
    source = bare[at + 1 :] if at > 0 and bare[at + 1 :].startswith(("file:", "link:")) else bare
    if source.startswith("link:"):
        return True
    if source.startswith("file:"):
        return not (isinstance(resolution, Mapping) and "tarball" in resolution)
    return False


def _env_only(doc: Mapping[str, Any]) -> bool:
    importers = doc.get("importers")
    if not isinstance(importers, Mapping) or not importers:
        return False
    keys: set[str] = set()
    for importer in importers.values():
        if isinstance(importer, Mapping):
            keys |= {str(k) for k in importer}
    return bool(keys) and keys <= _ENV_ONLY


def _metadata(meta: object, info: object) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(info, Mapping) and info.get("optional") is True:
        out["optional"] = "true"
    if not isinstance(meta, Mapping):
        return out
    resolution = meta.get("resolution")
    if isinstance(resolution, Mapping):
        if isinstance(resolution.get("integrity"), str):
            out["integrity"] = resolution["integrity"]
        if isinstance(resolution.get("tarball"), str):
            out["resolved"] = resolution["tarball"]
        if isinstance(resolution.get("repo"), str):
            commit = resolution.get("commit")
            out["resolved"] = (
                f"{resolution['repo']}#{commit}" if isinstance(commit, str) else resolution["repo"]
            )
    if meta.get("optional") is True:
        out["optional"] = "true"
    return out
