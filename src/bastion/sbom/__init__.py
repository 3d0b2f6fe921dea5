"""SBOMs in and out: CycloneDX 1.6 (JSON, XML) and SPDX 2.3 (JSON, tag-value) encoders, CycloneDX and SPDX
JSON decoders (syft, trivy and bastion documents). See docs/sbom.md.

The registry (and with it cyclonedx-python-lib and spdx-tools, which are slow to import) loads on first
use of one of its names.
"""

from __future__ import annotations

from typing import Any

from bastion.sbom.base import FORMAT_IDS, Sbom, SbomDecoder, SbomEncoder, Tool

__all__ = [
    "DECODERS",
    "ENCODERS",
    "FORMAT_IDS",
    "Sbom",
    "SbomDecoder",
    "SbomEncoder",
    "Tool",
    "decode_bytes",
    "detect",
    "encoder",
    "load",
]

_FROM_REGISTRY = frozenset({"DECODERS", "ENCODERS", "decode_bytes", "detect", "encoder", "load"})


def __getattr__(name: str) -> Any:
    if name in _FROM_REGISTRY:
        from bastion.sbom import registry

        return getattr(registry, name)
    raise AttributeError(f"module 'bastion.sbom' has no attribute {name!r}")
