"""pdm.lock (PDM lock_version 4.x).

dev: lock_version ≥ 4.5 records ``groups`` per package: a package is dev when ``default`` is not among
them. Older locks do not; then, with a sibling ``pyproject.toml``, a package is dev when it is reachable
only from development groups (``[tool.pdm.dev-dependencies]``, ``[dependency-groups]``). direct: True
for names the sibling ``pyproject.toml`` declares, False for the rest, None without it. Edges come
from each package's ``dependencies`` (PEP 508 strings). Editable/local ``path`` packages are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import load_toml
from bastion.inventory._lockfile import classify_dev, read_stream, vendored
from bastion.inventory.base import ExtractContext
from bastion.inventory.python._common import (
    canon,
    direct_flag,
    pypi_package,
    read_pyproject,
    requirement_name,
)
from bastion.model import Ecosystem, FileRef, Package, PluginId


def _dev_from_lock(pkg: Mapping[str, Any]) -> bool | None:
    groups = pkg.get("groups")
    if isinstance(groups, list) and groups:
        return "default" not in groups
    return None


class PdmLockExtractor:
    plugin: ClassVar[PluginId] = PluginId("python/pdm-lock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.PYPI
    file_names: ClassVar[frozenset[str]] = frozenset({"pdm.lock"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()
    #: Sibling files read through ``ctx.tree`` (materialised for image scans, see ``runner.want_fn``).
    companion_names: ClassVar[frozenset[str]] = frozenset({"pyproject.toml"})

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "pdm.lock" and not vendored(entry.path)

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        doc = load_toml(read_stream(stream, entry, ctx), entry.path, ctx.limits)
        raw = doc.get("package", [])
        if not isinstance(raw, list):
            raise ExtractError(f"{entry.path}: 'package' is not an array of tables; expected a pdm.lock")
        if "metadata" not in doc and not raw:
            raise ExtractError(f"{entry.path}: no [metadata] and no packages; expected a pdm.lock")
        entries = []
        for i, pkg in enumerate(raw):
            if not isinstance(pkg, Mapping) or not isinstance(pkg.get("name"), str):
                ctx.warn(entry.path, f"package #{i + 1}: no name; skipped")
                continue
            if pkg.get("editable") is True or ("path" in pkg and "version" not in pkg):
                continue  # the project itself or a local path dependency
            if not isinstance(pkg.get("version"), str):
                ctx.warn(entry.path, f"package {pkg['name']!r}: no version; skipped")
                continue
            entries.append(pkg)

        spelled = {canon(p["name"]): p["name"] for p in entries}
        edges: dict[str, list[str]] = {}
        for pkg in entries:
            targets = edges.setdefault(canon(pkg["name"]), [])
            deps = pkg.get("dependencies")
            for dep in deps if isinstance(deps, list) else []:
                name = requirement_name(dep) if isinstance(dep, str) else None
                if name and canon(name) in spelled:
                    targets.append(canon(name))

        manifest = read_pyproject(ctx, entry)
        computed: dict[str, bool] = {}
        if manifest is not None and all(_dev_from_lock(p) is None for p in entries):
            computed = classify_dev(edges, manifest.prod, manifest.dev)

        out = []
        for pkg in entries:
            key = canon(pkg["name"])
            dev = _dev_from_lock(pkg)
            if dev is None:
                dev = computed.get(key)
            metadata = {}
            extras = pkg.get("extras")
            if isinstance(extras, list) and extras:
                metadata["extras"] = ",".join(str(e) for e in extras)
            for kind in ("git", "url", "path"):
                if isinstance(pkg.get(kind), str):
                    metadata["source_type"] = kind
                    metadata["source_url"] = pkg[kind]
            if isinstance(pkg.get("revision"), str):
                metadata["resolved_reference"] = pkg["revision"]
            out.append(
                pypi_package(
                    entry,
                    self.plugin,
                    pkg["name"],
                    pkg["version"],
                    direct=direct_flag(manifest, pkg["name"]),
                    dev=dev,
                    dependencies=tuple(dict.fromkeys(spelled[d] for d in edges.get(key, ()) if d != key)),
                    metadata=metadata,
                )
            )
        return out
