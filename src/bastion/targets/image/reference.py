"""Image references: what the user typed, parsed into a transport and a location.

Three transports:

- ``oci:PATH[:TAG]`` — an OCI image layout directory (``oci-dir:`` is accepted as an alias);
- ``docker-archive:PATH[:REPO:TAG]`` — the tar ``docker save`` writes (legacy or OCI flavoured);
- a registry reference ``[REGISTRY/]REPO[:TAG][@sha256:DIGEST]`` (optionally prefixed ``docker://``
  or ``registry:``), normalised the way the Docker CLI does: ``alpine`` is
  ``docker.io/library/alpine:latest``.
"""

from __future__ import annotations

import os
import platform as _platform
import re
from dataclasses import dataclass
from pathlib import Path

from bastion.errors import UsageError

DOCKER_HUB = "docker.io"
DOCKER_HUB_ENDPOINT = "registry-1.docker.io"
_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"})

_DIGEST_RE = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$")
_SHA256_RE = re.compile(r"^sha256:[a-f0-9]{64}$")
_TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")
_REPO_COMPONENT_RE = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")


class ReferenceError(UsageError):
    """The image reference cannot be parsed."""


@dataclass(frozen=True, slots=True)
class RegistryRef:
    """A normalised registry reference: ``registry/repository`` plus a tag and/or a digest."""

    registry: str  # "docker.io", "ghcr.io", "127.0.0.1:5000"
    repository: str  # "library/alpine"
    tag: str | None = None
    digest: str | None = None

    @property
    def endpoint(self) -> str:
        """Host[:port] to talk to (Docker Hub's API lives on registry-1.docker.io)."""
        return DOCKER_HUB_ENDPOINT if self.registry == DOCKER_HUB else self.registry

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.repository}"

    @property
    def reference(self) -> str:
        """What goes into ``/v2/<name>/manifests/<reference>``: the digest when there is one."""
        return self.digest or self.tag or "latest"

    def __str__(self) -> str:
        out = self.name
        if self.tag:
            out += f":{self.tag}"
        if self.digest:
            out += f"@{self.digest}"
        return out


@dataclass(frozen=True, slots=True)
class OciLayoutRef:
    path: Path
    tag: str | None = None

    def __str__(self) -> str:
        return f"oci:{self.path}" + (f":{self.tag}" if self.tag else "")


@dataclass(frozen=True, slots=True)
class DockerArchiveRef:
    path: Path
    tag: str | None = None  # "repo:tag" as docker save records it

    def __str__(self) -> str:
        return f"docker-archive:{self.path}" + (f":{self.tag}" if self.tag else "")


ImageRef = RegistryRef | OciLayoutRef | DockerArchiveRef


def parse_image_ref(text: str) -> ImageRef:
    """Parse any supported image reference; raises :class:`ReferenceError` with what was expected."""
    text = text.strip()
    if not text:
        raise ReferenceError(
            "empty image reference", hint="e.g. alpine:3.19, oci:./layout, docker-archive:img.tar"
        )
    for prefix in ("oci:", "oci-dir:"):
        if text.startswith(prefix):
            path, tag = _split_path_suffix(text[len(prefix) :], want_dir=True)
            return OciLayoutRef(path, tag)
    if text.startswith("docker-archive:"):
        path, tag = _split_path_suffix(text[len("docker-archive:") :], want_dir=False)
        return DockerArchiveRef(path, tag)
    for prefix in ("docker://", "registry:"):
        if text.startswith(prefix):
            return parse_registry_ref(text[len(prefix) :])
    # a bare path to something on disk: an OCI layout directory or a docker-save tar
    if os.path.isdir(text) and os.path.isfile(os.path.join(text, "index.json")):
        return OciLayoutRef(Path(text), None)
    if os.path.isfile(text) and (os.sep in text or text.endswith((".tar", ".tar.gz", ".tgz"))):
        return DockerArchiveRef(Path(text), None)
    return parse_registry_ref(text)


