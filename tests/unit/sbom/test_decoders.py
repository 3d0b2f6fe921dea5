"""Decoders on real syft 1.18.1 and trivy 0.59.1 output (tests/fixtures/sbom/, see generate.sh there).

The expectations come from the inputs the tools read (the dpkg status and apk database under
``inputs/``, the lockfiles), not from what the decoder happens to return: every Debian package of the
status file must come back with its version and source package, every dependency edge must be one the
status file declares, and CycloneDX and SPDX output of the same tool must decode to the same inventory.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from bastion.model import Ecosystem, Package
from bastion.sbom import load
from bastion.sbom.base import Sbom
from tests.unit.sbom.conftest import FIXTURES

INPUTS = FIXTURES / "inputs"
TOOLS = ("syft", "trivy")
FORMATS = ("cdx.json", "spdx.json")
#: (tool, document format) for every committed document; trivy writes no CycloneDX XML
DOCUMENTS = [(t, f) for t in TOOLS for f in FORMATS] + [("syft", "cdx.xml")]
LAYER = "sha256:7d9c626ae73a3ec01f55557c38ae4a463747b4dda0a02e4368272d4a39b6e13d"


@cache
def decode(tool: str, case: str, fmt: str) -> Sbom:
    return load(FIXTURES / tool / f"{case}.{fmt}")


def by_name(sbom: Sbom) -> dict[str, Package]:
    return {p.name: p for p in sbom.packages}


def _paragraphs(path: Path) -> Iterator[dict[str, str]]:
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if line.startswith((" ", "\t")):
                continue
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        if fields:
            yield fields


@cache
def dpkg_status() -> dict[str, dict[str, str]]:
    """The oracle: Package → fields of tests/fixtures/sbom/inputs/rootfs-debian/var/lib/dpkg/status."""
    return {p["Package"]: p for p in _paragraphs(INPUTS / "rootfs-debian" / "var/lib/dpkg/status")}


def dpkg_source(fields: dict[str, str]) -> tuple[str, str] | None:
    """dpkg semantics: ``Source: name (version)``; without a version the source version is the package's."""
    source = fields.get("Source")
    if source is None:
        return None
    m = re.fullmatch(r"(\S+)(?: \((\S+)\))?", source)
    assert m, source
    return m.group(1), m.group(2) or fields["Version"]


def dpkg_depends(fields: dict[str, str]) -> set[str]:
    names = set()
    for key in ("Depends", "Pre-Depends"):
        for alt in re.split(r"[,|]", fields.get(key, "")):
            if alt.strip():
                names.add(alt.split()[0].split(":")[0])
    return names


@cache
def apk_db() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for block in (
        (INPUTS / "rootfs-alpine" / "lib/apk/db/installed").read_text(encoding="utf-8").split("\n\n")
    ):
        fields = dict(line.split(":", 1) for line in block.splitlines() if len(line) > 1 and line[1] == ":")
        if "P" in fields:
            out[fields["P"]] = fields
    return out


# -- OS packages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("tool", "fmt"), DOCUMENTS)
def test_debian_rootfs(tool: str, fmt: str) -> None:
    sbom = decode(tool, "rootfs-debian", fmt)
    status = dpkg_status()
    pkgs = by_name(sbom)
    assert set(pkgs) == set(status)
    # the OS comes from the SBOM, so distro advisories can be matched without the artifact
    assert sbom.target.os is not None
    assert sbom.target.os.family == "debian"
    assert sbom.target.os.version == {"syft": "12", "trivy": "12.11"}[tool]  # os-release vs debian_version
    for name, fields in status.items():
        pkg = pkgs[name]
        assert pkg.ecosystem is Ecosystem.DEBIAN, name
        assert pkg.version == fields["Version"], name  # epochs included: 1:2.5.1-4
        assert pkg.purl.startswith(f"pkg:deb/debian/{name.replace('+', '%2B')}@"), pkg.purl
        assert "distro=debian-12" in pkg.purl
        expected_source = dpkg_source(fields)
        if expected_source is not None:
            assert (pkg.source_name, pkg.source_version) == expected_source, name
        elif tool == "trivy":
            assert (pkg.source_name, pkg.source_version) == (name, fields["Version"])  # trivy always names it
        else:
            assert pkg.source_name is None
        allowed = dpkg_depends(fields)
        for dep in pkg.dependencies:
            dep_name = next(p.name for p in sbom.packages if p.id == dep)
            assert dep_name in allowed, f"{name} -> {dep_name} is not in its Depends/Pre-Depends"
        assert pkg.direct is None  # OS packages have no direct/transitive notion
    assert {p.name for p in sbom.packages if p.dependencies} >= {"bash", "dpkg"}  # trivy skips Pre-Depends
    assert not sbom.unknowns


