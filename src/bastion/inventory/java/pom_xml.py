"""pom.xml: the project and its declared dependencies, resolved as far as the local tree allows.

* ``${...}`` references are substituted from ``<properties>``, ``project.*``/``pom.*`` coordinates and
  the parent chain (bounded passes, so self-referencing properties cannot loop). The model's
  coordinates (``project.version``, ``project.parent.version`` …) win over properties of the same name.
* The parent is read from the tree when it is local: ``<relativePath>`` (default ``../pom.xml``; a
  directory means its ``pom.xml``) whose group and artifact match the ``<parent>`` element. Its
  properties and ``<dependencyManagement>`` are inherited, up to 16 levels, loops refused. A parent
  that is not in the tree is recorded in ``metadata["parent"]`` and otherwise ignored (no network).
* Versions missing from a dependency come from the local ``<dependencyManagement>`` chain. ``import``
  BOMs would need a repository and are not followed. A version that stays unresolved or is a range is
  reported as ``""`` with ``metadata["constraint"]`` holding the text.
* Scopes: ``test`` → ``dev=True``; everything else (``compile``, ``runtime``, ``provided``, ``system``)
  → ``dev=False``, because ``provided`` code (a servlet API, a container's libraries) runs in
  production, supplied by the runtime. The scope is kept in ``metadata["scope"]`` so policies can
  treat ``provided`` differently; ``<optional>true</optional>`` sets ``metadata["optional"]``.
* Only declared dependencies are reported (``direct=True``): transitive ones need the remote POMs.
  The project itself is reported with ``metadata["role"] == "main"``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO, ClassVar
from xml.etree.ElementTree import Element

from bastion.errors import BastionError, ExtractError
from bastion.fs.parsing import parse_xml
from bastion.inventory.base import ExtractContext, make_package
from bastion.inventory.java._maven import maven_name, maven_purl
from bastion.model import Ecosystem, FileRef, Package, PluginId
from bastion.targets.base import read_bytes

MAX_PARENTS = 16
_PROP = re.compile(r"\$\{([^}]+)\}")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _child(el: Element | None, name: str) -> Element | None:
    if el is None:
        return None
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _text(el: Element | None, name: str) -> str:
    c = _child(el, name)
    return (c.text or "").strip() if c is not None else ""


def _children(el: Element | None, name: str) -> list[Element]:
    return [c for c in el if _local(c.tag) == name] if el is not None else []


@dataclass
class _Pom:
    path: str
    root: Element
    group: str
    artifact: str
    version: str
    properties: dict[str, str] = field(default_factory=dict)
    managed: dict[tuple[str, str], tuple[str, str]] = field(
        default_factory=dict
    )  # (g, a) -> (version, scope)


def _load(data: bytes, path: str) -> Element:
    root = parse_xml(data, path)
    if _local(root.tag) != "project":
        raise ExtractError(f"{path}: root element is <{_local(root.tag)}>, expected <project>")
    return root


def substitute(text: str, props: dict[str, str]) -> str:
    for _ in range(8):
        new = _PROP.sub(lambda m: props.get(m.group(1), m.group(0)), text)
        if new == text:
            break
        text = new
    return text


class PomXmlExtractor:
    plugin: ClassVar[PluginId] = PluginId("java/pom-xml", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.MAVEN
    file_names: ClassVar[frozenset[str]] = frozenset({"pom.xml"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "pom.xml"

    def _parent_chain(self, root: Element, path: str, ctx: ExtractContext) -> tuple[list[_Pom], str]:
        """Local ancestors, nearest first, and a note about the first parent that is not local."""
        chain: list[_Pom] = []
        seen = {path}
        current, current_path = root, path
        for _ in range(MAX_PARENTS):
            parent = _child(current, "parent")
            if parent is None:
                return chain, ""
            pg, pa, pv = _text(parent, "groupId"), _text(parent, "artifactId"), _text(parent, "version")
            rel = (
                _text(parent, "relativePath") if _child(parent, "relativePath") is not None else "../pom.xml"
            )
            note = f"{pg}:{pa}:{pv}"
            if not rel:
                return chain, note
            candidate = posixpath.normpath(posixpath.join(posixpath.dirname(current_path), rel))
            if not candidate.endswith(".xml"):
                candidate = posixpath.join(candidate, "pom.xml")
            if candidate in seen:
                ctx.warn(path, f"parent POMs form a loop at {candidate}; stopped following")
                return chain, ""
            if candidate.startswith("../"):
                return chain, note
            stat = ctx.tree.stat(candidate)
            if stat is None or not stat.is_file:
                return chain, note
            try:
                proot = _load(read_bytes(ctx.tree, candidate, ctx.limits.max_parse_bytes), candidate)
            except BastionError as exc:
                ctx.warn(candidate, f"parent POM of {path} unreadable: {exc.message}")
                return chain, note
            g = _text(proot, "groupId") or _text(_child(proot, "parent"), "groupId")
            if _text(proot, "artifactId") != pa or (pg and g != pg):
                return chain, note  # the relative path holds some other POM
            v = _text(proot, "version") or _text(_child(proot, "parent"), "version")
            chain.append(_Pom(candidate, proot, g, pa, v))
            seen.add(candidate)
            current, current_path = proot, candidate
        ctx.warn(path, f"more than {MAX_PARENTS} local parent POMs; stopped following")
        return chain, ""

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        root = _load(stream.read(ctx.limits.max_parse_bytes + 1), entry.path)
        chain, remote_parent = self._parent_chain(root, entry.path, ctx)
        parent_el = _child(root, "parent")
        group = _text(root, "groupId") or _text(parent_el, "groupId")
        artifact = _text(root, "artifactId")
        version = _text(root, "version") or _text(parent_el, "version")

        # properties: farthest ancestor first, so nearer definitions win
        props: dict[str, str] = {}
        for el in [*(pom.root for pom in reversed(chain)), root]:
            prop_el = _child(el, "properties")
            for p in list(prop_el) if prop_el is not None else []:
                props[_local(p.tag)] = (p.text or "").strip()
        if chain:
            props.update(
                {
                    "project.parent.groupId": chain[0].group,
                    "project.parent.version": chain[0].version,
                    "project.parent.artifactId": chain[0].artifact,
                }
            )
        elif parent_el is not None:
            props.update(
                {
                    "project.parent.groupId": _text(parent_el, "groupId"),
                    "project.parent.version": _text(parent_el, "version"),
                    "project.parent.artifactId": _text(parent_el, "artifactId"),
                }
            )
        # The model's own coordinates win over <properties> of the same name, as in Maven (`mvn
        # dependency:tree` on Trivy's parent-child-properties fixture: ${project.version} is 1.2.3, the
        # <version>, not the 2.3.4 its <properties> declare); the bare ${version} form is a fallback only.
        for prefix in ("project.", "pom."):
            props[prefix + "groupId"] = group
            props[prefix + "artifactId"] = artifact
            props[prefix + "version"] = version
        props.setdefault("groupId", group)
        props.setdefault("artifactId", artifact)
        props.setdefault("version", version)
        group, artifact, version = (substitute(x, props) for x in (group, artifact, version))

        # dependencyManagement: this POM first, then ancestors (nearer wins)
        managed: dict[tuple[str, str], tuple[str, str]] = {}
        for pom in [None, *chain]:
            el = root if pom is None else pom.root
            for dep in _children(_child(_child(el, "dependencyManagement"), "dependencies"), "dependency"):
                g, a = substitute(_text(dep, "groupId"), props), substitute(_text(dep, "artifactId"), props)
                if _text(dep, "scope") == "import":
                    continue
                managed.setdefault((g, a), (substitute(_text(dep, "version"), props), _text(dep, "scope")))

        # dependencies: this POM's and those inherited from local parents
        deps_els = list(_children(_child(root, "dependencies"), "dependency"))
        for pom in chain:
            deps_els.extend(_children(_child(pom.root, "dependencies"), "dependency"))
        out: list[Package] = []
        refs: list[str] = []
        seen: set[tuple[str, str]] = set()
        for dep in deps_els:
            g, a = substitute(_text(dep, "groupId"), props), substitute(_text(dep, "artifactId"), props)
            if not a or (g, a) in seen:
                continue
            seen.add((g, a))
            m_version, m_scope = managed.get((g, a), ("", ""))
            raw_version = substitute(_text(dep, "version"), props) or m_version
            scope = substitute(_text(dep, "scope"), props) or m_scope or "compile"
            meta = {"scope": scope}
            if _text(dep, "optional") == "true":
                meta["optional"] = "true"
            ver = raw_version
            if not ver or "${" in ver or ver[0] in "[(" or "," in ver:
                if raw_version:
                    meta["constraint"] = raw_version
                ver = ""
            name = maven_name(g, a)
            out.append(
                make_package(
                    Ecosystem.MAVEN,
                    name,
                    ver,
                    entry,
                    self.plugin,
                    purl=maven_purl(g, a, ver),
                    direct=True,
                    dev=scope == "test",
                    metadata=meta,
                )
            )
            refs.append(f"{name}@{ver}")
        if artifact:
            meta = {"role": "main"}
            if remote_parent:
                meta["parent"] = remote_parent
            if chain:
                meta["local_parents"] = ", ".join(p.path for p in chain)
            licenses = tuple(
                _text(lic, "name")
                for lic in _children(_child(root, "licenses"), "license")
                if _text(lic, "name")
            )
            out.append(
                make_package(
                    Ecosystem.MAVEN,
                    maven_name(group, artifact),
                    "" if "${" in version else version,
                    entry,
                    self.plugin,
                    purl=maven_purl(group, artifact, "" if "${" in version else version),
                    dependencies=tuple(refs),
                    licenses=licenses,
                    metadata=meta,
                )
            )
        return out


__all__ = ["PomXmlExtractor", "substitute"]
