"""yarn.lock: yarn 1 (its own line format) and yarn 2+ "Berry" (YAML with ``__metadata``).

Both map descriptors (``lodash@^4.17.0``) to resolved packages; edges are found by looking each
dependency's descriptor up in that map, so they are exact.

- yarn 1: read with a small purpose-built parser (quoted or bare keys and values, ``key:`` blocks,
  comma-separated descriptor lists); ``npm:`` aliases resolve to the real name; git and tarball URLs
  are kept (``metadata["resolved"]``); ``file:``/``link:`` packages are local and skipped; an unknown
  protocol is a warning naming the line. direct/dev come from the sibling package.json: direct for the
  entries its dependencies resolve to, dev for entries reachable only from ``devDependencies``.
  Without a package.json both are None.
- Berry: ``resolution`` gives the real name and protocol. ``workspace:`` entries are the project and
  its workspaces: not reported, but their dependencies are the direct ones. dev needs each workspace's
  package.json (``devDependencies``); where it is missing dev stays None. ``patch:`` entries map onto
  the patched npm package (reported once); ``link:``/``portal:``/``file:``/``exec:`` are local.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO, ClassVar
from urllib.parse import unquote

from bastion.errors import ExtractError
from bastion.fs.parsing import decode_text, load_yaml
from bastion.inventory._lockfile import classify_dev, read_stream, vendored
from bastion.inventory.base import ExtractContext
from bastion.inventory.javascript._common import (
    PackageJson,
    join,
    npm_package,
    parse_alias,
    read_package_json,
    split_descriptor,
)
from bastion.model import Ecosystem, FileRef, Location, Package, PluginId

_PROTOCOL = re.compile(r"[a-z][a-z0-9+.-]{0,30}:")
_LOCAL = ("file", "link", "portal", "exec", "workspace")
_REMOTE = (
    "git",
    "git+ssh",
    "git+http",
    "git+https",
    "git+file",
    "github",
    "gitlab",
    "bitbucket",
    "http",
    "https",
)


@dataclass
class _Entry:
    descriptors: list[str]
    line: int
    fields: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    version: str = ""
    local: bool = False
    skip: bool = False
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class _Roots:
    """Entries the project declares: ``prod``/``dev`` roots for the dev walk, ``undecided`` direct
    entries whose dev status is unknown, and whether the roots cover every workspace (``complete``)."""

    prod: list[int] = field(default_factory=list)
    dev: list[int] = field(default_factory=list)
    undecided: set[int] = field(default_factory=set)
    complete: bool = True
    #: workspace members other than the root, with the version their package.json gives
    members: list[tuple[_Entry, str, str, list[_Entry]]] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# yarn 1 line format
# --------------------------------------------------------------------------------------------------
def _token(text: str, pos: int, lineno: int, path: str) -> tuple[str, int]:
    """One key or value starting at ``pos``: a JSON-style quoted string or a bare word."""
    if pos < len(text) and text[pos] == '"':
        end = pos + 1
        while True:
            end = text.find('"', end)
            if end < 0:
                raise ExtractError(f"{path}:{lineno}: unterminated string")
            backslashes = 0
            k = end - 1
            while k > pos and text[k] == "\\":
                backslashes += 1
                k -= 1
            if backslashes % 2 == 0:
                break
            end += 1
        try:
            return json.loads(text[pos : end + 1]), end + 1
        except ValueError:
            raise ExtractError(f"{path}:{lineno}: invalid quoted string") from None
    end = pos
    while end < len(text) and text[end] not in " \t":
        end += 1
    return text[pos:end], end


def _split_descriptors(text: str, lineno: int, path: str) -> list[str]:
    out = []
    pos = 0
    while pos < len(text):
        while pos < len(text) and text[pos] in " \t,":
            pos += 1
        if pos >= len(text):
            break
        if text[pos] == '"':
            value, pos = _token(text, pos, lineno, path)
        else:
            end = text.find(",", pos)
            end = len(text) if end < 0 else end
            value, pos = text[pos:end].strip(), end
        if value:
            out.append(value)
    return out


def parse_v1(text: str, path: str) -> list[_Entry]:
    """The entries of a yarn 1 lockfile, in order. Raises ExtractError naming the bad line."""
    entries: list[_Entry] = []
    current: _Entry | None = None
    nested: dict[str, str] | None = None
    nested_indent = 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" \t"))
        if indent == 0:
            if not stripped.endswith(":"):
                raise ExtractError(
                    f"{path}:{lineno}: expected 'descriptor[, descriptor]:', got {stripped[:80]!r}"
                )
            current = _Entry(_split_descriptors(stripped[:-1], lineno, path), lineno)
            entries.append(current)
            nested = None
            continue
        if current is None:
            raise ExtractError(f"{path}:{lineno}: indented line before any entry")
        if nested is not None and indent > nested_indent:
            key, pos = _token(stripped, 0, lineno, path)
            value, _ = _token(stripped, _skip_sep(stripped, pos), lineno, path)
            nested[key.removesuffix(":")] = value
            continue
        nested = None
        key, pos = _token(stripped, 0, lineno, path)
        rest = stripped[pos:].strip()
        if (key.endswith(":") and not rest) or rest == ":":
            nested = {}
            nested_indent = indent
            current.fields[key.removesuffix(":")] = nested
            continue
        value, _ = _token(stripped, _skip_sep(stripped, pos), lineno, path)
        current.fields[key.removesuffix(":")] = value
    return entries


def _skip_sep(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t:":
        pos += 1
    return pos


# --------------------------------------------------------------------------------------------------
# the extractor
# --------------------------------------------------------------------------------------------------
class YarnLockExtractor:
    plugin: ClassVar[PluginId] = PluginId("javascript/yarn-lock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.NPM
    file_names: ClassVar[frozenset[str]] = frozenset({"yarn.lock"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()
    #: Sibling files read through ``ctx.tree`` (materialised for image scans, see ``runner.want_fn``).
    companion_names: ClassVar[frozenset[str]] = frozenset({"package.json"})

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "yarn.lock" and not vendored(entry.path)

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        data = read_stream(stream, entry, ctx)
        text = decode_text(data, entry.path)
        head = text[:4096]
        if "__metadata:" in head:
            return self._berry(entry, ctx, data)
        if text.strip() and "yarn lockfile v1" not in head and not _looks_v1(text):
            raise ExtractError(f"{entry.path}: neither a yarn 1 lockfile nor a yarn Berry (YAML) lockfile")
        return self._v1(entry, ctx, parse_v1(text, entry.path))

    # -- yarn 1 ------------------------------------------------------------------------------------
    def _v1(self, entry: FileRef, ctx: ExtractContext, entries: list[_Entry]) -> list[Package]:
        by_descriptor: dict[str, _Entry] = {}
        for e in entries:
            if not e.descriptors:
                ctx.warn(entry.path, f"line {e.line}: entry without descriptors; skipped")
                e.skip = True
                continue
            name, spec = split_descriptor(e.descriptors[0])
            e.name = name
            alias = parse_alias(spec)
            if alias is not None:
                e.name = alias[0]
            elif proto := _protocol(spec):
                if proto in _LOCAL:
                    e.local = True
                elif proto not in _REMOTE and proto != "npm":
                    ctx.warn(
                        entry.path,
                        f"line {e.line}: unknown protocol {proto!r} in {e.descriptors[0]!r}; skipped",
                    )
                    e.skip = True
                    continue
            version = e.fields.get("version")
            if not e.local and (not isinstance(version, str) or not version):
                ctx.warn(entry.path, f"line {e.line}: {e.descriptors[0]!r} has no version; skipped")
                e.skip = True
                continue
            e.version = version if isinstance(version, str) else ""
            resolved = e.fields.get("resolved")
            if isinstance(resolved, str) and resolved:
                e.metadata["resolved"] = resolved
            if isinstance(e.fields.get("integrity"), str):
                e.metadata["integrity"] = e.fields["integrity"]
            for d in e.descriptors:
                by_descriptor[d] = e
        return self._emit(entry, ctx, entries, by_descriptor, self._v1_roots(entry, ctx, by_descriptor))

    def _v1_roots(
        self, entry: FileRef, ctx: ExtractContext, by_descriptor: dict[str, _Entry]
    ) -> _Roots | None:
        manifest = read_package_json(ctx, entry)
        if manifest is None:
            return None
        roots = _Roots(complete=not manifest.workspaces)  # workspace members' manifests are not read
        for name, spec in manifest.prod.items():
            if (e := by_descriptor.get(f"{name}@{spec}")) is not None:
                roots.prod.append(id(e))
        for name, spec in manifest.dev.items():
            if name not in manifest.prod and (e := by_descriptor.get(f"{name}@{spec}")) is not None:
                roots.dev.append(id(e))
        return roots

    # -- Berry -------------------------------------------------------------------------------------
    def _berry(self, entry: FileRef, ctx: ExtractContext, data: bytes) -> list[Package]:
        doc = load_yaml(data, entry.path, ctx.limits)
        if not isinstance(doc, Mapping):
            raise ExtractError(f"{entry.path}: top level is not a mapping; expected a yarn Berry lockfile")
        entries: list[_Entry] = []
        by_descriptor: dict[str, _Entry] = {}
        by_resolution: dict[str, _Entry] = {}
        lines = _top_level_lines(decode_text(data, entry.path))
        for key, value in doc.items():
            if key == "__metadata":
                continue
            if not isinstance(value, Mapping):
                ctx.warn(entry.path, f"{str(key)[:80]!r}: not a mapping; skipped")
                continue
            descriptors = [d.strip() for d in str(key).split(",") if d.strip()]
            e = _Entry(descriptors, lines.get(str(key), 0), dict(value))
            entries.append(e)
            resolution = value.get("resolution")
            if not isinstance(resolution, str) or "@" not in resolution[1:]:
                ctx.warn(entry.path, f"{str(key)[:80]!r}: no resolution; skipped")
                e.skip = True
                continue
            name, ref = split_descriptor(resolution)
            proto = _protocol(ref) or "npm"
            version = value.get("version")
            e.name = name
            if proto == "npm" and ref.startswith("npm:"):
                e.version = ref[4:]  # exact, unlike a YAML scalar that may have been read as a number
            else:
                e.version = str(version) if isinstance(version, str | int | float) else ""
            if proto in _LOCAL:
                e.local = True
                e.metadata["protocol"] = proto
            elif proto == "patch":
                e.metadata["patched"] = "true"
                inner = unquote(ref[len("patch:") :].split("#", 1)[0])
                e.metadata["patch_of"] = inner
            elif proto != "npm":
                e.metadata["resolved"] = ref
            if not e.local and not e.version:
                ctx.warn(entry.path, f"{resolution!r}: no version; skipped")
                e.skip = True
                continue
            if isinstance(value.get("checksum"), str):
                e.metadata["checksum"] = value["checksum"]
            by_resolution[resolution] = e
            for d in e.descriptors:
                by_descriptor[d] = e
        # a patch entry stands for its npm package: report that once
        for e in entries:
            patch_of = e.metadata.get("patch_of")
            if patch_of and not e.skip:
                base = by_resolution.get(patch_of)
                if base is not None and base is not e:
                    e.skip = True
                    for d in e.descriptors:
                        by_descriptor[d] = base
        return self._emit(
            entry, ctx, entries, by_descriptor, self._berry_roots(entry, ctx, entries, by_descriptor)
        )

    def _berry_roots(
        self, entry: FileRef, ctx: ExtractContext, entries: list[_Entry], by_descriptor: dict[str, _Entry]
    ) -> _Roots | None:
        workspaces = [e for e in entries if e.local and e.metadata.get("protocol") == "workspace"]
        if not workspaces:
            return None
        roots = _Roots()
        for ws in workspaces:
            rel = split_descriptor(str(ws.fields.get("resolution", "")))[1][len("workspace:") :]
            manifest: PackageJson | None = read_package_json(ctx, entry, join(rel, "package.json"))
            runtime: list[_Entry] = []
            for dep, target in _deps(ws.fields, by_descriptor):
                is_dev = manifest is not None and dep in manifest.dev and dep not in manifest.prod
                if not is_dev:
                    runtime.append(target)
                if target.local:
                    continue
                if manifest is None:
                    roots.complete = False  # dev unknown for this workspace's dependencies
                    roots.undecided.add(id(target))
                elif is_dev:
                    roots.dev.append(id(target))
                else:
                    roots.prod.append(id(target))
            # Berry writes "0.0.0-use.local" for workspaces; the real version is in their package.json
            if rel not in ("", ".") and manifest is not None and manifest.version:
                roots.members.append((ws, rel, manifest.version, runtime))
        return roots

    # -- shared ------------------------------------------------------------------------------------
    def _emit(
        self,
        entry: FileRef,
        ctx: ExtractContext,
        entries: list[_Entry],
        by_descriptor: dict[str, _Entry],
        roots: _Roots | None,
    ) -> list[Package]:
        edges: dict[int, list[int]] = {}
        for e in entries:
            if not e.skip:
                edges[id(e)] = [id(t) for _, t in _deps(e.fields, by_descriptor)]
        dev_of: dict[int, bool] = {}
        direct: set[int] = set()
        reachable: set[int] = set()
        if roots is not None:
            dev_of = classify_dev(edges, roots.prod, roots.dev)
            direct = set(roots.prod) | set(roots.dev) | roots.undecided
            reachable = set(classify_dev(edges, direct, ()))
            if roots.undecided:  # reachable from a workspace whose dev split is unknown: not surely dev
                for node in classify_dev(edges, roots.undecided, ()):
                    if dev_of.get(node):
                        del dev_of[node]
        out = []
        if roots is not None:
            versions = {id(ws): version for ws, _, version, _ in roots.members}
            for ws, rel, version, runtime in roots.members:
                member_deps = [
                    f"{t.name}@{versions[id(t)] if t.local else t.version}"
                    for t in runtime
                    if (not t.local and not t.skip) or id(t) in versions
                ]
                out.append(
                    npm_package(
                        entry,
                        self.plugin,
                        ws.name,
                        version,
                        dependencies=tuple(dict.fromkeys(member_deps)),
                        metadata={"workspace": rel},
                    )
                )
        for e in entries:
            if e.skip or e.local:
                continue
            deps = [
                f"{t.name}@{t.version}"
                for _, t in _deps(e.fields, by_descriptor)
                if not t.local and not t.skip and t is not e
            ]
            if roots is None:
                is_direct: bool | None = None
            elif id(e) in direct:
                is_direct = True
            else:
                is_direct = False if (id(e) in reachable or roots.complete) else None
            pkg = npm_package(
                entry,
                self.plugin,
                e.name,
                e.version,
                direct=is_direct,
                dev=dev_of.get(id(e)),
                dependencies=tuple(dict.fromkeys(deps)),
                metadata={k: v for k, v in e.metadata.items() if k != "patch_of"},
            )
            if e.line:
                pkg = _at_line(pkg, Location(path=entry.path, layer=entry.layer_digest, line=e.line))
            out.append(pkg)
        return out


def _deps(fields: Mapping[str, Any], by_descriptor: dict[str, _Entry]) -> list[tuple[str, _Entry]]:
    """(dependency name, resolved entry) for ``dependencies`` and ``optionalDependencies``."""
    out = []
    for key in ("dependencies", "optionalDependencies"):
        table = fields.get(key)
        if not isinstance(table, Mapping):
            continue
        for name, spec in table.items():
            name, spec = str(name), str(spec)
            target = by_descriptor.get(f"{name}@{spec}")
            if target is None and not _protocol(spec):
                target = by_descriptor.get(f"{name}@npm:{spec}")
            if target is not None:
                out.append((name, target))
    return out


def _protocol(spec: str) -> str | None:
    match = _PROTOCOL.match(spec)
    if match is None:
        return None
    proto = match.group(0)[:-1]
    return proto


def _top_level_lines(text: str) -> dict[str, int]:
    """Line numbers of a YAML document's top-level keys (``"key":`` or ``key:`` at column 0)."""
    out: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if line[:1] in ("", " ", "\t", "#") or not line.rstrip().endswith(":"):
            continue
        key = line.rstrip()[:-1]
        if len(key) >= 2 and key[0] == key[-1] == '"':
            key = key[1:-1]
        out.setdefault(key, number)
    return out


def _looks_v1(text: str) -> bool:
    """A yarn 1 lockfile without its header comment: the first entry line ends with ':'."""
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            return not line[0].isspace() and line.rstrip().endswith(":")
    return False


def _at_line(pkg: Package, location: Location) -> Package:
    return replace(pkg, locations=(location,))