def test_debian_epoch_source_and_paths_in_detail() -> None:
    syft, trivy = (
        by_name(decode("syft", "rootfs-debian", "cdx.json")),
        by_name(decode("trivy", "rootfs-debian", "cdx.json")),
    )
    # syft writes the epoch into the purl version, trivy into an epoch qualifier: same version either way
    assert "libattr1@1:2.5.1-4" in syft["libattr1"].purl
    assert "epoch=1" in trivy["libattr1"].purl
    assert syft["libattr1"].version == trivy["libattr1"].version == "1:2.5.1-4"
    # binNMU: the source version differs from the binary version
    assert syft["bash"].source_version == trivy["bash"].source_version == "5.2.15-2"
    # syft lists the status file and the copyright file; the package database comes first
    assert [loc.path for loc in syft["bash"].locations] == [
        "var/lib/dpkg/status",
        "usr/share/doc/bash/copyright",
    ]
    assert syft["bash"].licenses[:3] == ("BSD-4-Clause-UC", "GFDL-1.3-only", "GPL-2.0-only")
    assert trivy["zlib1g"].licenses == ("Zlib",)
    names = {p.name for p in decode("syft", "rootfs-debian", "cdx.json").packages}
    bash_deps = {
        p.name
        for p in decode("syft", "rootfs-debian", "cdx.json").packages
        if p.id in syft["bash"].dependencies
    }
    assert bash_deps == {"base-files", "libc6", "libtinfo6"} & names


@pytest.mark.parametrize(("tool", "fmt"), DOCUMENTS)
def test_alpine_rootfs(tool: str, fmt: str) -> None:
    sbom = decode(tool, "rootfs-alpine", fmt)
    db = apk_db()
    pkgs = by_name(sbom)
    assert sbom.target.os is not None
    assert (sbom.target.os.family, sbom.target.os.version) == ("alpine", "3.4.6")
    # trivy drops the deliberately broken entry without a version; syft keeps it, unversioned
    expected = {n for n, f in db.items() if f.get("V")}
    assert expected <= set(pkgs) <= set(db)
    for name in expected:
        pkg = pkgs[name]
        assert pkg.ecosystem is Ecosystem.ALPINE
        assert pkg.version == db[name]["V"]
        assert pkg.purl.startswith(f"pkg:apk/alpine/{name}@")
    assert pkgs["libcrypto1.0"].source_name == "openssl"
    assert pkgs["scanelf"].source_name == "pax-utils"
    if "invalidPackageWithoutAVersion" in pkgs:
        assert pkgs["invalidPackageWithoutAVersion"].version == ""  # syft's "UNKNOWN" is no version


# -- language packages --------------------------------------------------------------------------------

