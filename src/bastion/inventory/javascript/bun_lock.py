"""bun.lock, Bun's text lockfile (Bun ≥ 1.2): JSON with comments and trailing commas (JSONC).

``workspaces`` holds what the project and each workspace declare; ``packages`` maps install paths
(``react``, ``@scope/pkg``, ``parent/child`` for a copy nested under ``parent``) to arrays whose first
element is the resolved identity (``name@1.2.3``, ``name@github:owner/repo#sha``,
``name@workspace:path``). Dependencies are resolved from the nearest enclosing install path, as Bun
(and Node) do.

- direct: True for the packages the workspaces' dependency tables resolve to, False otherwise.
- dev: True for packages reachable only from ``devDependencies``.
- ``workspace:``, ``file:`` and ``link:`` packages are first-party code and are not reported.
- The binary ``bun.lockb`` of older Bun versions is not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any, BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import decode_text, load_json
from bastion.inventory._lockfile import classify_dev, read_stream, vendored
from bastion.inventory.base import ExtractContext
from bastion.inventory.javascript._common import npm_package, split_descriptor, str_map
from bastion.model import Ecosystem, FileRef, Location, Package, PluginId

#: Every position of the text matches exactly one alternative, so the scan is linear even for
#: hostile input (an unterminated string stops at the end of its line).
_TOKENS = re.compile(
    r'(?P<str>"(?:[^"\\\n]|\\.)*"?)'
    r"|(?P<line>//[^\n]*)"
    r"|(?P<block>/\*(?:[^*]|\*(?!/))*\*/)"
    r"|(?P<comma>,)"
    r"|(?P<close>[}\]])"
    r'|(?P<other>[^"/,}\]]+|/)'
)
_LOCAL = ("workspace:", "file:", "link:", "root:")
_EDGE_FIELDS = ("dependencies", "optionalDependencies", "peerDependencies")


def jsonc_to_json(text: str, path: str) -> str:
    """Drop ``//`` and ``/* */`` comments and trailing commas outside strings."""
    pieces: list[str] = []
    last_significant = -1
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        piece = match.group(0)
        if kind in ("line", "block"):
            continue
        if kind == "str" and (len(piece) < 2 or not piece.endswith('"') or _escaped_end(piece)):
            raise ExtractError(f"{path}: unterminated string at offset {match.start()}")
        if kind == "close" and last_significant >= 0 and pieces[last_significant] == ",":
            pieces[last_significant] = ""
        pieces.append(piece)
        if kind != "other" or piece.strip():
            last_significant = len(pieces) - 1
    return "".join(pieces)


def _escaped_end(piece: str) -> bool:
    """True when the closing quote is itself escaped (``"abc\\"``)."""
    backslashes = len(piece) - 1 - len(piece[:-1].rstrip("\\"))
    return backslashes % 2 == 1


def _segments(key: str) -> list[str]:
    """Install path → package names: ``a/@s/b/c`` → ``["a", "@s/b", "c"]``."""
    parts = key.split("/")
    out: list[str] = []
    i = 0
    while i < len(parts):
        if parts[i].startswith("@") and i + 1 < len(parts):
            out.append(f"{parts[i]}/{parts[i + 1]}")
            i += 2
        else:
            out.append(parts[i])
            i += 1
    return out