def _split_path_suffix(rest: str, *, want_dir: bool) -> tuple[Path, str | None]:
    """``PATH`` or ``PATH:SUFFIX``: the longest existing prefix wins, so paths may contain colons."""
    if not rest:
        raise ReferenceError(
            "missing path after the transport prefix", hint="e.g. oci:./layout or docker-archive:image.tar"
        )

    def fits(p: str) -> bool:
        return os.path.isdir(p) if want_dir else os.path.isfile(p)

    if fits(rest):
        return Path(rest), None
    # try every colon, leftmost-longest path first
    positions = [m.start() for m in re.finditer(":", rest)]
    for pos in reversed(positions):
        head, tail = rest[:pos], rest[pos + 1 :]
        if head and fits(head):
            return Path(head), tail or None
    # nothing exists: report the whole thing as the path (the target will say it is missing)
    if positions and not want_dir:
        first = positions[0]
        head = rest[:first]
        if head.endswith((".tar", ".tar.gz", ".tgz")):
            return Path(head), rest[first + 1 :] or None
    if positions and want_dir:
        head, _, tail = rest.rpartition(":")
        if "/" not in tail and tail and _TAG_RE.match(tail):
            return Path(head), tail
    return Path(rest), None


def parse_registry_ref(text: str) -> RegistryRef:
    """Docker-style reference normalisation (distribution/reference ``ParseNormalizedNamed``)."""
    original = text
    digest: str | None = None
    if "@" in text:
        text, _, digest = text.partition("@")
        if not _DIGEST_RE.match(digest):
            raise ReferenceError(
                f"{original}: invalid digest {digest!r}", hint="expected sha256:<64 hex digits>"
            )
        if digest.startswith("sha256:") and not _SHA256_RE.match(digest):
            raise ReferenceError(
                f"{original}: invalid sha256 digest {digest!r}", hint="expected sha256:<64 hex digits>"
            )
    tag: str | None = None
    slash = text.rfind("/")
    colon = text.rfind(":")
    if colon > slash:
        text, tag = text[:colon], text[colon + 1 :]
        if not _TAG_RE.match(tag):
            raise ReferenceError(f"{original}: invalid tag {tag!r}")
    first, sep, remainder = text.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        registry, repository = first, remainder
    else:
        registry, repository = DOCKER_HUB, text
    if registry.lower() in _HUB_ALIASES:
        registry = DOCKER_HUB
    if registry == DOCKER_HUB and "/" not in repository:
        repository = f"library/{repository}"
    if not repository:
        raise ReferenceError(f"{original}: missing repository name")
    for component in repository.split("/"):
        if not _REPO_COMPONENT_RE.match(component):
            raise ReferenceError(
                f"{original}: invalid repository name {repository!r}",
                hint="repository names are lowercase letters, digits and separators (. _ __ -)",
            )
    if tag is None and digest is None:
        tag = "latest"
    return RegistryRef(registry=registry, repository=repository, tag=tag, digest=digest)


# -- platforms --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Platform:
    os: str
    architecture: str
    variant: str | None = None

    def __str__(self) -> str:
        return f"{self.os}/{self.architecture}" + (f"/{self.variant}" if self.variant else "")


_ARCH_ALIASES = {
    "x86_64": "amd64",
    "x86-64": "amd64",
    "aarch64": "arm64",
    "armhf": "arm",
    "armel": "arm",
    "i386": "386",
    "i686": "386",
}
#: Variants a platform implies when none is written (containerd's platforms.Normalize).
_DEFAULT_VARIANT = {"arm64": "v8", "arm": "v7"}


def parse_platform(text: str) -> Platform:
    parts = [p.strip() for p in text.strip().split("/")]
    if len(parts) == 1 and parts[0]:
        parts = ["linux", parts[0]]
    if len(parts) not in (2, 3) or not all(parts):
        raise UsageError(
            f"invalid platform {text!r}", hint="expected os/arch[/variant], e.g. linux/arm64 or linux/arm/v7"
        )
    arch = _ARCH_ALIASES.get(parts[1].lower(), parts[1].lower())
    variant = parts[2].lower() if len(parts) == 3 else None
    return Platform(parts[0].lower(), arch, variant)


def host_platform() -> Platform:
    machine = _platform.machine().lower()
    return Platform("linux", _ARCH_ALIASES.get(machine, machine or "amd64"))


def platform_matches(want: Platform, os_name: str, arch: str, variant: str | None) -> bool:
    arch = _ARCH_ALIASES.get(arch.lower(), arch.lower())
    if want.os != os_name.lower() or want.architecture != arch:
        return False
    if want.variant is None:
        return True
    have = (variant or _DEFAULT_VARIANT.get(arch) or "").lower()
    return have == want.variant or (not variant and want.variant == _DEFAULT_VARIANT.get(arch))


def variant_rank(arch: str, variant: str | None) -> int:
    """Preference among several variants when none was requested: the implied default, then the newest."""
    if not variant or variant == _DEFAULT_VARIANT.get(arch):
        return 100
    digits = "".join(ch for ch in variant if ch.isdigit())
    return int(digits) if digits else 0
