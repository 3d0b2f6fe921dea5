"""Installed conda packages: ``conda-meta/<name>-<version>-<build>.json`` in a conda environment.

Ecosystem ``conda``; the purl carries ``build``, ``channel`` and ``subdir`` qualifiers as the purl spec
asks. direct: True when conda recorded a ``requested_spec`` (the user asked for the package), None
otherwise (conda does not record the absence reliably). Edges come from ``depends`` (names only); they
point at other files of the environment, so the runner keeps only those it can resolve.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import BinaryIO, ClassVar
from urllib.parse import urlsplit

from bastion.errors import ExtractError
from bastion.fs.parsing import load_json
from bastion.inventory._lockfile import read_stream
from bastion.inventory.base import ExtractContext, make_package
from bastion.model import Ecosystem, FileRef, Package, PluginId


def channel_name(channel: str, subdir: str) -> str:
    """``https://conda.anaconda.org/conda-forge/linux-64`` → ``conda-forge``; names pass through."""
    if "://" not in channel:
        return channel
    parts = [p for p in urlsplit(channel).path.split("/") if p]
    if parts and subdir and parts[-1] == subdir:
        parts = parts[:-1]
    return parts[-1] if parts else channel


class CondaMetaExtractor:
    plugin: ClassVar[PluginId] = PluginId("python/conda-meta", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.CONDA
    file_names: ClassVar[frozenset[str]] = frozenset()
    file_suffixes: ClassVar[tuple[str, ...]] = (".json",)

    def dependency_scope(self, path: str) -> tuple[str, tuple[str, ...]]:
        """``depends`` names resolve among the packages of the same conda environment."""
        home = path.rpartition("/")[0]
        return home, (home,)

    def wants(self, entry: FileRef) -> bool:
        path = entry.path
        return (
            path.endswith(".json")
            and (path.startswith("conda-meta/") or "/conda-meta/" in path)
            and (path.count("/", path.rindex("conda-meta/")) == 1)
        )

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        doc = load_json(read_stream(stream, entry, ctx), entry.path, ctx.limits)
        if not isinstance(doc, Mapping):
            raise ExtractError(f"{entry.path}: top level is not an object; expected conda package metadata")
        name, version = doc.get("name"), doc.get("version")
        if not isinstance(name, str) or not name or not isinstance(version, str) or not version:
            raise ExtractError(f"{entry.path}: no 'name'/'version'; expected conda package metadata")
        subdir = _str(doc.get("subdir"))
        channel = channel_name(doc["channel"], subdir) if isinstance(doc.get("channel"), str) else ""
        build = _str(doc.get("build"))
        qualifiers = {"build": build, "channel": channel, "subdir": subdir}
        deps = []
        depends = doc.get("depends")
        for spec in depends if isinstance(depends, list) else []:
            if isinstance(spec, str) and spec.strip():
                deps.append(spec.split()[0])
        license_ = doc.get("license")
        requested = doc.get("requested_spec")
        metadata = {k: v for k, v in qualifiers.items() if v}
        if isinstance(doc.get("url"), str):
            metadata["url"] = doc["url"]
        return [
            make_package(
                Ecosystem.CONDA,
                name,
                version,
                entry,
                self.plugin,
                qualifiers=qualifiers,
                direct=True if isinstance(requested, str) and requested and requested != "None" else None,
                licenses=(license_,) if isinstance(license_, str) and license_ else (),
                dependencies=tuple(dict.fromkeys(deps)),
                metadata=metadata,
            )
        ]


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""
