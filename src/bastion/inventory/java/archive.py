"""Java archives (jar, war, ear, par, sar, Jenkins jpi/hpi), including archives nested inside them.

For each archive, in Trivy's order of preference:

1. every ``META-INF/maven/<group>/<artifact>/pom.properties`` (a shaded jar has several; each is a
   package, ``metadata["source"] == "pom.properties"``);
2. otherwise ``META-INF/MANIFEST.MF``, when it yields a group, an artifact and a version
   (``Implementation-Vendor-Id``/``Bundle-SymbolicName``, ``Implementation-Title``/``Bundle-Name``,
   ``Implementation-Version``/``Bundle-Version``);
3. otherwise the file name (``commons-io-2.11.0.jar`` → ``commons-io`` ``2.11.0``, with no group:
   the name is the artifact alone and ``metadata["group"] == "unknown"``).

The package that *is* the archive (the pom.properties whose artifact matches the file name, the only
one, or the manifest/file-name package) carries ``metadata["sha1"]``, the archive's SHA-1, which is how
Trivy and Grype look jars up. Packages from nested archives are located at ``outer.war!WEB-INF/lib/x.jar``.

Everything is read in memory with bounds: only ``pom.properties``, ``MANIFEST.MF`` and nested archives
are read, each member is capped in size and compression ratio, nesting is capped at
``limits.max_archive_depth`` and the bytes and members of one top-level archive are budgeted. A member
that trips a bound (a zip bomb disguised as a jar) makes the whole archive an :class:`ExtractError`.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.limits import Limits
from bastion.fs.parsing import decode_text
from bastion.inventory.base import ExtractContext
from bastion.inventory.java._maven import maven_name, maven_purl
from bastion.model import Ecosystem, FileRef, Location, Package, PluginId

ARCHIVE_SUFFIXES = (".jar", ".war", ".ear", ".par", ".sar", ".jpi", ".hpi")
#: pom.properties and MANIFEST.MF larger than this are refused.
MAX_SMALL_MEMBER = 1024 * 1024
#: Entries in one archive's central directory.
MAX_MEMBERS = 200_000
#: Bytes of nested archives read for one top-level archive.
MAX_NESTED_BYTES = 1024 * 1024 * 1024
_FILENAME = re.compile(
    r"^(?P<artifact>[A-Za-z0-9._-]+?)-(?P<version>\d+(?:\.[0-9A-Za-z_+-]+)*(?:-[0-9A-Za-z._+-]+)?)$"
)


@dataclass
class _Budget:
    bytes: int = 0
    archives: int = 0


@dataclass
class _Coordinates:
    group: str
    artifact: str
    version: str
    source: str
    extra: dict[str, str] = field(default_factory=dict)


def parse_manifest(text: str) -> dict[str, str]:
    """The main section of a MANIFEST.MF (72-byte continuation lines joined)."""
    fields: dict[str, str] = {}
    last = ""
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            if fields:
                break  # end of the main section
            continue
        if line.startswith(" ") and last:
            fields[last] += line[1:]
            continue
        key, sep, value = line.partition(":")
        if sep:
            last = key.strip()
            fields[last] = value.strip()
    return fields


def parse_properties(text: str) -> dict[str, str]:
    props: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        m = re.match(r"([^=:\s]+)\s*[=:\s]\s*(.*)", line)
        if m:
            props[m.group(1)] = m.group(2).strip()
    return props


def from_manifest(fields: dict[str, str]) -> _Coordinates | None:
    """Trivy's manifest heuristics; None unless group, artifact and version are all present."""
    group = fields.get("Implementation-Vendor-Id", "")
    symbolic = fields.get("Bundle-SymbolicName", "").split(";", 1)[0].strip()
    if not group and "." in symbolic:
        group = symbolic.rsplit(".", 1)[0]
    artifact = (
        fields.get("Implementation-Title")
        or fields.get("Specification-Title")
        or fields.get("Bundle-Name")
        or ""
    )
    version = (
        fields.get("Implementation-Version")
        or fields.get("Specification-Version")
        or fields.get("Bundle-Version")
        or ""
    )
    if group and artifact and version and " " not in artifact:
        return _Coordinates(group, artifact, version, "manifest")
    return None


def from_filename(name: str) -> _Coordinates | None:
    stem = name.rsplit("/", 1)[-1]
    for suffix in ARCHIVE_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    m = _FILENAME.match(stem)
    if m is None:
        return None
    return _Coordinates("", m.group("artifact"), m.group("version"), "filename", {"group": "unknown"})


def _stem_artifact(name: str) -> str:
    coords = from_filename(name)
    if coords is not None:
        return coords.artifact
    return name.rsplit("/", 1)[-1].rsplit(".", 1)[0]


