"""Build real container images from Python: OCI layouts, docker archives, multi-arch indexes.

Everything is deterministic (fixed mtimes, uid 0, gzip without timestamps), so digests are stable.

    from tests._support.images import build_oci_layout, Symlink, Whiteout, Opaque

    img = build_oci_layout(tmp_path / "img", layers=[
        {"etc/os-release": b"ID=debian\\nVERSION_ID=12\\n", "bin/sh": Symlink("busybox")},
        {"etc/os-release": Whiteout()},
    ], tag="latest")
    img.manifest_digest, img.config_digest, img.diff_ids, img.layer_digests

A layer is a mapping (or a list of ``(name, entry)`` pairs, to control order or repeat names) from a
member name, written verbatim (so hostile names such as ``../x`` or ``/etc/x`` are possible), to:
``bytes`` (a regular file), :class:`File` (with mode), :class:`Dir`, :class:`Symlink`,
:class:`Hardlink`, :class:`Whiteout` (writes ``.wh.NAME`` next to NAME), :class:`Opaque` (writes
``DIR/.wh..wh..opq``), :class:`Fifo`. Or a :class:`Layer` to choose compression, media type, the
``created_by`` history line, or to supply raw blob bytes (a truncated gzip, a bomb).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MTIME = 1_700_000_000
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"


@dataclass(frozen=True)
class File:
    data: bytes
    mode: int = 0o644


@dataclass(frozen=True)
class Dir:
    mode: int = 0o755


@dataclass(frozen=True)
class Symlink:
    target: str


@dataclass(frozen=True)
class Hardlink:
    target: str  # member name of the link target, as written in the tar


@dataclass(frozen=True)
class Whiteout:
    """Deletes NAME from lower layers (written as ``.wh.NAME``)."""


@dataclass(frozen=True)
class Opaque:
    """The key is a directory; hides every lower-layer entry inside it (``DIR/.wh..wh..opq``)."""


@dataclass(frozen=True)
class Fifo:
    pass


Entry = bytes | File | Dir | Symlink | Hardlink | Whiteout | Opaque | Fifo
Entries = Mapping[str, Entry] | Sequence[tuple[str, Entry]]


@dataclass
class Layer:
    entries: Entries = field(default_factory=dict)
    compression: str = "gzip"  # "gzip", "zstd", "none"
    media_type: str | None = None  # default: the OCI type for the compression
    created_by: str | None = None
    raw: bytes | None = None  # use these blob bytes as they are (diff_id = sha256 of raw unless given)
    diff_id: str | None = None


LayerSpec = Layer | Mapping[str, Entry] | Sequence[tuple[str, Entry]]


@dataclass
class BuiltImage:
    path: Path
    manifest_digest: str
    manifest: dict[str, Any]
    config_digest: str
    config: dict[str, Any]
    diff_ids: list[str]
    layer_digests: list[str]
    manifest_bytes: bytes = b""

    @property
    def manifest_size(self) -> int:
        return len(self.manifest_bytes)


@dataclass
class ImageSpec:
    """One image of a multi-platform index."""

    layers: Sequence[LayerSpec]
    platform: str = "linux/amd64"
    config: Mapping[str, Any] | None = None


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _items(entries: Entries) -> list[tuple[str, Entry]]:
    if isinstance(entries, Mapping):
        return list(entries.items())
    return list(entries)


def layer_tar(entries: Entries) -> bytes:
    """An uncompressed tar with exactly these members (names verbatim)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, entry in _items(entries):
            info = tarfile.TarInfo(name)
            info.mtime = MTIME
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            data: bytes | None = None
            if isinstance(entry, bytes | File):
                data = entry if isinstance(entry, bytes) else entry.data
                info.mode = 0o644 if isinstance(entry, bytes) else entry.mode
                info.size = len(data)
            elif isinstance(entry, Dir):
                info.type = tarfile.DIRTYPE
                info.mode = entry.mode
            elif isinstance(entry, Symlink):
                info.type = tarfile.SYMTYPE
                info.linkname = entry.target
                info.mode = 0o777
            elif isinstance(entry, Hardlink):
                info.type = tarfile.LNKTYPE
                info.linkname = entry.target
                info.mode = 0o644
            elif isinstance(entry, Whiteout):
                parent, _, base = name.rstrip("/").rpartition("/")
                info.name = f"{parent}/.wh.{base}" if parent else f".wh.{base}"
                info.mode = 0o600
                data = b""
            elif isinstance(entry, Opaque):
                info.name = f"{name.rstrip('/')}/.wh..wh..opq"
                info.mode = 0o600
                data = b""
            elif isinstance(entry, Fifo):
                info.type = tarfile.FIFOTYPE
                info.mode = 0o644
            else:  # pragma: no cover - programming error in a test
                raise TypeError(f"unsupported entry {entry!r}")
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def compress(data: bytes, compression: str) -> bytes:
    if compression == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0)
    if compression == "zstd":
        import zstandard

        return zstandard.ZstdCompressor(level=3).compress(data)
    if compression == "none":
        return data
    raise ValueError(compression)


def _as_layer(spec: LayerSpec) -> Layer:
    return spec if isinstance(spec, Layer) else Layer(entries=spec)