class BunLockExtractor:
    plugin: ClassVar[PluginId] = PluginId("javascript/bun-lock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.NPM
    file_names: ClassVar[frozenset[str]] = frozenset({"bun.lock"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "bun.lock" and not vendored(entry.path)

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        text = decode_text(read_stream(stream, entry, ctx), entry.path)
        doc = load_json(jsonc_to_json(text, entry.path), entry.path, ctx.limits)
        if not isinstance(doc, Mapping):
            raise ExtractError(f"{entry.path}: top level is not an object; expected bun.lock")
        version = doc.get("lockfileVersion")
        if not isinstance(version, int) or isinstance(version, bool):
            raise ExtractError(
                f"{entry.path}: 'lockfileVersion' is {version!r}; expected an integer (bun.lock)"
            )
        raw = doc.get("packages", {})
        if not isinstance(raw, Mapping):
            raise ExtractError(f"{entry.path}: 'packages' is not an object")

        entries: dict[str, tuple[str, str, Mapping[str, Any], dict[str, str]]] = {}
        local: set[str] = set()
        local_path: dict[str, str] = {}  # "@mono/lib" -> "packages/lib" for workspace: entries
        for key, value in raw.items():
            key = str(key)
            if not isinstance(value, list) or not value or not isinstance(value[0], str):
                ctx.warn(entry.path, f"packages[{key!r}]: not an array starting with 'name@version'; skipped")
                continue
            name, ref = split_descriptor(value[0])
            if ref.startswith(_LOCAL) or not ref:
                local.add(key)
                if ref.startswith("workspace:"):
                    local_path[key] = ref[len("workspace:") :]
                continue
            info: Mapping[str, Any] = next((v for v in value[1:] if isinstance(v, Mapping)), {})
            metadata: dict[str, str] = {}
            strings = [v for v in value[1:] if isinstance(v, str) and v]
            integrity = next(
                (v for v in reversed(strings) if v.startswith(("sha512-", "sha384-", "sha256-", "sha1-"))), ""
            )
            if ref[:1].isdigit():
                version_text = ref
                if len(value) > 1 and isinstance(value[1], str) and value[1] and value[1] != integrity:
                    metadata["registry"] = value[1]
                if integrity:
                    metadata["integrity"] = integrity
            else:  # github:, git+https:, a tarball URL: the version lives in the resolved reference
                version_text = ""
                metadata["resolved"] = ref
                if isinstance(info.get("version"), str):
                    version_text = info["version"]
            entries[key] = (name, version_text, info, metadata)
        lines = _package_lines(text)

        def resolve(origin: list[str], dep: str) -> str | None:
            for i in range(len(origin), -1, -1):
                candidate = "/".join([*origin[:i], dep])
                if candidate in entries or candidate in local:
                    return candidate
            return None

        edges: dict[str, list[str]] = {}
        for key, (_, _, info, _) in entries.items():
            origin = _segments(key)
            targets = []
            for field in _EDGE_FIELDS:
                for dep in str_map(info.get(field)):
                    target = resolve(origin, dep)
                    if target is not None and target != key and target in entries:
                        targets.append(target)
            edges[key] = targets

        prod_roots: list[str] = []
        dev_roots: list[str] = []
        raw_ws = doc.get("workspaces")
        workspaces = (
            {str(k): v for k, v in raw_ws.items() if isinstance(v, Mapping)}
            if isinstance(raw_ws, Mapping)
            else {}
        )
        members: list[Package] = []  # workspace members with a name and version: first-party, reported
        for ws_path, ws in workspaces.items():
            origin = [ws["name"]] if ws_path and isinstance(ws.get("name"), str) else []
            member_deps: list[str] = []
            for field in ("dependencies", "optionalDependencies", "peerDependencies", "devDependencies"):
                for dep in str_map(ws.get(field)):
                    target = resolve(origin, dep)
                    if target in entries:
                        (dev_roots if field == "devDependencies" else prod_roots).append(target)
                        if field != "devDependencies":
                            tname, tversion = entries[target][0], entries[target][1]
                            member_deps.append(f"{tname}@{tversion}" if tversion else tname)
                    elif target in local_path and field != "devDependencies":
                        other = workspaces.get(local_path[target], {})
                        if isinstance(other.get("name"), str) and isinstance(other.get("version"), str):
                            member_deps.append(f"{other['name']}@{other['version']}")
            if ws_path and isinstance(ws.get("name"), str) and isinstance(ws.get("version"), str):
                members.append(
                    npm_package(
                        entry,
                        self.plugin,
                        ws["name"],
                        ws["version"],
                        dependencies=tuple(dict.fromkeys(member_deps)),
                        metadata={"workspace": ws_path},
                    )
                )
        direct = set(prod_roots) | set(dev_roots)
        dev_of = classify_dev(edges, prod_roots, dev_roots)

        out = members
        for key, (name, version_text, _info, metadata) in entries.items():
            if not version_text and "resolved" not in metadata:
                ctx.warn(entry.path, f"packages[{key!r}]: no version; skipped")
                continue
            deps = []
            for t in edges[key]:
                tname, tversion = entries[t][0], entries[t][1]
                deps.append(f"{tname}@{tversion}" if tversion else tname)
            pkg = npm_package(
                entry,
                self.plugin,
                name,
                version_text,
                direct=key in direct,
                dev=dev_of.get(key),
                dependencies=tuple(dict.fromkeys(deps)),
                metadata=metadata,
            )
            if key in lines:
                pkg = replace(pkg, locations=(Location(entry.path, entry.layer_digest, lines[key]),))
            out.append(pkg)
        return out


def _package_lines(text: str) -> dict[str, int]:
    """Line numbers of ``"key": [`` entries (the ``packages`` table; one entry per line in bun.lock)."""
    out: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        if not stripped.startswith('"'):
            continue
        end = stripped.find('": [', 1)
        if end > 0:
            out.setdefault(stripped[1:end], number)
    return out
