"""Container images: OCI layouts, docker archives and OCI registries, read safely.

``image_target(ref, options)`` parses the reference and returns an :class:`ImageTarget`. Opening it
reads every layer once (two at a time), keeps the contents the scan wants in a per-scan scratch area
inside the cache directory, and yields a :class:`LayeredTree`: the squashed view (``walk()``) plus
every layer's own entries (``walk_all()``), with the image config in ``describe()``.
See docs/images.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.targets.image.cache import BlobCache, default_cache_dir
from bastion.targets.image.local import DockerArchiveSource, OciLayoutSource
from bastion.targets.image.manifest import ImageFormatError
from bastion.targets.image.reference import (
    DockerArchiveRef,
    OciLayoutRef,
    Platform,
    ReferenceError,
    RegistryRef,
    host_platform,
    parse_image_ref,
    parse_platform,
    parse_registry_ref,
)
from bastion.targets.image.source import ImageSource, ResolvedImage
from bastion.targets.image.target import ImageTarget
from bastion.targets.image.tree import LayeredTree

if TYPE_CHECKING:
    from bastion.targets.factory import TargetOptions
    from bastion.targets.image.registry import RegistryClient
    from bastion.targets.image.remote import RegistrySource


def __getattr__(name: str) -> object:
    # the registry client pulls in httpx (~0.1 s); local layouts and archives do not need it
    if name == "RegistryClient":
        from bastion.targets.image.registry import RegistryClient

        return RegistryClient
    if name == "RegistrySource":
        from bastion.targets.image.remote import RegistrySource

        return RegistrySource
    raise AttributeError(name)


def image_target(ref: str, options: TargetOptions) -> ImageTarget:
    """The :class:`ImageTarget` for ``oci:PATH[:TAG]``, ``docker-archive:PATH[:REPO:TAG]`` or a registry reference."""
    parsed = parse_image_ref(ref)
    explicit = options.platform is not None
    platform = parse_platform(options.platform) if options.platform else host_platform()
    cache = BlobCache(options.cache_dir or default_cache_dir())
    source: ImageSource
    match parsed:
        case OciLayoutRef():
            source = OciLayoutSource(parsed, platform=platform, explicit=explicit, limits=options.limits)
        case DockerArchiveRef():
            source = DockerArchiveSource(
                parsed, platform=platform, explicit=explicit, limits=options.limits, scratch_parent=cache.tmp
            )
        case RegistryRef():
            from bastion.targets.image.remote import RegistrySource

            source = RegistrySource(
                parsed,
                cache=cache,
                platform=platform,
                explicit=explicit,
                limits=options.limits,
                insecure=options.insecure,
                username=options.username,
                password=options.password,
                timeout=options.timeout,
                progress=options.progress,
            )
    return ImageTarget(source, cache=cache, limits=options.limits, progress=options.progress)


__all__ = [
    "BlobCache",
    "DockerArchiveRef",
    "DockerArchiveSource",
    "ImageFormatError",
    "ImageTarget",
    "LayeredTree",
    "OciLayoutRef",
    "OciLayoutSource",
    "Platform",
    "ReferenceError",
    "RegistryClient",
    "RegistryRef",
    "RegistrySource",
    "ResolvedImage",
    "default_cache_dir",
    "host_platform",
    "image_target",
    "parse_image_ref",
    "parse_platform",
    "parse_registry_ref",
]
