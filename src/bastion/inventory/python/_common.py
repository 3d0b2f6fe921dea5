"""Shared pieces of the Python extractors: names, purls, PEP 508 strings, pyproject manifests.

Naming rule: ``Package.name`` keeps the name as the source spells it (``Flask``, ``typing_extensions``),
so reports show what the user wrote; the purl carries the PEP 503 normalised form (packageurl-python
lowercases and turns ``_`` into ``-`` for pypi), and matching normalises with PEP 503. Dependency
references inside one file are written with the exact ``name`` of the target package in that file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from bastion.errors import ExtractError
from bastion.fs.parsing import load_toml
from bastion.inventory._lockfile import read_sibling
from bastion.inventory.base import ExtractContext, make_package, make_purl
from bastion.model import Ecosystem, FileRef, Package, PluginId

#: The leading name of a PEP 508 string or a legacy ``name (>=1.0)`` requirement. Anchored, no
#: backtracking beyond the name itself.
_NAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")


def canon(name: str) -> str:
    """PEP 503 normalised name (``Typing_Extensions`` → ``typing-extensions``)."""
    return canonicalize_name(name)


def requirement_name(text: str) -> str | None:
    """The distribution name a requirement string names, or None when it names none."""
    text = text.strip()
    try:
        return Requirement(text).name
    except InvalidRequirement:
        match = _NAME_RE.match(text)
        return match.group(0) if match else None


def requirement_is_extra_only(text: str) -> bool:
    """True when a ``Requires-Dist`` entry applies only when an extra is requested."""
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return "extra" in text.partition(";")[2]
    return req.marker is not None and "extra" in str(req.marker)


@lru_cache(maxsize=32768)
def pypi_purl(name: str, version: str) -> str:
    """``pkg:pypi/…`` (packageurl-python applies PEP 503 normalisation to the name)."""
    return make_purl("pypi", name, version)


def pypi_package(
    entry: FileRef,
    plugin: PluginId,
    name: str,
    version: str,
    **fields: Any,
) -> Package:
    return make_package(Ecosystem.PYPI, name, version, entry, plugin, purl=pypi_purl(name, version), **fields)


@dataclass
class Manifest:
    """What a project manifest (pyproject.toml, Pipfile) declares: canonical names of direct deps.

    ``prod`` holds runtime dependencies (including optional extras, which ship to users); ``dev`` holds
    development groups (poetry groups other than main, PEP 735 dependency groups, pdm/uv dev deps,
    Pipfile ``[dev-packages]``). A name can be in both.
    """

    path: str
    prod: set[str] = field(default_factory=set)
    dev: set[str] = field(default_factory=set)

    @property
    def direct(self) -> set[str]:
        return self.prod | self.dev


def _names_from_pep508(items: object) -> set[str]:
    out: set[str] = set()
    if isinstance(items, list):
        for item in items:
            if isinstance(item, str):
                name = requirement_name(item)
                if name:
                    out.add(canon(name))
    return out


def _names_from_table(table: object, skip: Iterable[str] = ()) -> set[str]:
    skipped = set(skip)
    if not isinstance(table, Mapping):
        return set()
    return {canon(str(k)) for k in table if str(k) not in skipped}


def parse_pyproject(data: Mapping[str, Any], path: str) -> Manifest:
    """Direct dependencies declared by PEP 621, PEP 735, poetry, pdm and uv sections of pyproject.toml."""
    m = Manifest(path)
    project = data.get("project")
    if isinstance(project, Mapping):
        m.prod |= _names_from_pep508(project.get("dependencies"))
        optional = project.get("optional-dependencies")
        if isinstance(optional, Mapping):
            for items in optional.values():
                m.prod |= _names_from_pep508(items)
    groups = data.get("dependency-groups")  # PEP 735
    if isinstance(groups, Mapping):
        for items in groups.values():
            m.dev |= _names_from_pep508(items)  # {include-group = …} tables are skipped
    tool = data.get("tool")
    if isinstance(tool, Mapping):
        poetry = tool.get("poetry")
        if isinstance(poetry, Mapping):
            m.prod |= _names_from_table(poetry.get("dependencies"), skip=("python",))
            m.dev |= _names_from_table(poetry.get("dev-dependencies"), skip=("python",))
            pgroups = poetry.get("group")
            if isinstance(pgroups, Mapping):
                for gname, group in pgroups.items():
                    if isinstance(group, Mapping):
                        names = _names_from_table(group.get("dependencies"), skip=("python",))
                        if gname == "main":
                            m.prod |= names
                        else:
                            m.dev |= names
        pdm = tool.get("pdm")
        if isinstance(pdm, Mapping):
            dev = pdm.get("dev-dependencies")
            if isinstance(dev, Mapping):
                for items in dev.values():
                    m.dev |= _names_from_pep508(items)
        uv = tool.get("uv")
        if isinstance(uv, Mapping):
            m.dev |= _names_from_pep508(uv.get("dev-dependencies"))
    return m


def read_pyproject(ctx: ExtractContext, entry: FileRef) -> Manifest | None:
    """The pyproject.toml next to a lockfile, or None when absent or unreadable (then a warning)."""
    found = read_sibling(ctx, entry, "pyproject.toml")
    if found is None:
        return None
    ref, data = found
    try:
        doc = load_toml(data, ref.path, ctx.limits)
    except ExtractError as exc:  # the manifest is optional input: say so, carry on without it
        ctx.warn(ref.path, f"ignored for direct/dev information: {_strip(exc.message, ref.path)}")
        return None
    return parse_pyproject(doc, ref.path)


def direct_flag(manifest: Manifest | None, name: str) -> bool | None:
    if manifest is None:
        return None
    return canon(name) in manifest.direct


def _strip(message: str, path: str) -> str:
    prefix = f"{path}: "
    return message[len(prefix) :] if message.startswith(prefix) else message
