"""SBOM formats by id, and reading an SBOM whatever its format.

Encoders: ``cyclonedx-json``, ``cyclonedx-xml``, ``spdx-json``, ``spdx-tv``. Decoders: CycloneDX JSON and
XML, SPDX JSON, chosen by content (:func:`detect`), never by file name.
"""

from __future__ import annotations

import io
from pathlib import Path

from bastion.errors import SbomFormatError, TargetError, UsageError
from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.fs.parsing import ParseError, load_json
from bastion.sbom import cyclonedx, spdx
from bastion.sbom._common import read_bounded
from bastion.sbom.base import FORMAT_IDS, Sbom, SbomDecoder, SbomEncoder

ENCODERS: tuple[type[SbomEncoder], ...] = (
    cyclonedx.CycloneDxJsonEncoder,
    cyclonedx.CycloneDxXmlEncoder,
    spdx.SpdxJsonEncoder,
    spdx.SpdxTagValueEncoder,
)
DECODERS: tuple[type[SbomDecoder], ...] = (
    cyclonedx.CycloneDxJsonDecoder,
    cyclonedx.CycloneDxXmlDecoder,
    spdx.SpdxJsonDecoder,
)
assert tuple(e.format_id for e in ENCODERS) == FORMAT_IDS, "sbom.base.FORMAT_IDS is out of date"

#: How much of a file :func:`detect` looks at, at each end (key order varies: cyclonedx-python-lib
#: writes ``bomFormat`` last).
_HEAD = 64 * 1024


def encoder(format_id: str) -> SbomEncoder:
    for cls in ENCODERS:
        if cls.format_id == format_id:
            return cls()
    raise UsageError(f"unknown SBOM format {format_id!r}", hint=f"choose from: {', '.join(FORMAT_IDS)}")


def detect(data: bytes, source: str = "<sbom>", limits: Limits = DEFAULT_LIMITS) -> tuple[SbomDecoder, str]:
    """The decoder for a document and the spec version it declares; SbomFormatError when none fits."""
    ends = data[:_HEAD] if len(data) <= 2 * _HEAD else data[:_HEAD] + b"\n" + data[-_HEAD:]
    for cls in DECODERS:
        dec = cls()
        version = dec.identify(ends)
        if version is not None:
            return dec, version
    # Recognised formats bastion does not read, named so the user knows what to convert.
    tv_version = spdx.identify_tag_value(data[:_HEAD])
    if tv_version is not None:
        raise SbomFormatError(
            f"{source}: SPDX tag-value {tv_version} is not read, only SPDX JSON",
            hint="write the SBOM as SPDX JSON (bastion sbom --format spdx-json)",
        )
    # A JSON document whose identifying keys sit in the middle: parse it to say what it is.
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        try:
            doc = load_json(data, source, limits)
        except ParseError as exc:
            raise SbomFormatError(exc.message) from None
        if isinstance(doc, dict):
            if doc.get("bomFormat") == "CycloneDX":
                return cyclonedx.CycloneDxJsonDecoder(), str(doc.get("specVersion"))
            if isinstance(doc.get("spdxVersion"), str):
                return spdx.SpdxJsonDecoder(), str(doc["spdxVersion"]).removeprefix("SPDX-")
        raise SbomFormatError(
            f"{source}: JSON, but neither CycloneDX (no bomFormat) nor SPDX (no spdxVersion)"
        )
    raise SbomFormatError(f"{source}: not a CycloneDX or SPDX JSON document")


def decode_bytes(data: bytes, source: str = "<sbom>", limits: Limits = DEFAULT_LIMITS) -> Sbom:
    if len(data) > limits.max_parse_bytes:
        raise SbomFormatError(f"{source}: SBOM is larger than the {limits.max_parse_bytes}-byte parse limit")
    dec, _ = detect(data, source, limits)
    return dec.decode(io.BytesIO(data), source=source, limits=limits)


def load(path: Path, limits: Limits = DEFAULT_LIMITS) -> Sbom:
    """Read an SBOM file of any supported format (bounded by ``limits.max_parse_bytes``)."""
    source = str(path)
    try:
        with path.open("rb") as fh:
            data = read_bounded(fh, source, limits)
    except OSError as exc:
        raise TargetError(f"{source}: cannot read: {exc.strerror or exc}") from None
    return decode_bytes(data, source, limits)


__all__ = ["DECODERS", "ENCODERS", "FORMAT_IDS", "decode_bytes", "detect", "encoder", "load"]
