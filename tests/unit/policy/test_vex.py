"""VEX documents: OpenVEX and CycloneDX in, purl matching rules, OpenVEX out (validated with its schema)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import jsonschema
import pytest

from bastion.errors import PolicyError
from bastion.policy.model import VexProduct, Waiver
from bastion.policy.vex import VexError, export_openvex, load_vex, purl_matches

DATA = Path(__file__).with_name("data")
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_openvex_document() -> None:
    sts = load_vex(DATA / "app.openvex.json", display="app.openvex.json")
    assert [(s.vulnerability, s.status) for s in sts] == [
        ("CVE-2023-0003", "not_affected"),
        ("CVE-2024-0002", "affected"),
        ("CVE-2024-0001", "under_investigation"),
    ]
    assert sts[0].aliases == ("GHSA-zzzz-zzzz-zzzz",)
    assert sts[0].products == (
        VexProduct("pkg:oci/web?repository_url=registry.example.com/shop", ("pkg:deb/debian/zlib1g",)),
    )
    assert sts[0].timestamp == "2026-02-10T09:00:00Z"  # inherited from the document
    assert sts[1].action_statement == "Upgrade to 3.0.13 in the next base image"
    assert sts[2].products == (VexProduct("pkg:deb/debian/openssl"),)
    assert sts[2].source == "app.openvex.json#2"


def test_cyclonedx_vex_document() -> None:
    sts = load_vex(DATA / "app.cdx-vex.json", display="cdx.json")
    assert [(s.vulnerability, s.status, s.products[0].id) for s in sts] == [
        ("CVE-2024-0004", "not_affected", "pkg:pypi/requests@2.25.0"),  # bom-ref resolved to the purl
        ("CVE-2024-0005", "under_investigation", "pkg:pypi/requests"),
        ("CVE-2024-0006", "fixed", "pkg:pypi/requests@2.25.0"),  # BOM-Link fragment
    ]
    assert sts[0].aliases == ("GHSA-aaaa-bbbb-cccc",)
    assert sts[0].justification == "vulnerable_code_not_in_execute_path"
    assert sts[0].impact_statement == "We never use proxies."


@pytest.mark.parametrize(
    ("pattern", "purl", "expected"),
    [
        ("pkg:pypi/requests", "pkg:pypi/requests@2.25.0", True),
        ("pkg:pypi/Requests", "pkg:pypi/requests@2.25.0", True),
        ("pkg:pypi/requests@2.25.0", "pkg:pypi/requests@2.25.0", True),
        ("pkg:pypi/requests@2.26.0", "pkg:pypi/requests@2.25.0", False),
        ("pkg:npm/requests", "pkg:pypi/requests@2.25.0", False),
        (
            "pkg:deb/debian/openssl?arch=amd64",
            "pkg:deb/debian/openssl@3.0.11?arch=amd64&distro=debian-12",
            True,
        ),
        (
            "pkg:deb/debian/openssl?arch=arm64",
            "pkg:deb/debian/openssl@3.0.11?arch=amd64&distro=debian-12",
            False,
        ),
        ("pkg:npm/%40angular/core", "pkg:npm/%40angular/core@16.0.0", True),
        ("pkg:pypi/requests", None, False),
    ],
)
def test_purl_matching_rules(pattern: str, purl: str | None, expected: bool) -> None:
    assert purl_matches(pattern, purl) is expected


BAD = {
    "not-json.json": ("{ nope", r"bad\.json: invalid JSON"),
    "array.json": ("[]", r"bad\.json: expected a JSON object"),
    "unknown.json": ('{"foo": 1}', r"bad\.json: not a VEX document"),
    "status.json": (
        '{\n "@context": "https://openvex.dev/ns/v0.2.0",\n "statements": [\n  {\n   "vulnerability": {"name": "CVE-1"},\n   "products": ["pkg:pypi/x"],\n   "status": "maybe"\n  }\n ]\n}',
        r"bad\.json:7: statements\[0\]\.status: Input should be",
    ),
    "justification.json": (
        '{\n "@context": "https://openvex.dev/ns/v0.2.0",\n "statements": [\n  {"vulnerability": {"name": "CVE-1"}, "products": ["pkg:pypi/x"],\n   "status": "not_affected", "justification": "trust me"}\n ]\n}',
        r"bad\.json:5: statements\[0\]\.justification: Value error, unknown justification 'trust me'",
    ),
    "no-justification.json": (
        '{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "CVE-1"}, "products": ["pkg:pypi/x"], "status": "not_affected"}]}',
        r"not_affected needs a justification or impact_statement",
    ),
    "no-products.json": (
        '{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "CVE-1"}, "status": "fixed"}]}',
        r"no products",
    ),
    "cdx-state.json": (
        '{"bomFormat": "CycloneDX",\n "vulnerabilities": [\n  {"id": "CVE-1", "affects": [{"ref": "x"}],\n   "analysis": {"state": "whatever"}}]}',
        r"bad\.json:4: vulnerabilities\[0\]\.analysis\.state",
    ),
    "cdx-empty.json": ('{"bomFormat": "CycloneDX", "specVersion": "1.5"}', r"has no 'vulnerabilities'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_vex_names_file_key_and_line(case: str, tmp_path: Path) -> None:
    text, pattern = BAD[case]
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VexError, match=pattern) as info:
        load_vex(path, display="bad.json")
    assert info.value.exit_code == 2


def _waiver(**kw: object) -> Waiver:
    base: dict[str, object] = {
        "reason": "not reachable",
        "owner": "alice",
        "expires": date(2026, 12, 31),
        "source": "bastion.yaml:3",
    }
    base.update(kw)
    return Waiver(**base)  # type: ignore[arg-type]


def test_export_openvex_validates_and_round_trips(tmp_path: Path) -> None:
    waivers = [
        _waiver(id="CVE-2024-1", package="pkg:pypi/requests"),
        _waiver(id="CVE-2024-2", justification="vulnerable_code_not_present"),
        _waiver(id="CVE-2019-1", expires=date(2020, 1, 1)),
        _waiver(kind=None, fingerprint="secr:abc"),
    ]
    doc, notes = export_openvex(
        waivers, now=datetime(2026, 3, 1, tzinfo=UTC), author="sec@example.com", products=["pkg:oci/web"]
    )
    jsonschema.Draft202012Validator(json.loads((SCHEMAS / "openvex-0.2.0.json").read_text())).validate(doc)
    assert len(doc["statements"]) == 2
    assert doc["statements"][1]["justification"] == "vulnerable_code_not_present"
    assert "impact_statement" not in doc["statements"][1]
    assert len(notes) == 2 and "expired 2020-01-01" in notes[0] and "no vulnerability id" in notes[1]
    path = tmp_path / "out.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    back = load_vex(path)
    assert [(s.vulnerability, s.status, s.products[0].id) for s in back] == [
        ("CVE-2024-1", "not_affected", "pkg:pypi/requests"),
        ("CVE-2024-2", "not_affected", "pkg:oci/web"),
    ]
    # deterministic for the same input
    assert (
        export_openvex(
            waivers, now=datetime(2026, 3, 1, tzinfo=UTC), author="sec@example.com", products=["pkg:oci/web"]
        )[0]
        == doc
    )


def test_export_without_anything_to_export_is_an_error() -> None:
    with pytest.raises(PolicyError, match="no active vulnerability waivers"):
        export_openvex([_waiver(id="CVE-1")], now=datetime(2026, 3, 1, tzinfo=UTC), author="a")
