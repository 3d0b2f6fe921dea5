"""Hostile or malformed SBOM input: one SbomFormatError that names the file and the problem, fast."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bastion.errors import SbomFormatError, TargetError
from bastion.fs.limits import Limits
from bastion.sbom import load
from bastion.sbom.cyclonedx import CycloneDxJsonDecoder
from bastion.sbom.spdx import SpdxJsonDecoder
from tests.unit.sbom.cases import image
from tests.unit.sbom.conftest import FIXTURES, encode

REAL = FIXTURES / "syft" / "rootfs-debian.cdx.json"


def _cdx(**extra: object) -> bytes:
    doc: dict[str, object] = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}
    doc.update(extra)
    return json.dumps(doc).encode()


CASES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "not a CycloneDX or SPDX JSON document"),
    ("text", b"hello, I am not an SBOM\n", "not a CycloneDX or SPDX JSON document"),
    ("binary", bytes(range(256)) * 4, "not a CycloneDX or SPDX JSON document"),
    ("json-array", b"[1, 2, 3]", "not a CycloneDX or SPDX JSON document"),
    (
        "other-json",
        b'{"name": "x", "version": "1"}',
        "neither CycloneDX (no bomFormat) nor SPDX (no spdxVersion)",
    ),
    ("truncated", REAL.read_bytes()[:5000], "invalid JSON"),
    ("cyclonedx-1.1", _cdx(specVersion="1.1"), "CycloneDX specVersion '1.1' is not supported"),
    (
        "cyclonedx-no-spec",
        b'{"bomFormat": "CycloneDX", "components": []}',
        "specVersion None is not supported",
    ),
    (
        "spdx-2.1",
        b'{"spdxVersion": "SPDX-2.1", "SPDXID": "SPDXRef-DOCUMENT"}',
        "SPDX version '2.1' is not supported",
    ),
    ("spdx-3", b'{"spdxVersion": "SPDX-3.0", "packages": []}', "SPDX version '3.0' is not supported"),
    (
        "cyclonedx-xml-truncated",
        (FIXTURES / "syft" / "rootfs-debian.cdx.xml").read_bytes()[:3000],
        "invalid XML",
    ),
    (
        "cyclonedx-xml-1.1",
        b'<?xml version="1.0"?>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.1" version="1"></bom>',
        "CycloneDX specVersion '1.1' is not supported",
    ),
    (
        "xml-entity-bomb",
        b'<?xml version="1.0"?>\n<!DOCTYPE bom [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        b'<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"><metadata><timestamp>&b;</timestamp></metadata></bom>',
        "refused XML",
    ),
    (
        "xml-deep",
        b'<bom xmlns="http://cyclonedx.org/schema/bom/1.6">'
        + b"<components><component>" * 300
        + b"</component></components>" * 300
        + b"</bom>",
        "XML nests deeper than 512 levels",
    ),
    ("spdx-tag-value", b"SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", "SPDX tag-value 2.3 is not read"),
    (
        "deep-nesting",
        b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}",
        "nests too deeply",
    ),
    (
        "deep-but-parsable",
        b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": ' + b"[" * 600 + b"]" * 600 + b"}",
        "JSON nesting deeper than 512 levels",
    ),
]


@pytest.mark.parametrize(("name", "data", "message"), CASES, ids=[c[0] for c in CASES])
def test_malformed_input_is_one_clear_error(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / f"{name}.json"
    path.write_bytes(data)
    start = time.perf_counter()
    with pytest.raises(SbomFormatError) as info:
        load(path)
    assert time.perf_counter() - start < 2.0
    text = info.value.message
    assert text.startswith(f"{path}: "), text
    assert message in text
    assert info.value.exit_code == 2


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.cdx.json"
    path.write_bytes(REAL.read_bytes())
    with pytest.raises(
        SbomFormatError, match=r"big\.cdx\.json: SBOM is larger than the 4096-byte parse limit"
    ):
        load(path, Limits(max_parse_bytes=4096))


def test_decoders_reject_other_formats_with_the_file_name() -> None:
    import io

    with pytest.raises(SbomFormatError, match=r"^x\.json: not an SPDX document \(spdxVersion is None\)"):
        SpdxJsonDecoder().decode(io.BytesIO(_cdx()), source="x.json")
    with pytest.raises(SbomFormatError, match=r"^y\.json: not a CycloneDX document \(bomFormat is None\)"):
        CycloneDxJsonDecoder().decode(io.BytesIO(b'{"spdxVersion": "SPDX-2.3"}'), source="y.json")
    with pytest.raises(SbomFormatError, match=r"^z\.json: expected a CycloneDX JSON object, got list"):
        CycloneDxJsonDecoder().decode(io.BytesIO(b"[]"), source="z.json")


def test_missing_file_is_a_target_error(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="cannot read"):
        load(tmp_path / "nope.json")


def test_wrong_shapes_inside_a_valid_document_are_tolerated(tmp_path: Path) -> None:
    """Fields of the wrong type are ignored, not crashed on; a bad purl becomes an Unknown, never a drop."""
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "metadata": "not an object",
        "components": [
            "not a component",
            {
                "type": "library",
                "name": "ok",
                "version": "1.0",
                "purl": "pkg:pypi/ok@1.0",
                "properties": "nope",
            },
            {"type": "library", "name": "bad", "version": "1", "purl": "not-a-purl"},
            {"type": "library", "name": "no-purl", "version": "2"},
            {
                "type": "library",
                "purl": "pkg:npm/x@1",
                "licenses": [{"license": "MIT"}, 7],
                "hashes": {"a": 1},
            },
        ],
        "dependencies": [{"ref": 5}, {"ref": "x", "dependsOn": "y"}],
    }
    path = tmp_path / "odd.cdx.json"
    path.write_text(json.dumps(doc))
    sbom = load(path)
    got = sorted((p.ecosystem.value, p.name, p.version, p.purl) for p in sbom.packages)
    assert got == [
        ("PyPI", "ok", "1.0", "pkg:pypi/ok@1.0"),
        ("generic", "no-purl", "2", "pkg:generic/no-purl@2"),
        ("npm", "x", "1", "pkg:npm/x@1"),
    ]
    assert [u.reason for u in sbom.unknowns] == [
        "component 'bad': 'not-a-purl' is not a valid package URL; skipped"
    ]
    assert sbom.unknowns[0].path == str(path)


def test_identify_reads_only_the_head() -> None:
    cdx = encode("cyclonedx-json", image()).encode()
    assert CycloneDxJsonDecoder().identify(cdx[:200]) == "1.6"
    assert SpdxJsonDecoder().identify(cdx[:200]) is None
    spdx = encode("spdx-json", image()).encode()
    assert SpdxJsonDecoder().identify(spdx[:1000]) is None or SpdxJsonDecoder().identify(spdx) == "2.3"
    assert CycloneDxJsonDecoder().identify(b"<bom/>") is None
    assert (
        CycloneDxJsonDecoder().identify((FIXTURES / "trivy" / "image.cdx.json").read_bytes()[:300]) == "1.6"
    )
    assert SpdxJsonDecoder().identify((FIXTURES / "syft" / "image.spdx.json").read_bytes()[:300]) == "2.3"
