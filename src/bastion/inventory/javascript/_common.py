"""Shared pieces of the JavaScript extractors: npm names and purls, descriptors, package.json manifests.

npm names are case-sensitive and kept exactly; a scope stays part of the name (``@babel/core``) and
becomes the purl namespace (``pkg:npm/%40babel/core@7.22.0``). Aliases (``"foo": "npm:bar@1.0.0"``)
are reported under the *real* package name (``bar``), which is what advisories name.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bastion.errors import ExtractError
from bastion.fs.parsing import load_json
from bastion.inventory._lockfile import read_sibling
from bastion.inventory.base import ExtractContext, make_package, make_purl
from bastion.model import Ecosystem, FileRef, Package, PluginId

DEP_FIELDS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


@lru_cache(maxsize=32768)
def npm_purl(name: str, version: str) -> str:
    """``pkg:npm/…`` for a name and version (cached: lockfile and node_modules repeat them a lot)."""
    return make_purl("npm", name, version)


def npm_package(entry: FileRef, plugin: PluginId, name: str, version: str, **fields: Any) -> Package:
    return make_package(Ecosystem.NPM, name, version, entry, plugin, purl=npm_purl(name, version), **fields)


def split_descriptor(descriptor: str) -> tuple[str, str]:
    """``@scope/name@^1.0`` → (``@scope/name``, ``^1.0``); ``name`` → (``name``, ``""``)."""
    at = descriptor.find("@", 1)
    if at < 0:
        return descriptor, ""
    return descriptor[:at], descriptor[at + 1 :]


def parse_alias(spec: str) -> tuple[str, str] | None:
    """``npm:real@1.0.0`` / ``npm:@scope/real@^1`` → (real name, version or range); else None."""
    if not spec.startswith("npm:"):
        return None
    name, version = split_descriptor(spec[4:])
    return (name, version) if name else None


def name_from_path(path: str) -> str:
    """The package name of an install path: the part after the last ``node_modules/``."""
    i = path.rfind("node_modules/")
    return path[i + len("node_modules/") :] if i >= 0 else path


def licenses_of(doc: Mapping[str, Any]) -> tuple[str, ...]:
    """``license`` as a string, ``{type}`` object or list of either; legacy ``licenses`` arrays."""
    out: list[str] = []
    for key in ("license", "licenses"):
        value = doc.get(key)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str) and item.strip():
                out.append(item.strip())
            elif isinstance(item, Mapping) and isinstance(item.get("type"), str) and item["type"].strip():
                out.append(item["type"].strip())
    return tuple(dict.fromkeys(out))


def str_map(value: object) -> dict[str, str]:
    """A ``{name: spec}`` table with non-string entries dropped."""
    if not isinstance(value, Mapping):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


@dataclass
class PackageJson:
    """What a project's package.json declares (names only, as written)."""

    path: str
    name: str = ""
    version: str = ""
    prod: dict[str, str] = field(default_factory=dict)  # dependencies + optional + peer
    dev: dict[str, str] = field(default_factory=dict)
    workspaces: list[str] = field(default_factory=list)

    @property
    def direct(self) -> set[str]:
        return set(self.prod) | set(self.dev)


def parse_package_json(doc: object, path: str) -> PackageJson:
    if not isinstance(doc, Mapping):
        raise ExtractError(f"{path}: top level is not an object; expected package.json")
    m = PackageJson(path)
    m.name = doc["name"] if isinstance(doc.get("name"), str) else ""
    m.version = doc["version"] if isinstance(doc.get("version"), str) else ""
    for key in ("dependencies", "optionalDependencies", "peerDependencies"):
        m.prod.update(str_map(doc.get(key)))
    m.dev.update(str_map(doc.get("devDependencies")))
    ws = doc.get("workspaces")
    if isinstance(ws, Mapping):  # yarn's {"packages": [...], "nohoist": [...]}
        ws = ws.get("packages")
    if isinstance(ws, list):
        m.workspaces = [w for w in ws if isinstance(w, str)]
    return m


def read_package_json(ctx: ExtractContext, entry: FileRef, rel: str = "package.json") -> PackageJson | None:
    """The package.json at ``rel`` (relative to the lockfile's directory), or None when absent.

    An unreadable one becomes a warning: the manifest only refines direct/dev, it is never required.
    """
    found = read_sibling(ctx, entry, rel)
    if found is None:
        return None
    ref, data = found
    try:
        return parse_package_json(load_json(data, ref.path, ctx.limits), ref.path)
    except ExtractError as exc:
        message = exc.message[len(ref.path) + 2 :] if exc.message.startswith(f"{ref.path}: ") else exc.message
        ctx.warn(ref.path, f"ignored for direct/dev information: {message}")
        return None


def join(*parts: str) -> str:
    """POSIX join that ignores empty parts and normalises ``.``/``..``."""
    kept = [p for p in parts if p and p != "."]
    return posixpath.normpath("/".join(kept)) if kept else ""
