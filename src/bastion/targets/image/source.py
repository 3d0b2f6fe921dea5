"""What every image source (OCI layout, docker archive, registry) resolves to, and shared resolution."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bastion.errors import LimitExceededError
from bastion.fs.limits import Limits
from bastion.model import ArtifactKind, ArtifactRef, LayerInfo
from bastion.progress import ProgressSink
from bastion.targets.image.layers import LayerBlob
from bastion.targets.image.manifest import (
    CONFIG_TYPES,
    LAYER_TYPES,
    Descriptor,
    ImageFormatError,
    Manifest,
    ParsedConfig,
    document_kind,
    layer_infos,
    load_json,
    parse_config,
    parse_index,
    parse_manifest,
    select_platform,
)
from bastion.targets.image.reference import Platform, platform_matches

#: Indexes nest (an index.json pointing at a manifest list); more than this is hostile.
MAX_INDEX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class ResolvedImage:
    """One image, chosen and parsed: enough to describe it and to read its layers."""

    ref: str
    name: str
    manifest_digest: str | None
    manifest: Manifest
    config_digest: str
    config: ParsedConfig
    layers: tuple[LayerInfo, ...]
    repo_tags: tuple[str, ...] = ()
    repo_digests: tuple[str, ...] = ()
    platform: str | None = None

    def artifact(self) -> ArtifactRef:
        return ArtifactRef(
            kind=ArtifactKind.IMAGE,
            ref=self.ref,
            name=self.name,
            digest=self.manifest_digest,
            image_id=self.config_digest,
            repo_tags=self.repo_tags,
            repo_digests=self.repo_digests,
            platform=self.platform,
            layers=self.layers,
            image=self.config.image,
        )


class ImageSource(Protocol):
    def resolve(self) -> ResolvedImage: ...

    def layer_blobs(self, image: ResolvedImage, progress: ProgressSink) -> Sequence[LayerBlob | str]:
        """One entry per layer: how to read it, or why it cannot be read (becomes an error entry)."""
        ...

    def close(self) -> None: ...


DocFetcher = Callable[[Descriptor], bytes]


def walk_to_manifest(
    data: bytes,
    media_type: str | None,
    digest: str | None,
    fetch: DocFetcher,
    *,
    platform: Platform,
    explicit: bool,
    what: str,
) -> tuple[str | None, Manifest, Platform | None]:
    """Follow indexes down to one image manifest, choosing the platform at each index."""
    chosen: Platform | None = None
    for _ in range(MAX_INDEX_DEPTH):
        doc = load_json(data, what)
        if document_kind(doc, media_type) == "manifest":
            return digest, parse_manifest(doc, what), chosen
        index = parse_index(doc, what)
        desc = select_platform(index.manifests, platform, what=what, explicit=explicit)
        chosen = desc.platform or chosen
        data = fetch(desc)
        media_type, digest = desc.media_type or None, desc.digest
        what = f"{what} → {desc.digest[:19]}"
    raise ImageFormatError(f"{what}: indexes nested more than {MAX_INDEX_DEPTH} deep")


def load_config(
    manifest: Manifest, data: bytes, what: str, limits: Limits
) -> tuple[ParsedConfig, tuple[LayerInfo, ...]]:
    """Parse the config, check it against the manifest, and describe the layers."""
    doc = load_json(data, f"{what}: config {manifest.config.digest}")
    try:
        config = parse_config(doc, f"{what}: config {manifest.config.digest}")
    except ImageFormatError:
        if manifest.config.media_type and manifest.config.media_type not in CONFIG_TYPES:
            raise ImageFormatError(
                f"{what}: not a container image (config media type {manifest.config.media_type})"
            ) from None
        raise
    if len(manifest.layers) > limits.max_layers:
        raise LimitExceededError(
            f"{what}: {len(manifest.layers)} layers, more than the limit of {limits.max_layers}"
        )
    if len(config.diff_ids) != len(manifest.layers):
        raise ImageFormatError(
            f"{what}: the manifest lists {len(manifest.layers)} layers but the config has {len(config.diff_ids)} diff_ids"
        )
    return config, layer_infos(manifest.layers, config)


def platform_of(chosen: Platform | None, config: ParsedConfig) -> str | None:
    if chosen is not None:
        return str(chosen)
    img = config.image
    if img.os and img.architecture:
        return str(Platform(img.os, img.architecture, img.variant))
    return None


def check_single_platform(config: ParsedConfig, want: Platform, explicit: bool, what: str) -> None:
    """A single-platform image asked for with an explicit --platform it does not have."""
    img = config.image
    if (
        explicit
        and img.os
        and img.architecture
        and not platform_matches(want, img.os, img.architecture, img.variant)
    ):
        raise ImageFormatError(
            f"{what}: the image is {Platform(img.os, img.architecture, img.variant)}, not {want}",
            hint="it is a single-platform image; drop --platform or pick the matching one",
        )


def layer_compression(desc: Descriptor) -> tuple[str | None, str | None]:
    """(declared compression, error) for a layer descriptor; unknown media types are an error entry."""
    if not desc.media_type:
        return None, None
    if desc.media_type.endswith("+encrypted"):
        return None, f"encrypted layer ({desc.media_type}); not scanned"
    comp = LAYER_TYPES.get(desc.media_type)
    if comp is None:
        return None, f"unknown layer media type {desc.media_type!r}; not scanned"
    return comp, None
