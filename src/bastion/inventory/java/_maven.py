"""Maven coordinates shared by the Java extractors."""

from __future__ import annotations

from bastion.inventory.base import make_purl


def maven_name(group: str, artifact: str) -> str:
    """``group:artifact`` (the OSV Maven package name); just ``artifact`` when the group is unknown."""
    return f"{group}:{artifact}" if group else artifact


def maven_purl(group: str, artifact: str, version: str, qualifiers: dict[str, str] | None = None) -> str:
    return make_purl("maven", artifact, version or None, namespace=group or None, qualifiers=qualifiers)
