"""OCI / Docker schema-2 manifests, indexes and image configs: parsing and platform selection.

Everything here is pure: bytes in, values out. Malformed documents raise :class:`ImageFormatError`
naming the document and the field that was expected.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bastion.errors import TargetError
from bastion.model import HistoryEntry, ImageConfig, LayerInfo
from bastion.targets.image.reference import Platform, platform_matches, variant_rank

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json"
DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"

INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
CONFIG_TYPES = frozenset({OCI_CONFIG, DOCKER_CONFIG})
#: What we ask registries for, most preferred first.
ACCEPT = ", ".join([OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST])

#: Filesystem layer media types and their declared compression ("gzip", "zstd", "none").
LAYER_TYPES: dict[str, str] = {
    "application/vnd.oci.image.layer.v1.tar": "none",
    "application/vnd.oci.image.layer.v1.tar+gzip": "gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd": "zstd",
    "application/vnd.oci.image.layer.nondistributable.v1.tar": "none",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip": "gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd": "zstd",
    "application/vnd.docker.image.rootfs.diff.tar": "none",
    "application/vnd.docker.image.rootfs.diff.tar.gzip": "gzip",
    "application/vnd.docker.image.rootfs.diff.tar.zstd": "zstd",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": "gzip",
    # docker save archives describe nothing; their layers are plain or sniffed tars
    "application/x-tar": "none",
}

#: Manifests and configs are small; anything larger is hostile.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024

REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name"


class ImageFormatError(TargetError):
    """A manifest, index or config is not what the OCI / Docker specifications describe."""


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Descriptor:
    media_type: str
    digest: str
    size: int
    platform: Platform | None = None
    annotations: dict[str, str] = field(default_factory=dict)
    urls: tuple[str, ...] = ()

    @property
    def ref_name(self) -> str | None:
        return self.annotations.get(REF_NAME_ANNOTATION)


@dataclass(frozen=True, slots=True)
class Index:
    media_type: str
    manifests: tuple[Descriptor, ...]


@dataclass(frozen=True, slots=True)
class Manifest:
    media_type: str
    config: Descriptor
    layers: tuple[Descriptor, ...]


def load_json(data: bytes, what: str) -> dict[str, Any]:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ImageFormatError(
            f"{what}: {len(data)} bytes, larger than the {MAX_DOCUMENT_BYTES}-byte limit for image documents"
        )
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ImageFormatError(f"{what}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise ImageFormatError(f"{what}: expected a JSON object, got {type(doc).__name__}")
    return doc


def _descriptor(raw: Any, what: str) -> Descriptor:
    if not isinstance(raw, dict):
        raise ImageFormatError(f"{what}: expected a descriptor object")
    digest = raw.get("digest")
    media_type = raw.get("mediaType", "")
    size = raw.get("size", 0)
    if not isinstance(digest, str) or ":" not in digest:
        raise ImageFormatError(f"{what}: descriptor without a valid digest")
    if not isinstance(media_type, str) or not isinstance(size, int) or size < 0:
        raise ImageFormatError(f"{what}: descriptor {digest} has an invalid mediaType or size")
    plat = None
    p = raw.get("platform")
    if isinstance(p, dict) and isinstance(p.get("os"), str) and isinstance(p.get("architecture"), str):
        variant = p.get("variant")
        plat = Platform(p["os"], p["architecture"], variant if isinstance(variant, str) and variant else None)
    ann = raw.get("annotations")
    annotations = {str(k): str(v) for k, v in ann.items()} if isinstance(ann, dict) else {}
    urls = raw.get("urls")
    return Descriptor(
        media_type=media_type,
        digest=digest,
        size=size,
        platform=plat,
        annotations=annotations,
        urls=tuple(u for u in urls if isinstance(u, str)) if isinstance(urls, list) else (),
    )


def document_kind(doc: dict[str, Any], declared: str | None = None) -> str:
    """ "index" or "manifest", from the mediaType field, the transport's content type or the shape."""
    media_type = doc.get("mediaType") or declared or ""
    if media_type in INDEX_TYPES:
        return "index"
    if media_type in MANIFEST_TYPES:
        return "manifest"
    if media_type in (DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED) or doc.get("schemaVersion") == 1:
        raise ImageFormatError(
            "Docker schema 1 manifests are deprecated and not supported",
            hint="re-push the image with a current client",
        )
    if isinstance(doc.get("manifests"), list):
        return "index"
    if isinstance(doc.get("layers"), list) and isinstance(doc.get("config"), dict):
        return "manifest"
    raise ImageFormatError(f"unsupported manifest media type {media_type!r}")


def parse_index(doc: dict[str, Any], what: str) -> Index:
    manifests = doc.get("manifests")
    if not isinstance(manifests, list):
        raise ImageFormatError(f"{what}: index without a 'manifests' list")
    return Index(
        media_type=str(doc.get("mediaType") or OCI_INDEX),
        manifests=tuple(_descriptor(m, f"{what}: manifests[{i}]") for i, m in enumerate(manifests)),
    )


