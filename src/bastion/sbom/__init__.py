"""SBOMs in and out: CycloneDX 1.6 (JSON, XML) and SPDX 2.3 (JSON, tag-value) encoders, CycloneDX and SPDX
JSON decoders (syft, trivy and bastion documents). See docs/sbom.md."""

from bastion.sbom.base import Sbom, SbomDecoder, SbomEncoder, Tool
from bastion.sbom.registry import DECODERS, ENCODERS, FORMAT_IDS, decode_bytes, detect, encoder, load

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