PROJECT_COMMON = {
    (Ecosystem.PYPI, "click", "8.0.0"),
    (Ecosystem.PYPI, "flask", "2.0.0"),
    (Ecosystem.PYPI, "itsdangerous", "2.0.0"),
    (Ecosystem.PYPI, "jinja2", "3.0.0"),
    (Ecosystem.PYPI, "markupsafe", "2.0.0"),
    (Ecosystem.PYPI, "werkzeug", "2.0.0"),
    (Ecosystem.NPM, "minimist", "0.0.8"),
    (Ecosystem.GO, "github.com/aquasecurity/go-version", "v0.0.0-20240603093900-cf8a8d29271d"),
    (Ecosystem.GO, "github.com/stretchr/testify", "v1.9.0"),
    (Ecosystem.GO, "golang.org/x/xerrors", "v0.0.0-20231012003039-104605ab7028"),
    (Ecosystem.CRATES_IO, "regex", "1.7.3"),
    (Ecosystem.CRATES_IO, "memchr", "1.0.2"),
    (Ecosystem.CRATES_IO, "memchr", "2.5.0"),
    (Ecosystem.RUBYGEMS, "pry", "0.12.2"),
    (Ecosystem.RUBYGEMS, "concurrent-ruby", "1.1.5"),
}
PROJECT_ONLY = {
    # syft reads jars and Go binaries in directories; trivy needs its Java DB for jars and skips binaries in fs mode
    "syft": {
        (Ecosystem.MAVEN, "org.codehaus.plexus:plexus-component-annotations", "2.1.1"),
        (Ecosystem.GO, "stdlib", "1.19.8"),
        (Ecosystem.GO, "example.com/hello", ""),
    },
    # syft 1.18 does not read packages.lock.json
    "trivy": {(Ecosystem.NUGET, "Newtonsoft.Json", "12.0.3"), (Ecosystem.NUGET, "NuGet.Frameworks", "5.7.0")},
}


def _triples(sbom: Sbom) -> set[tuple[Ecosystem, str, str]]:
    # PyPI names compare normalised (trivy keeps "Flask", syft writes "flask")
    return {
        (p.ecosystem, p.name.lower() if p.ecosystem is Ecosystem.PYPI else p.name, p.version)
        for p in sbom.packages
    }


@pytest.mark.parametrize(("tool", "fmt"), DOCUMENTS)
def test_project_packages(tool: str, fmt: str) -> None:
    sbom = decode(tool, "project", fmt)
    got = _triples(sbom)
    assert got >= PROJECT_COMMON
    assert PROJECT_ONLY[tool] <= got
    assert sbom.target.os is None
    assert sbom.target.name == "project"
    pkgs = {(p.ecosystem, p.name.lower(), p.version): p for p in sbom.packages}
    assert pkgs[(Ecosystem.PYPI, "flask", "2.0.0")].path == "requirements.txt"
    assert pkgs[(Ecosystem.CRATES_IO, "regex", "1.7.3")].path == "tools/Cargo.lock"
    assert pkgs[(Ecosystem.NPM, "minimist", "0.0.8")].path == "web/package-lock.json"
    assert pkgs[(Ecosystem.GO, "github.com/stretchr/testify", "v1.9.0")].path == "svc/go.mod"


@pytest.mark.parametrize(("tool", "fmt"), DOCUMENTS)
def test_cargo_dependency_edges(tool: str, fmt: str) -> None:
    sbom = decode(tool, "project", fmt)
    cargo = {(p.name, p.version): p for p in sbom.packages if p.ecosystem is Ecosystem.CRATES_IO}
    ident = {p.id: (p.name, p.version) for p in cargo.values()}
    # straight from Cargo.lock
    assert {ident[d] for d in cargo[("regex", "1.7.3")].dependencies} == {
        ("aho-corasick", "0.7.20"),
        ("memchr", "2.5.0"),
        ("regex-syntax", "0.6.29"),
    }
    assert {ident[d] for d in cargo[("memchr", "1.0.2")].dependencies} == {("libc", "0.2.140")}
    assert cargo[("libc", "0.2.140")].dependencies == ()