class _Reader:
    def __init__(self, top: str, limits: Limits, plugin: PluginId, layer: str | None) -> None:
        self.top = top
        self.limits = limits
        self.plugin = plugin
        self.layer = layer
        self.budget = _Budget()

    def _read_member(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, where: str) -> bytes:
        if info.file_size > cap:
            raise ExtractError(f"{where}: {info.file_size} bytes, over the {cap}-byte limit for this member")
        ratio_limit = self.limits.max_compression_ratio
        if (
            info.compress_size
            and info.file_size > 1024 * 1024
            and info.file_size / info.compress_size > ratio_limit
        ):
            raise ExtractError(f"{where}: compression ratio over {ratio_limit}:1 (zip bomb?)")
        try:
            with zf.open(info) as fh:
                data = fh.read(cap + 1)
        except (
            zipfile.BadZipFile,
            NotImplementedError,
            RuntimeError,
            zlib.error,
            EOFError,
            ValueError,
        ) as exc:
            raise ExtractError(f"{where}: cannot read member: {exc}") from None
        if len(data) > cap:
            raise ExtractError(
                f"{where}: inflates past the {cap}-byte limit although it declares {info.file_size} (zip bomb?)"
            )
        return data

    def read(self, source: BinaryIO | bytes, display: str, depth: int) -> list[Package]:
        sha1 = hashlib.sha1(usedforsecurity=False)
        if isinstance(source, bytes):
            sha1.update(source)
            fileobj: BinaryIO = io.BytesIO(source)
        else:
            for chunk in iter(lambda: source.read(1024 * 1024), b""):
                sha1.update(chunk)
            source.seek(0)
            fileobj = source
        try:
            zf = zipfile.ZipFile(fileobj)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise ExtractError(f"{display}: not a readable zip archive: {exc}") from None
        with zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise ExtractError(f"{display}: {len(infos)} entries, over the {MAX_MEMBERS}-entry limit")
            poms: list[_Coordinates] = []
            manifest: dict[str, str] = {}
            nested: list[Package] = []
            for info in infos:
                name = info.filename
                if info.is_dir():
                    continue
                where = f"{display}!{name}"
                if name.startswith("META-INF/maven/") and name.endswith("/pom.properties"):
                    props = parse_properties(
                        decode_text(self._read_member(zf, info, MAX_SMALL_MEMBER, where), where)
                    )
                    g, a, v = props.get("groupId", ""), props.get("artifactId", ""), props.get("version", "")
                    if g and a and v:
                        poms.append(_Coordinates(g, a, v, "pom.properties", {"pom_properties": name}))
                elif name.upper() == "META-INF/MANIFEST.MF":
                    manifest = parse_manifest(
                        decode_text(self._read_member(zf, info, MAX_SMALL_MEMBER, where), where)
                    )
                elif name.lower().endswith(ARCHIVE_SUFFIXES):
                    if ".." in name.split("/") or name.startswith("/"):
                        raise ExtractError(f"{where}: unsafe member name")
                    if depth >= self.limits.max_archive_depth:
                        raise ExtractError(
                            f"{where}: archives nested deeper than {self.limits.max_archive_depth} levels"
                        )
                    data = self._read_member(zf, info, self.limits.max_file_size, where)
                    self.budget.bytes += len(data)
                    self.budget.archives += 1
                    if self.budget.bytes > MAX_NESTED_BYTES or self.budget.archives > MAX_MEMBERS:
                        raise ExtractError(
                            f"{self.top}: nested archives exceed {MAX_NESTED_BYTES} bytes or {MAX_MEMBERS} archives"
                        )
                    nested.extend(self.read(data, where, depth + 1))
        digest = sha1.hexdigest()
        own: list[_Coordinates]
        if poms:
            own = poms
        else:
            coords = from_manifest(manifest) or from_filename(display)
            own = [coords] if coords is not None else []
        if not own and not nested:
            return []
        stem = _stem_artifact(display)
        identity: _Coordinates | None = None
        if len(own) == 1:
            identity = own[0]
        else:
            identity = next((c for c in own if c.artifact == stem), None)
        out = [self._package(c, display, digest if c is identity else None) for c in own]
        return out + nested

    def _package(self, c: _Coordinates, display: str, sha1: str | None) -> Package:
        meta = {"source": c.source, **c.extra}
        if sha1:
            meta["sha1"] = sha1
        return Package(
            name=maven_name(c.group, c.artifact),
            version=c.version,
            ecosystem=Ecosystem.MAVEN,
            purl=maven_purl(c.group, c.artifact, c.version),
            locations=(Location(display, self.layer),),
            found_by=self.plugin.name,
            metadata=meta,
        )


class JavaArchiveExtractor:
    plugin: ClassVar[PluginId] = PluginId("java/archive", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.MAVEN
    file_names: ClassVar[frozenset[str]] = frozenset()
    file_suffixes: ClassVar[tuple[str, ...]] = ARCHIVE_SUFFIXES

    def wants(self, entry: FileRef) -> bool:
        return entry.size > 0 and entry.name.lower().endswith(ARCHIVE_SUFFIXES)

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        reader = _Reader(entry.path, ctx.limits, self.plugin, entry.layer_digest)
        return reader.read(stream, entry.path, 1)


__all__ = ["JavaArchiveExtractor", "from_filename", "from_manifest", "parse_manifest", "parse_properties"]
