"""Pipfile.lock (pipenv): the ``default`` and ``develop`` sections, plus any custom categories.

dev: a package only in ``develop`` (or in custom categories but not ``default``) is dev; one in
``default`` is not. direct: True for names the sibling ``Pipfile`` declares, False for the rest, None
without a Pipfile. Pipfile.lock records no dependency edges. VCS entries (``git`` + ``ref``) have no
version: they are reported with version ``""`` and the repository in ``metadata``; local ``path``
entries (the project itself) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import load_json, load_toml
from bastion.inventory._lockfile import read_sibling, read_stream, vendored
from bastion.inventory.base import ExtractContext
from bastion.inventory.python._common import Manifest, canon, direct_flag, pypi_package
from bastion.model import Ecosystem, FileRef, Package, PluginId

_PIPFILE_PROD = ("packages",)
_PIPFILE_DEV = ("dev-packages",)


def read_pipfile(ctx: ExtractContext, entry: FileRef) -> Manifest | None:
    found = read_sibling(ctx, entry, "Pipfile")
    if found is None:
        return None
    ref, data = found
    try:
        doc = load_toml(data, ref.path, ctx.limits)
    except ExtractError as exc:
        ctx.warn(ref.path, f"ignored for direct/dev information: {exc.message}")
        return None
    m = Manifest(ref.path)
    for key, value in doc.items():
        if key in ("source", "requires", "scripts", "pipenv") or not isinstance(value, Mapping):
            continue
        names = {canon(str(k)) for k in value}
        if key in _PIPFILE_PROD:
            m.prod |= names
        else:  # dev-packages and custom categories
            m.dev |= names
    return m


def _version(spec: Mapping[str, Any]) -> str:
    version = spec.get("version")
    if not isinstance(version, str):
        return ""
    for op in ("===", "=="):
        if version.startswith(op):
            return version[len(op) :].strip()
    return ""


class PipfileLockExtractor:
    plugin: ClassVar[PluginId] = PluginId("python/pipfile-lock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.PYPI
    file_names: ClassVar[frozenset[str]] = frozenset({"Pipfile.lock"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()
    #: Sibling files read through ``ctx.tree`` (materialised for image scans, see ``runner.want_fn``).
    companion_names: ClassVar[frozenset[str]] = frozenset({"Pipfile"})

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "Pipfile.lock" and not vendored(entry.path)

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        doc = load_json(read_stream(stream, entry, ctx), entry.path, ctx.limits)
        if not isinstance(doc, Mapping):
            raise ExtractError(f"{entry.path}: top level is not an object; expected a Pipfile.lock")
        sections = [(k, v) for k, v in doc.items() if k != "_meta" and isinstance(v, Mapping)]
        if "_meta" not in doc and not sections:
            raise ExtractError(f"{entry.path}: no '_meta', 'default' or 'develop'; expected a Pipfile.lock")
        manifest = read_pipfile(ctx, entry)
        # name -> (spec, in default?) keeping the first spec seen; default wins for dev
        seen: dict[str, tuple[str, Mapping[str, Any], bool]] = {}
        for section, table in sections:
            for name, spec in table.items():
                if not isinstance(spec, Mapping):
                    ctx.warn(entry.path, f"{section}.{name}: not an object; skipped")
                    continue
                key = canon(name)
                prod = section == "default"
                if key in seen:
                    first_name, first_spec, first_prod = seen[key]
                    seen[key] = (first_name, first_spec, first_prod or prod)
                else:
                    seen[key] = (name, spec, prod)
        out = []
        for name, spec, prod in seen.values():
            if "path" in spec and "version" not in spec:
                continue  # a local project (often the Pipfile's own package, editable)
            version = _version(spec)
            metadata: dict[str, str] = {}
            for vcs in ("git", "hg", "svn", "bzr"):
                if isinstance(spec.get(vcs), str):
                    metadata["url"] = f"{vcs}+{spec[vcs]}"
                    if isinstance(spec.get("ref"), str):
                        metadata["resolved_reference"] = spec["ref"]
            if isinstance(spec.get("file"), str):
                metadata["url"] = spec["file"]
            if not version and not metadata:
                ctx.warn(entry.path, f"package {name!r}: no '==' version; skipped")
                continue
            if isinstance(spec.get("markers"), str):
                metadata["markers"] = spec["markers"]
            if isinstance(spec.get("index"), str):
                metadata["index"] = spec["index"]
            out.append(
                pypi_package(
                    entry,
                    self.plugin,
                    name,
                    version,
                    direct=direct_flag(manifest, name),
                    dev=not prod,
                    metadata=metadata,
                )
            )
        return out