def _layer_media_type(layer: Layer) -> str:
    if layer.media_type:
        return layer.media_type
    return {"gzip": OCI_LAYER + "+gzip", "zstd": OCI_LAYER + "+zstd", "none": OCI_LAYER}[layer.compression]


def _platform_dict(platform: str) -> dict[str, str]:
    parts = platform.split("/")
    out = {"os": parts[0], "architecture": parts[1]}
    if len(parts) > 2:
        out["variant"] = parts[2]
    return out


class _Blobs:
    """Writes blobs into ``blobs/sha256/`` of a layout directory (or collects them for an archive)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.written: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        digest = sha256(data)
        self.written[digest] = data
        if self.root is not None:
            path = self.root / "blobs" / "sha256" / digest[7:]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return digest


def _build_image(
    blobs: _Blobs,
    layers: Sequence[LayerSpec],
    config: Mapping[str, Any] | None,
    platform: str,
    docker_media_types: bool = False,
) -> tuple[dict[str, Any], bytes, dict[str, Any], list[str], list[str], str]:
    descs = []
    diff_ids: list[str] = []
    history = []
    layer_digests = []
    for i, spec in enumerate(layers):
        layer = _as_layer(spec)
        if layer.raw is not None:
            blob = layer.raw
            diff_id = layer.diff_id or sha256(blob)
        else:
            tar = layer_tar(layer.entries)
            diff_id = layer.diff_id or sha256(tar)
            blob = compress(tar, layer.compression)
        digest = blobs.put(blob)
        media_type = _layer_media_type(layer)
        if docker_media_types and layer.media_type is None and layer.compression == "gzip":
            media_type = DOCKER_LAYER_GZIP
        descs.append({"mediaType": media_type, "digest": digest, "size": len(blob)})
        diff_ids.append(diff_id)
        layer_digests.append(digest)
        history.append({"created": "2024-01-01T00:00:00Z", "created_by": layer.created_by or f"layer {i}"})
    plat = _platform_dict(platform)
    cfg: dict[str, Any] = {
        "created": "2024-01-01T00:00:00Z",
        "architecture": plat["architecture"],
        "os": plat["os"],
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Cmd": ["/bin/sh"],
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }
    if "variant" in plat:
        cfg["variant"] = plat["variant"]
    if config:
        for key, value in config.items():
            if key == "config" and isinstance(value, Mapping):
                cfg["config"] = {**cfg["config"], **value}
            else:
                cfg[key] = value
    config_bytes = json.dumps(cfg, sort_keys=True, separators=(",", ":")).encode()
    config_digest = blobs.put(config_bytes)
    manifest = {
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST if docker_media_types else OCI_MANIFEST,
        "config": {
            "mediaType": DOCKER_CONFIG if docker_media_types else OCI_CONFIG,
            "digest": config_digest,
            "size": len(config_bytes),
        },
        "layers": descs,
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    return manifest, manifest_bytes, cfg, diff_ids, layer_digests, config_digest


def _write_layout_root(root: Path, manifests: list[dict[str, Any]]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}
    (root / "index.json").write_text(json.dumps(index, sort_keys=True, indent=1))


def build_oci_layout(
    path: Path,
    layers: Sequence[LayerSpec],
    *,
    config: Mapping[str, Any] | None = None,
    tag: str | None = "latest",
    platform: str = "linux/amd64",
    docker_media_types: bool = False,
    append: bool = False,
) -> BuiltImage:
    """An OCI image layout at ``path`` with one image (``append=True`` adds to an existing layout)."""
    path = Path(path)
    blobs = _Blobs(path)
    manifest, manifest_bytes, cfg, diff_ids, layer_digests, config_digest = _build_image(
        blobs, layers, config, platform, docker_media_types
    )
    digest = blobs.put(manifest_bytes)
    desc: dict[str, Any] = {"mediaType": manifest["mediaType"], "digest": digest, "size": len(manifest_bytes)}
    if tag:
        desc["annotations"] = {"org.opencontainers.image.ref.name": tag}
    existing: list[dict[str, Any]] = []
    if append and (path / "index.json").is_file():
        existing = json.loads((path / "index.json").read_text())["manifests"]
    _write_layout_root(path, [*existing, desc])
    return BuiltImage(path, digest, manifest, config_digest, cfg, diff_ids, layer_digests, manifest_bytes)


@dataclass
class BuiltIndex:
    path: Path
    index_digest: str
    index_bytes: bytes
    images: dict[str, BuiltImage]  # platform → image


def build_oci_index(
    path: Path,
    images: Iterable[ImageSpec],
    *,
    tag: str | None = "latest",
    docker_media_types: bool = False,
    attestation: bool = False,
) -> BuiltIndex:
    """A multi-platform image: an index (OCI or Docker manifest list) in an OCI layout's index.json."""
    path = Path(path)
    blobs = _Blobs(path)
    entries = []
    built: dict[str, BuiltImage] = {}
    for spec in images:
        manifest, manifest_bytes, cfg, diff_ids, layer_digests, config_digest = _build_image(
            blobs, spec.layers, spec.config, spec.platform, docker_media_types
        )
        digest = blobs.put(manifest_bytes)
        entries.append(
            {
                "mediaType": manifest["mediaType"],
                "digest": digest,
                "size": len(manifest_bytes),
                "platform": _platform_dict(spec.platform),
            }
        )
        built[spec.platform] = BuiltImage(
            path, digest, manifest, config_digest, cfg, diff_ids, layer_digests, manifest_bytes
        )
    if attestation:
        att_config = json.dumps({"attestation": True}).encode()
        att_cfg_digest = blobs.put(att_config)
        att = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": att_cfg_digest,
                    "size": len(att_config),
                },
                "layers": [],
            }
        ).encode()
        entries.append(
            {
                "mediaType": OCI_MANIFEST,
                "digest": blobs.put(att),
                "size": len(att),
                "platform": {"os": "unknown", "architecture": "unknown"},
                "annotations": {"vnd.docker.reference.type": "attestation-manifest"},
            }
        )
    index = {
        "schemaVersion": 2,
        "mediaType": DOCKER_LIST if docker_media_types else OCI_INDEX,
        "manifests": entries,
    }
    index_bytes = json.dumps(index, sort_keys=True, separators=(",", ":")).encode()
    index_digest = blobs.put(index_bytes)
    desc: dict[str, Any] = {"mediaType": index["mediaType"], "digest": index_digest, "size": len(index_bytes)}
    if tag:
        desc["annotations"] = {"org.opencontainers.image.ref.name": tag}
    _write_layout_root(path, [desc])
    return BuiltIndex(path, index_digest, index_bytes, built)