def parse_manifest(doc: dict[str, Any], what: str) -> Manifest:
    layers = doc.get("layers")
    if not isinstance(layers, list):
        raise ImageFormatError(f"{what}: manifest without a 'layers' list")
    config = _descriptor(doc.get("config"), f"{what}: config")
    return Manifest(
        media_type=str(doc.get("mediaType") or OCI_MANIFEST),
        config=config,
        layers=tuple(_descriptor(layer, f"{what}: layers[{i}]") for i, layer in enumerate(layers)),
    )


def is_attestation(d: Descriptor) -> bool:
    """BuildKit attestation manifests ride along in indexes as platform unknown/unknown."""
    if d.annotations.get("vnd.docker.reference.type") == "attestation-manifest":
        return True
    return d.platform is not None and d.platform.os == "unknown" and d.platform.architecture == "unknown"


def select_platform(
    entries: Sequence[Descriptor], want: Platform, *, what: str, explicit: bool
) -> Descriptor:
    """Pick the manifest for ``want`` from an index; the error lists what the index offers."""
    candidates = [d for d in entries if not is_attestation(d)]
    with_platform = [d for d in candidates if d.platform is not None]
    matching = [
        d
        for d in with_platform
        if d.platform is not None
        and platform_matches(want, d.platform.os, d.platform.architecture, d.platform.variant)
    ]
    if matching:
        return max(
            matching,
            key=lambda d: variant_rank(d.platform.architecture, d.platform.variant) if d.platform else 0,
        )
    if not with_platform and len(candidates) == 1 and not explicit:
        return candidates[0]
    available = sorted({str(d.platform) for d in with_platform})
    raise ImageFormatError(
        f"{what}: no image for platform {want}; available: {', '.join(available) or 'none declared'}",
        hint="choose one with --platform os/arch[/variant]",
    )


def _str_tuple(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, str):
        return (value,)
    return None


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


@dataclass(frozen=True, slots=True)
class ParsedConfig:
    image: ImageConfig
    diff_ids: tuple[str, ...]


def parse_config(doc: dict[str, Any], what: str) -> ParsedConfig:
    """An OCI / Docker image configuration: the runtime config, history and rootfs diff IDs."""
    rootfs = doc.get("rootfs")
    if not isinstance(rootfs, dict) or not isinstance(rootfs.get("diff_ids"), list):
        raise ImageFormatError(f"{what}: image config without rootfs.diff_ids (is this a container image?)")
    diff_ids = tuple(str(d) for d in rootfs["diff_ids"])
    cfg = doc.get("config") or doc.get("container_config") or {}
    if not isinstance(cfg, dict):
        cfg = {}
    history_raw = doc.get("history")
    history: list[HistoryEntry] = []
    if isinstance(history_raw, list):
        for h in history_raw:
            if not isinstance(h, dict):
                continue
            history.append(
                HistoryEntry(
                    created_by=_opt_str(h.get("created_by")),
                    created=_opt_str(h.get("created")),
                    comment=_opt_str(h.get("comment")),
                    author=_opt_str(h.get("author")),
                    empty_layer=bool(h.get("empty_layer", False)),
                )
            )
    health = cfg.get("Healthcheck")
    labels = cfg.get("Labels")
    image = ImageConfig(
        architecture=_opt_str(doc.get("architecture")),
        os=_opt_str(doc.get("os")),
        variant=_opt_str(doc.get("variant")),
        created=_opt_str(doc.get("created")),
        author=_opt_str(doc.get("author")),
        user=cfg.get("User") if isinstance(cfg.get("User"), str) else None,
        env=_str_tuple(cfg.get("Env")) or (),
        entrypoint=_str_tuple(cfg.get("Entrypoint")),
        cmd=_str_tuple(cfg.get("Cmd")),
        working_dir=_opt_str(cfg.get("WorkingDir")),
        exposed_ports=tuple(sorted(str(k) for k in cfg["ExposedPorts"]))
        if isinstance(cfg.get("ExposedPorts"), dict)
        else (),
        volumes=tuple(sorted(str(k) for k in cfg["Volumes"])) if isinstance(cfg.get("Volumes"), dict) else (),
        labels={str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {},
        stop_signal=_opt_str(cfg.get("StopSignal")),
        healthcheck=_str_tuple(health.get("Test")) if isinstance(health, dict) else None,
        history=tuple(history),
    )
    return ParsedConfig(image=image, diff_ids=diff_ids)


def layer_infos(layers: Sequence[Descriptor], config: ParsedConfig) -> tuple[LayerInfo, ...]:
    """LayerInfo per layer, with ``created_by`` from the non-empty history entries in order."""
    producing = [h for h in config.image.history if not h.empty_layer]
    out = []
    for i, desc in enumerate(layers):
        created_by = producing[i].created_by if i < len(producing) and len(producing) == len(layers) else None
        if created_by is None and i < len(producing) and len(producing) != len(layers):
            # history and layers disagree (squashed or hand-made images): align from the top
            offset = len(producing) - len(layers)
            j = i + offset
            created_by = producing[j].created_by if 0 <= j < len(producing) else None
        out.append(
            LayerInfo(
                index=i,
                digest=desc.digest,
                diff_id=config.diff_ids[i] if i < len(config.diff_ids) else desc.digest,
                size=desc.size,
                media_type=desc.media_type or None,
                created_by=created_by,
            )
        )
    return tuple(out)
