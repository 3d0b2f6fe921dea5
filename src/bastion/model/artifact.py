"""What was scanned: the target's identity, its layers, image configuration and operating system."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ArtifactKind(StrEnum):
    IMAGE = "image"
    FS = "fs"
    REPO = "repo"
    SBOM = "sbom"
    CONFIG = "config"


class FileType(StrEnum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    #: FIFOs, sockets, devices: listed, never opened.
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class FileRef:
    """One entry of a target's file view.

    ``path`` is relative, POSIX, normalised, without a leading ``/`` (``etc/os-release``). For image
    targets ``layer`` is the index of the layer that holds this version of the file and ``layer_digest``
    that layer's diff ID; ``visible`` is False when a later layer deleted or replaced the file (the
    squashed view does not contain it, but content detectors still see it).
    """

    path: str
    size: int = 0
    mode: int = 0o644
    type: FileType = FileType.FILE
    link: str | None = None
    layer: int | None = None
    layer_digest: str | None = None
    visible: bool = True

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]

    @property
    def is_file(self) -> bool:
        return self.type is FileType.FILE or self.type is FileType.HARDLINK


@dataclass(frozen=True, slots=True)
class OsInfo:
    """The distribution found in the target (os-release and friends)."""

    family: str  # os-release ID, normalised: "debian", "ubuntu", "alpine", "rhel", "rocky", "almalinux", "amzn", "fedora", "wolfi", …
    version: str  # VERSION_ID as published: "12", "3.19.1", "22.04"
    name: str | None = None  # PRETTY_NAME
    codename: str | None = None  # VERSION_CODENAME: "bookworm"
    distroless: bool = False


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One ``history`` entry of an image config; ``empty_layer`` entries produced no layer."""

    created_by: str | None = None
    created: str | None = None
    comment: str | None = None
    author: str | None = None
    empty_layer: bool = False


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """The parts of an OCI/Docker image configuration that detectors and reports use."""

    architecture: str | None = None
    os: str | None = None
    variant: str | None = None
    created: str | None = None
    author: str | None = None
    user: str | None = None
    env: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    working_dir: str | None = None
    exposed_ports: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    stop_signal: str | None = None
    healthcheck: tuple[str, ...] | None = None  # the Test array; None when the image defines none
    history: tuple[HistoryEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class LayerInfo:
    """One filesystem layer of an image, bottom first."""

    index: int
    digest: str  # blob digest as stored (compressed), "sha256:…"
    diff_id: str  # digest of the uncompressed tar, from the config's rootfs.diff_ids
    size: int = 0  # blob size in bytes
    media_type: str | None = None
    created_by: str | None = None  # the history command that produced the layer


@dataclass(frozen=True, slots=True)
class ArtifactRef:
    """Stable identity and description of a scanned target.

    ``ref`` is the normalised reference the user gave (``docker.io/library/alpine:3.19``,
    ``oci:/path:tag``, an absolute directory path). ``digest`` is the image manifest digest for images
    and the content digest for SBOM files; it is None for directories.
    """

    kind: ArtifactKind
    ref: str
    name: str = ""
    digest: str | None = None
    image_id: str | None = None  # config digest
    repo_tags: tuple[str, ...] = ()
    repo_digests: tuple[str, ...] = ()
    platform: str | None = None  # "linux/amd64", "linux/arm64/v8"
    os: OsInfo | None = None
    layers: tuple[LayerInfo, ...] = ()
    image: ImageConfig | None = None
    metadata: dict[str, str] = field(default_factory=dict)  # e.g. git commit and branch of a repo

    def layer_by_digest(self, diff_id: str | None) -> LayerInfo | None:
        if diff_id is None:
            return None
        for layer in self.layers:
            if layer.diff_id == diff_id:
                return layer
        return None