def test_trivy_lockfile_components_give_paths_and_direct_dependencies() -> None:
    pkgs = {(p.ecosystem, p.name): p for p in decode("trivy", "project", "cdx.json").packages}
    # requirements.txt: everything is a direct requirement
    assert pkgs[(Ecosystem.PYPI, "Flask")].direct is True
    # Gemfile.lock: DEPENDENCIES lists dotenv, faker, pry; i18n comes through faker (not claimed either way)
    assert pkgs[(Ecosystem.RUBYGEMS, "faker")].direct is True
    assert pkgs[(Ecosystem.RUBYGEMS, "i18n")].direct is None
    assert pkgs[(Ecosystem.NUGET, "Newtonsoft.Json")].path == "tools/packages.lock.json"


def test_syft_jar_sha1_and_go_stdlib() -> None:
    pkgs = by_name(decode("syft", "project", "cdx.json"))
    jar = pkgs["org.codehaus.plexus:plexus-component-annotations"]
    assert jar.purl == "pkg:maven/org.codehaus.plexus/plexus-component-annotations@2.1.1"
    assert (
        jar.metadata["sha1"] == "67340879f5861fa4982998c2e3ea6a304b4f4d8c"
    )  # from externalReferences build-meta
    assert jar.path == "lib/plexus-component-annotations.jar"
    stdlib = pkgs["stdlib"]
    assert (stdlib.ecosystem, stdlib.version, stdlib.path) == (
        Ecosystem.GO,
        "1.19.8",
        "bin/hello",
    )  # syft: go1.19.8
    assert stdlib.metadata["sbom_found_by"] == "go-module-binary-cataloger"


# -- images ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("tool", "fmt"), DOCUMENTS)
def test_image(tool: str, fmt: str) -> None:
    sbom = decode(tool, "image", fmt)
    assert sbom.target.name == "image.tar"
    assert sbom.target.metadata["subject_type"] == "container"
    assert sbom.target.os is not None and sbom.target.os.family == "debian"
    pkgs = by_name(sbom)
    assert set(dpkg_status()) <= set(pkgs)
    stdlib = pkgs["stdlib"]
    assert (stdlib.ecosystem, stdlib.version, stdlib.path) == (
        Ecosystem.GO,
        "1.19.8",
        "app/bin/hello",
    )  # trivy: v1.19.8
    if fmt != "spdx.json" or tool != "syft":  # syft's SPDX has no layer information
        assert {loc.layer for p in sbom.packages for loc in p.locations} == {LAYER}
    if tool == "trivy":
        assert (
            sbom.target.image_id == "sha256:49f8c3eb50118af4bb5ccf88924952fba0118e84bce6a24462ff554abccd9c07"
        )
        assert [layer.diff_id for layer in sbom.target.layers] == [LAYER]
        assert pkgs["regex"].path == "app/tools/Cargo.lock"
    else:
        assert sbom.target.metadata["subject_digest"].startswith("sha256:")
        assert pkgs["org.codehaus.plexus:plexus-component-annotations"].metadata["sha1"] == (
            "67340879f5861fa4982998c2e3ea6a304b4f4d8c"
        )


# -- both formats of one tool agree -----------------------------------------------------------------


@pytest.mark.parametrize("case", ["rootfs-debian", "rootfs-alpine", "project", "image"])
def test_cyclonedx_json_and_xml_agree(case: str) -> None:
    """syft's CycloneDX XML decodes to exactly what its CycloneDX JSON decodes to (ids and edges included)."""
    json_doc, xml_doc = decode("syft", case, "cdx.json"), decode("syft", case, "cdx.xml")
    strip = [dataclasses.replace(p, found_by="") for p in xml_doc.packages]
    assert strip == [dataclasses.replace(p, found_by="") for p in json_doc.packages]
    assert {p.found_by for p in xml_doc.packages} == {"sbom/cyclonedx-xml"}
    assert xml_doc.target.os == json_doc.target.os
    assert xml_doc.target.name == json_doc.target.name
    assert (xml_doc.source_format, xml_doc.spec_version) == ("cyclonedx-xml", "1.6")
    assert xml_doc.target.metadata["sbom_format"] == "cyclonedx-xml"


