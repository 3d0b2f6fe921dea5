"""Encoders: golden files, the official validators, and the mapping rules checked field by field."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

from bastion.model import ArtifactKind, ArtifactRef
from bastion.reports import registry as report_registry
from bastion.sbom import registry
from bastion.sbom.base import Sbom
from tests.unit.sbom.cases import CREATED, SBOM_CASES, TOOL, image, project, vdr, vdr_result
from tests.unit.sbom.conftest import (
    assert_valid_cyclonedx_json,
    assert_valid_cyclonedx_xml,
    assert_valid_spdx,
    check_golden,
    encode,
    parse_spdx,
)

CASES = sorted(SBOM_CASES)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("fmt", registry.FORMAT_IDS)
def test_golden(fmt: str, case: str, update_golden: bool) -> None:
    check_golden(fmt, case, encode(fmt, SBOM_CASES[case]()), update_golden)


@pytest.mark.parametrize("case", CASES)
def test_cyclonedx_json_is_valid_1_6(case: str) -> None:
    assert_valid_cyclonedx_json(encode("cyclonedx-json", SBOM_CASES[case]()))


@pytest.mark.parametrize("case", CASES)
def test_cyclonedx_xml_is_valid_1_6(case: str) -> None:
    assert_valid_cyclonedx_xml(encode("cyclonedx-xml", SBOM_CASES[case]()))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(("fmt", "suffix"), [("spdx-json", ".spdx.json"), ("spdx-tv", ".spdx")])
def test_spdx_is_valid_2_3(fmt: str, suffix: str, case: str) -> None:
    assert_valid_spdx(encode(fmt, SBOM_CASES[case]()), suffix)


def test_encoding_is_deterministic() -> None:
    assert encode("cyclonedx-json", image()) == encode("cyclonedx-json", image())
    assert encode("spdx-json", image()) == encode("spdx-json", image())


def test_unknown_format_is_a_usage_error() -> None:
    from bastion.errors import UsageError

    with pytest.raises(UsageError, match="unknown SBOM format 'cyclonedx'"):
        registry.encoder("cyclonedx")


# -- CycloneDX mapping --------------------------------------------------------------------------------


def _cdx(sbom: Sbom) -> dict:
    return json.loads(encode("cyclonedx-json", sbom))


def _component(doc: dict, name: str) -> dict:
    return next(c for c in doc["components"] if c["name"] == name)


def _props(comp: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in comp.get("properties", []):
        out.setdefault(p["name"], []).append(p["value"])
    return out


def test_cyclonedx_head_and_metadata() -> None:
    doc = _cdx(image())
    assert list(doc)[:4] == ["$schema", "bomFormat", "specVersion", "serialNumber"]
    assert doc["specVersion"] == "1.6"
    assert doc["metadata"]["timestamp"] == "2026-01-02T03:04:05+00:00"
    tool = doc["metadata"]["tools"]["components"][0]
    assert (tool["name"], tool["version"]) == ("bastion", "0.0.0-test")
    subject = doc["metadata"]["component"]
    assert subject["type"] == "container"
    assert subject["name"] == "registry.example.com/team/app:1.4"
    assert subject["version"] == "sha256:" + "a" * 64
    assert subject["purl"] == (
        "pkg:oci/app@sha256:" + "a" * 64 + "?arch=amd64&repository_url=registry.example.com/team/app&tag=1.4"
    )
    props = _props(subject)
    assert props["bastion:target:layer:1:diff_id"] == ["sha256:" + "2" * 64]
    osc = _component(doc, "debian")
    assert (osc["type"], osc["version"], osc["description"]) == (
        "operating-system",
        "12",
        "Debian GNU/Linux 12 (bookworm)",
    )


def test_cyclonedx_serial_is_derived_from_target_and_time() -> None:
    a = _cdx(image())["serialNumber"]
    later = dataclasses.replace(image(), created=CREATED.replace(year=2027))
    assert a.startswith("urn:uuid:")
    assert a == _cdx(image())["serialNumber"]
    assert a != _cdx(later)["serialNumber"]


def test_cyclonedx_package_component() -> None:
    doc = _cdx(image())
    jar = _component(doc, "commons-text")
    assert jar["group"] == "org.apache.commons"
    assert jar["purl"] == "pkg:maven/org.apache.commons/commons-text@1.9"
    assert jar["hashes"] == [{"alg": "SHA-1", "content": "ba6ac8c2807490944a0a27f6f8e68fb5ed2e80e2"}]
    assert jar["evidence"]["occurrences"] == [{"location": "app/lib/commons-text-1.9.jar"}]
    props = _props(jar)
    assert props["bastion:package:name"] == ["org.apache.commons:commons-text"]
    assert props["bastion:package:found_by"] == ["java/archive"]
    assert props["bastion:location:0:layer"] == ["sha256:" + "2" * 64]
    libc = _component(doc, "libc6")
    assert libc["bom-ref"] == next(p.id for p in image().packages if p.name == "libc6")
    assert _props(libc)["bastion:package:source_name"] == ["glibc"]
    attr = _component(doc, "libattr1")
    assert attr["version"] == "1:2.5.1-4"
    assert attr["purl"] == "pkg:deb/debian/libattr1@2.5.1-4?arch=amd64&distro=debian-12&epoch=1"


def test_cyclonedx_licenses_ids_names_and_expressions() -> None:
    doc = _cdx(project())
    # one SPDX expression → the expression form
    assert _component(doc, "idna")["licenses"] == [
        {"expression": "BSD-3-Clause OR Unlicense", "acknowledgement": "declared"}
    ]
    # an id and a name → two license entries, id vs name
    assert _component(doc, "left-pad")["licenses"] == [
        {"license": {"id": "WTFPL", "acknowledgement": "declared"}},
        {"license": {"name": "public domain", "acknowledgement": "declared"}},
    ]
    libc = _component(_cdx(image()), "libc6")
    assert libc["licenses"] == [
        {"license": {"id": "LGPL-2.1-or-later", "acknowledgement": "declared"}},
        {"license": {"name": "GPL", "acknowledgement": "declared"}},  # never promoted to GPL-1.0-or-later
    ]


def test_cyclonedx_dependency_graph() -> None:
    sbom = project()
    doc = _cdx(sbom)
    ids = {p.name: p.id for p in sbom.packages}
    graph = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    root = doc["metadata"]["component"]["bom-ref"]
    # the target depends on the direct packages only (and not on the transitive urllib3/idna/semver)
    assert sorted(graph[root]) == sorted(ids[n] for n in ("requests", "flask", "@babel/core", "left-pad"))
    assert sorted(graph[ids["requests"]]) == sorted([ids["urllib3"], ids["idna"]])
    assert graph[ids["urllib3"]] == []  # every component has an entry, empty when it has no dependencies
    dev = _component(doc, "@babel/core")
    assert dev["scope"] == "excluded"
    assert "scope" not in _component(doc, "left-pad")


def test_cyclonedx_os_packages_hang_below_the_os_component() -> None:
    sbom = image()
    doc = _cdx(sbom)
    ids = {p.name: p.id for p in sbom.packages}
    graph = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    os_ref = _component(doc, "debian")["bom-ref"]
    root = doc["metadata"]["component"]["bom-ref"]
    assert os_ref in graph[root]
    assert ids["stdlib"] in graph[root]
    # libc6 is reached through bash, so only bash and libattr1 are top-level below the OS
    assert sorted(graph[os_ref]) == sorted([ids["bash"], ids["libattr1"]])


def test_cyclonedx_vulnerabilities() -> None:
    doc = _cdx(vdr())
    vulns = {v["id"]: v for v in doc["vulnerabilities"]}
    assert set(vulns) == {"GHSA-599f-7c49-w659", "CVE-2023-4911", "GO-2023-2102", "CVE-2022-3715"}
    ids = {p.name: p.id for p in vdr().packages}

    text = vulns["GHSA-599f-7c49-w659"]
    assert text["source"] == {"name": "GitHub", "url": "https://github.com/advisories/GHSA-599f-7c49-w659"}
    assert text["references"] == [
        {
            "id": "CVE-2022-42889",
            "source": {"name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2022-42889"},
        }
    ]
    cvss = next(r for r in text["ratings"] if r.get("method") == "CVSSv31")
    assert cvss == {
        "source": {"name": "nvd"},
        "score": 9.8,
        "severity": "critical",
        "method": "CVSSv31",
        "vector": "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  # cyclonedx-python-lib drops the CVSS:3.1/ prefix
    }
    overall = next(r for r in text["ratings"] if r.get("method") == "other")
    assert overall == {"source": {"name": "ghsa"}, "severity": "critical", "method": "other"}
    assert text["affects"] == [
        {
            "ref": ids["org.apache.commons:commons-text"],
            "versions": [{"version": "1.9", "status": "affected"}],
        }
    ]
    assert text["recommendation"] == "Upgrade to 1.10.0"
    assert text["published"].startswith("2022-10-13T12:00:31")
    assert "analysis" not in text

    vex = vulns["CVE-2023-4911"]["analysis"]
    assert vex["state"] == "not_affected"
    assert vex["justification"] == "code_not_reachable"
    assert "the setuid binaries are removed" in vex["detail"]
    assert any(
        r.get("method") == "CVSSv2" and r["severity"] == "high" for r in vulns["CVE-2023-4911"]["ratings"]
    )

    waived = vulns["GO-2023-2102"]["analysis"]
    assert waived["response"] == ["will_not_fix"]
    assert "state" not in waived
    assert "W-12" in waived["detail"] and "expires 2026-06-30" in waived["detail"]

    low = vulns["CVE-2022-3715"]
    assert [r["severity"] for r in low["ratings"]] == ["low"]


def test_cyclonedx_xml_carries_the_same_document() -> None:
    root = ET.fromstring(encode("cyclonedx-xml", vdr()))
    ns = {"c": "http://cyclonedx.org/schema/bom/1.6"}
    assert root.tag == "{http://cyclonedx.org/schema/bom/1.6}bom"
    names = sorted(e.text or "" for e in root.findall("c:components/c:component/c:name", ns))
    assert names == sorted(["bash", "commons-text", "debian", "libattr1", "libc6", "stdlib"])
    assert len(root.findall("c:vulnerabilities/c:vulnerability", ns)) == 4
    assert root.find("c:metadata/c:component", ns).get("type") == "container"  # type: ignore[union-attr]


# -- SPDX mapping -----------------------------------------------------------------------------------


def _spdx(sbom: Sbom) -> dict:
    return json.loads(encode("spdx-json", sbom))


def _package(doc: dict, name: str) -> dict:
    return next(p for p in doc["packages"] if p["name"] == name)


def test_spdx_document_and_packages() -> None:
    sbom = image()
    doc = _spdx(sbom)
    assert doc["spdxVersion"] == "SPDX-2.3"
    assert doc["creationInfo"]["creators"] == ["Tool: bastion-0.0.0-test"]
    assert doc["creationInfo"]["created"] == "2026-01-02T03:04:05Z"
    assert doc["documentNamespace"].startswith(
        "https://spdx.org/spdxdocs/bastion/image-registry.example.com-team-app-1.4-"
    )
    ids = {p.name: p.id for p in sbom.packages}
    jar = _package(doc, "org.apache.commons:commons-text")
    assert jar["SPDXID"] == f"SPDXRef-Package-{ids['org.apache.commons:commons-text']}"
    assert jar["versionInfo"] == "1.9"
    assert jar["checksums"] == [
        {"algorithm": "SHA1", "checksumValue": "ba6ac8c2807490944a0a27f6f8e68fb5ed2e80e2"}
    ]
    assert jar["externalRefs"] == [
        {
            "referenceCategory": "PACKAGE_MANAGER",
            "referenceLocator": "pkg:maven/org.apache.commons/commons-text@1.9",
            "referenceType": "purl",
        }
    ]
    assert jar["licenseDeclared"] == "Apache-2.0"
    assert jar["licenseConcluded"] == "NOASSERTION"
    assert jar["downloadLocation"] == "NOASSERTION"
    assert jar["filesAnalyzed"] is False
    assert jar["sourceInfo"] == "acquired package info from java/archive: app/lib/commons-text-1.9.jar"
    libc = _package(doc, "libc6")
    assert libc["sourceInfo"] == "built package from: glibc 2.36-9+deb12u4"
    # a name that is not an SPDX id becomes a LicenseRef with its text, never an alias
    assert libc["licenseDeclared"] == "LGPL-2.1-or-later AND LicenseRef-GPL"
    assert {"licenseId": "LicenseRef-GPL", "extractedText": "GPL", "name": "GPL"} in doc[
        "hasExtractedLicensingInfos"
    ]
    root = _package(doc, "registry.example.com/team/app:1.4")
    assert root["primaryPackagePurpose"] == "CONTAINER"
    assert _package(doc, "debian")["primaryPackagePurpose"] == "OPERATING_SYSTEM"


def test_spdx_no_declared_license_is_noassertion() -> None:
    doc = _spdx(project())
    assert _package(doc, "flask")["licenseDeclared"] == "NOASSERTION"
    assert "versionInfo" not in _package(doc, "flask")  # unpinned: no version, not an empty string
    # "public domain" is no SPDX id: a LicenseRef whose idstring is made safe and kept unique by a hash
    declared = _package(doc, "left-pad")["licenseDeclared"]
    assert re.fullmatch(r"WTFPL AND LicenseRef-public-domain-[0-9a-f]{8}", declared)
    ref = declared.split(" AND ")[1]
    assert {"licenseId": ref, "extractedText": "public domain", "name": "public domain"} in doc[
        "hasExtractedLicensingInfos"
    ]


def test_spdx_relationships() -> None:
    sbom = image()
    doc = _spdx(sbom)
    sid = {p["name"]: p["SPDXID"] for p in doc["packages"]}
    rels = {
        (r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]) for r in doc["relationships"]
    }
    root = sid["registry.example.com/team/app:1.4"]
    assert ("SPDXRef-DOCUMENT", "DESCRIBES", root) in rels
    assert (root, "CONTAINS", sid["debian"]) in rels
    assert (sid["debian"], "CONTAINS", sid["libc6"]) in rels
    assert (root, "CONTAINS", sid["stdlib"]) in rels
    assert (sid["bash"], "DEPENDS_ON", sid["libc6"]) in rels
    assert (root, "DEPENDS_ON", sid["stdlib"]) in rels


def test_spdx_tag_value_parses_back_to_the_same_packages() -> None:
    sbom = project()
    tv = parse_spdx(encode("spdx-tv", sbom), ".spdx")
    js = parse_spdx(encode("spdx-json", sbom), ".spdx.json")
    assert sorted((p.name, p.version) for p in tv.packages) == sorted(
        (p.name, p.version) for p in js.packages
    )
    assert len(tv.relationships) == len(js.relationships)


def test_sbom_target_kind_is_a_file_component() -> None:
    ref = ArtifactRef(kind=ArtifactKind.SBOM, ref="/x/app.cdx.json", name="app", digest="sha256:" + "e" * 64)
    doc = _cdx(Sbom(target=ref, tools=(TOOL,), created=CREATED))
    subject = doc["metadata"]["component"]
    assert subject["type"] == "file"
    assert subject["hashes"] == [{"alg": "SHA-256", "content": "e" * 64}]


# -- the report formats ---------------------------------------------------------------------------


def test_cyclonedx_report_is_a_valid_vdr(update_golden: bool) -> None:
    out = io.StringIO()
    report_registry.get("cyclonedx").render(vdr_result(), out)
    text = out.getvalue()
    assert_valid_cyclonedx_json(text)
    doc = json.loads(text)
    assert len(doc["vulnerabilities"]) == 4
    assert len(doc["components"]) == 6
    check_golden("cyclonedx", "vdr", text, update_golden)


def test_spdx_report_is_valid(update_golden: bool) -> None:
    out = io.StringIO()
    report_registry.get("spdx-json").render(vdr_result(), out)
    text = out.getvalue()
    assert_valid_spdx(text, ".spdx.json")
    check_golden("spdx-report", "vdr", text, update_golden)