@dataclass
class ArchiveImage:
    """One image of a docker archive."""

    layers: Sequence[LayerSpec]
    repo_tags: Sequence[str] = ()
    config: Mapping[str, Any] | None = None
    platform: str = "linux/amd64"


def build_docker_archive(
    path: Path, images: Iterable[ArchiveImage], *, oci: bool = False, compress_archive: str | None = None
) -> list[BuiltImage]:
    """A ``docker save`` tar. Legacy layout (``<id>/layer.tar``, ``<config hex>.json``) or, with
    ``oci=True``, the docker >= 25 layout (``blobs/sha256/…`` + ``index.json`` + ``manifest.json``).
    Layers are stored uncompressed, as docker does. ``compress_archive="gzip"`` gzips the whole tar."""
    path = Path(path)
    members: dict[str, bytes] = {}
    manifest_json = []
    index_entries = []
    built = []
    for image in images:
        blobs = _Blobs(None)
        layer_specs = [
            Layer(entries=_as_layer(s).entries, compression="none", created_by=_as_layer(s).created_by)
            if _as_layer(s).raw is None
            else _as_layer(s)
            for s in image.layers
        ]
        manifest, manifest_bytes, cfg, diff_ids, layer_digests, config_digest = _build_image(
            blobs, layer_specs, image.config, image.platform
        )
        layer_names = []
        for i, digest in enumerate(layer_digests):
            data = blobs.written[digest]
            if oci:
                name = f"blobs/sha256/{digest[7:]}"
            else:
                name = f"{hashlib.sha256(f'{config_digest}{i}'.encode()).hexdigest()}/layer.tar"
            members[name] = data
            layer_names.append(name)
        config_bytes = blobs.written[config_digest]
        config_name = f"blobs/sha256/{config_digest[7:]}" if oci else f"{config_digest[7:]}.json"
        members[config_name] = config_bytes
        manifest_json.append(
            {"Config": config_name, "RepoTags": list(image.repo_tags), "Layers": layer_names}
        )
        manifest_digest = sha256(manifest_bytes)
        if oci:
            members[f"blobs/sha256/{manifest_digest[7:]}"] = manifest_bytes
            desc: dict[str, Any] = {
                "mediaType": OCI_MANIFEST,
                "digest": manifest_digest,
                "size": len(manifest_bytes),
            }
            if image.repo_tags:
                desc["annotations"] = {
                    "io.containerd.image.name": image.repo_tags[0],
                    "org.opencontainers.image.ref.name": image.repo_tags[0].rsplit(":", 1)[-1],
                }
            index_entries.append(desc)
        built.append(
            BuiltImage(
                path, manifest_digest, manifest, config_digest, cfg, diff_ids, layer_digests, manifest_bytes
            )
        )
    members["manifest.json"] = json.dumps(manifest_json).encode()
    if oci:
        members["oci-layout"] = json.dumps({"imageLayoutVersion": "1.0.0"}).encode()
        members["index.json"] = json.dumps(
            {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": index_entries}
        ).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = MTIME
            tf.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    path.write_bytes(compress(raw, compress_archive) if compress_archive else raw)
    return built


__all__ = [
    "ArchiveImage",
    "BuiltImage",
    "BuiltIndex",
    "Dir",
    "Fifo",
    "File",
    "Hardlink",
    "ImageSpec",
    "Layer",
    "Opaque",
    "Symlink",
    "Whiteout",
    "build_docker_archive",
    "build_oci_index",
    "build_oci_layout",
    "compress",
    "layer_tar",
    "sha256",
]