@pytest.mark.parametrize("case", ["rootfs-debian", "rootfs-alpine", "project", "image"])
@pytest.mark.parametrize("tool", TOOLS)
def test_cyclonedx_and_spdx_of_one_tool_agree(tool: str, case: str) -> None:
    cdx, spdx = decode(tool, case, "cdx.json"), decode(tool, case, "spdx.json")
    assert _triples(cdx) == _triples(spdx)
    assert {p.purl for p in cdx.packages} == {p.purl for p in spdx.packages}
    assert (cdx.target.os is None) == (spdx.target.os is None)
    if cdx.target.os and spdx.target.os:
        assert (cdx.target.os.family, cdx.target.os.version) == (
            spdx.target.os.family,
            spdx.target.os.version,
        )
    cdx_paths = {(p.name, p.version, p.path) for p in cdx.packages}
    spdx_paths = {(p.name, p.version, p.path) for p in spdx.packages}
    if tool == "syft" or case == "project":
        assert cdx_paths == spdx_paths


@pytest.mark.parametrize("case", ["rootfs-debian", "rootfs-alpine", "image"])
def test_syft_and_trivy_agree_on_os_packages(case: str) -> None:
    syft, trivy = decode("syft", case, "cdx.json"), decode("trivy", case, "cdx.json")

    def os_pkgs(s: Sbom) -> set[tuple[str, str]]:
        return {(p.name, p.version) for p in s.packages if p.ecosystem.is_os and p.version}

    assert os_pkgs(syft) == os_pkgs(trivy)


def test_document_identity() -> None:
    sbom = decode("trivy", "rootfs-debian", "cdx.json")
    data = (FIXTURES / "trivy" / "rootfs-debian.cdx.json").read_bytes()
    import hashlib

    assert sbom.target.digest == "sha256:" + hashlib.sha256(data).hexdigest()
    assert sbom.target.metadata["sbom_tools"] == "trivy 0.59.1"
    assert sbom.source_format == "cyclonedx-json" and sbom.spec_version == "1.6"
    assert sbom.serial and sbom.serial.startswith("urn:uuid:")
    spdx = decode("syft", "rootfs-debian", "spdx.json")
    assert spdx.source_format == "spdx-json" and spdx.spec_version == "2.3"
    assert [str(t) for t in spdx.tools] == ["syft 1.18.1"]


@pytest.mark.parametrize("fmt", ["cdx-1.4.json", "cdx-1.2.json", "spdx-2.2.json"])
def test_older_spec_versions(fmt: str) -> None:
    """syft writing CycloneDX 1.4 (tools as an array) and 1.2 (no properties at all), and SPDX 2.2."""
    old, new = decode("syft", "rootfs-debian", fmt), decode("syft", "rootfs-debian", "cdx.json")
    assert old.spec_version == fmt.split("-")[1].removesuffix(".json")
    assert [str(t) for t in old.tools] == ["syft 1.18.1"]
    assert _triples(old) == _triples(new)
    assert {p.purl for p in old.packages} == {p.purl for p in new.packages}
    assert old.target.os is not None and (old.target.os.family, old.target.os.version) == ("debian", "12")
    status = dpkg_status()
    for pkg in old.packages:
        expected = dpkg_source(status[pkg.name])
        if expected is not None and fmt == "cdx-1.2.json":
            # no properties before CycloneDX 1.3: the source name comes from the purl's upstream qualifier
            assert pkg.source_name == expected[0], pkg.name
        elif expected is not None:
            assert (pkg.source_name, pkg.source_version) == expected, pkg.name
    if fmt != "cdx-1.2.json":
        assert {p.path for p in old.packages} == {"var/lib/dpkg/status"}
