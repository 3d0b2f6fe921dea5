"""Helpers both SBOM formats share: bounded reading, identity of the subject, property names, hashes."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter, deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import BinaryIO

from bastion.errors import SbomFormatError
from bastion.fs.limits import Limits
from bastion.model import ArtifactKind, ArtifactRef, Ecosystem, Location, OsInfo, Package, package_id

#: ``Package.metadata`` keys that hold a checksum of the package's own file (a jar's SHA-1, …), by the
#: SPDX algorithm name; encoders write them as CycloneDX ``hashes`` / SPDX ``checksums``.
HASH_KEYS: dict[str, str] = {
    "md5": "MD5",
    "sha1": "SHA1",
    "sha256": "SHA256",
    "sha384": "SHA384",
    "sha512": "SHA512",
}

# Property names (CycloneDX ``properties``, SPDX annotations ``bastion:…=value``).
P_ECOSYSTEM = "bastion:package:ecosystem"
P_NAME = "bastion:package:name"  # only when the format's name field differs (Maven: artifactId)
P_FOUND_BY = "bastion:package:found_by"
P_SOURCE_NAME = "bastion:package:source_name"
P_SOURCE_VERSION = "bastion:package:source_version"
P_DIRECT = "bastion:package:direct"
P_DEV = "bastion:package:dev"
P_LOCATION = "bastion:location:{i}:{field}"  # field: path | layer
P_METADATA = "bastion:metadata:"
P_TARGET = "bastion:target:"


def read_bounded(stream: BinaryIO, source: str, limits: Limits) -> bytes:
    """The whole document, refusing anything larger than the structured-parse limit."""
    data = stream.read(limits.max_parse_bytes + 1)
    if len(data) > limits.max_parse_bytes:
        raise SbomFormatError(
            f"{source}: SBOM is larger than the {limits.max_parse_bytes}-byte parse limit",
            hint="raise Limits.max_parse_bytes if this document is genuine",
        )
    return data


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def clean_path(path: str) -> str:
    """SBOM paths (``/var/lib/dpkg/status``, ``./web/package-lock.json``) → bastion's relative POSIX form."""
    path = path.strip().replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


def location_order(paths: Iterable[str]) -> list[str]:
    """Evidence paths with the package database first: syft also lists license files (``…/copyright``)."""
    unique = list(dict.fromkeys(p for p in paths if p))
    return sorted(
        unique, key=lambda p: (p.rsplit("/", 1)[-1] in ("copyright", "LICENSE", "COPYING"), unique.index(p))
    )


def sort_packages(packages: Iterable[Package]) -> tuple[Package, ...]:
    """The inventory runner's order: ecosystem, name, version, path."""
    return tuple(sorted(packages, key=lambda p: (p.ecosystem.value, p.name.lower(), p.version, p.path or "")))


def with_id(pkg: Package) -> Package:
    return dataclasses.replace(pkg, id=package_id(pkg.ecosystem.value, pkg.name, pkg.version, pkg.path))


def dominant_distro(distros: Iterable[OsInfo]) -> OsInfo | None:
    """The distribution most OS packages name in their purls (a fallback when no OS component is given)."""
    counts = Counter((d.family, d.version) for d in distros if d.family)
    if not counts:
        return None
    (family, version), _ = counts.most_common(1)[0]
    return OsInfo(family=family, version=version)


def subject_name(ref: ArtifactRef) -> str:
    """A short human name for the scanned thing (image name, directory base name)."""
    if ref.name:
        return ref.name
    text = ref.ref.rstrip("/")
    if ref.kind is ArtifactKind.IMAGE:
        return text
    return text.rsplit("/", 1)[-1] or text


def is_os_package(pkg: Package) -> bool:
    return pkg.ecosystem.is_os or pkg.purl.startswith(("pkg:deb/", "pkg:apk/", "pkg:rpm/"))


def parse_bool(value: str | None) -> bool | None:
    if value is None:
        return None
    low = value.strip().lower()
    if low in ("true", "1", "yes"):
        return True
    if low in ("false", "0", "no"):
        return False
    return None


def parse_ecosystem(value: str | None) -> Ecosystem | None:
    if not value:
        return None
    try:
        return Ecosystem(value)
    except ValueError:
        return None


def top_level(packages: Iterable[Package]) -> list[Package]:
    """Packages no other package depends on."""
    pkgs = list(packages)
    targets = {dep for p in pkgs for dep in p.dependencies}
    return [p for p in pkgs if p.id not in targets]


def bool_text(value: bool) -> str:
    return "true" if value else "false"


def place_in_holders(
    packages: dict[str, Package],
    holders: dict[str, str],
    first: Callable[[str], Iterable[str]],
    then: Callable[[str], Iterable[str]],
) -> dict[str, Package]:
    """trivy lists lockfiles and binaries as components ("holders") that reach their packages through the
    document's relationships. A package without a path of its own gets the path of the first holder that
    reaches it: ``first(holder)`` gives the holder's direct edges, ``then(ref)`` a package's onward ones."""
    if not holders:
        return packages
    path_of: dict[str, str] = {}
    for holder, path in holders.items():
        seen = {holder}
        queue = deque(first(holder))
        while queue:
            ref = queue.popleft()
            if ref in seen:
                continue
            seen.add(ref)
            if ref in packages:
                path_of.setdefault(ref, path)
                queue.extend(then(ref))
    out = {}
    for ref, pkg in packages.items():
        found = path_of.get(ref)
        if found and not any(loc.path for loc in pkg.locations):
            layer = pkg.locations[0].layer if pkg.locations else None
            pkg = dataclasses.replace(pkg, locations=(Location(path=found, layer=layer),))
        out[ref] = pkg
    return out
