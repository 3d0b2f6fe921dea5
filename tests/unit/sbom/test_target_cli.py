"""The SBOM target (``bastion scan sbom FILE``) and the ``bastion sbom`` command, end to end."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from bastion.cli.commands.sbom import guess_kind
from bastion.cli.main import main
from bastion.errors import TargetError
from bastion.model import ArtifactKind, Ecosystem
from bastion.sbom import load
from bastion.scan import ScanOptions, detect_inventory, scan
from bastion.targets.factory import open_target
from bastion.targets.sbom_file import SbomTarget
from tests.unit.sbom.conftest import (
    FIXTURES,
    assert_valid_cyclonedx_json,
    assert_valid_cyclonedx_xml,
    assert_valid_spdx,
)
from tests.unit.sbom.test_roundtrip import canon

INPUTS = FIXTURES / "inputs"
SUFFIX = {
    "cyclonedx-json": ".cdx.json",
    "cyclonedx-xml": ".cdx.xml",
    "spdx-json": ".spdx.json",
    "spdx-tv": ".spdx",
}


# -- the target -------------------------------------------------------------------------------------


def test_sbom_target_describes_the_document_and_its_subject() -> None:
    path = FIXTURES / "trivy" / "image.cdx.json"
    tgt = open_target("sbom", str(path))
    assert isinstance(tgt, SbomTarget)
    ref = tgt.describe()
    assert ref.kind is ArtifactKind.SBOM
    assert ref.ref == str(path.resolve())
    assert ref.digest == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert ref.name == "image.tar"
    assert ref.os is not None and (ref.os.family, ref.os.version) == ("debian", "12.11")
    inventory = tgt.inventory()
    assert len(inventory.packages) == 40
    assert {p.ecosystem for p in inventory.packages} == {
        Ecosystem.DEBIAN,
        Ecosystem.GO,
        Ecosystem.CRATES_IO,
        Ecosystem.NUGET,
    }


def test_sbom_target_has_no_files() -> None:
    tgt = SbomTarget(FIXTURES / "syft" / "project.cdx.json")
    with pytest.raises(TargetError, match="an SBOM has no files to read"), tgt.open():
        pass


@pytest.mark.parametrize("make", [lambda p: p / "missing.json", lambda p: p])
def test_sbom_target_needs_a_file(tmp_path: Path, make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TargetError):
        SbomTarget(make(tmp_path))


def test_inventory_detection_runs_on_a_stored_sbom() -> None:
    tgt = SbomTarget(FIXTURES / "syft" / "rootfs-alpine.spdx.json")
    result = detect_inventory(tgt.describe(), tgt.inventory(), ScanOptions(scanners=()))
    assert result.target.kind is ArtifactKind.SBOM
    assert result.target.os is not None and result.target.os.family == "alpine"
    assert len(result.packages) == 16


def test_vulnerabilities_match_on_a_stored_sbom(tmp_path: Path) -> None:
    """The OS comes from the SBOM, so Alpine's secdb matches apk packages without the artifact; syft's
    and trivy's SBOMs of the same root filesystem give the same findings."""
    found = {}
    for tool in ("syft", "trivy"):
        out = tmp_path / f"{tool}.json"
        args = ["scan", "sbom", str(FIXTURES / tool / "rootfs-alpine.cdx.json"), "-f", "json", "-o", str(out)]
        code = main([*args, "--offline", "--cache-dir", str(tmp_path / "cache"), "--exit-code", "0", "-q"])
        assert code == 0
        doc = json.loads(out.read_text())
        found[tool] = {
            (f["id"], f["package"].split("?")[0]) for f in doc["findings"] if f["kind"] == "vulnerability"
        }
    assert found["syft"] == found["trivy"]
    assert any(pkg == "pkg:apk/alpine/libcrypto1.0@1.0.2h-r1" for _, pkg in found["syft"])


# -- bastion sbom -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(SUFFIX))
def test_sbom_command_writes_valid_documents(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"project{SUFFIX[fmt]}"
    assert main(["sbom", "fs", str(INPUTS / "project"), "--format", fmt, "--output", str(out), "-q"]) == 0
    text = out.read_text(encoding="utf-8")
    if fmt == "cyclonedx-json":
        assert_valid_cyclonedx_json(text)
    elif fmt == "cyclonedx-xml":
        assert_valid_cyclonedx_xml(text)
    else:
        assert_valid_spdx(text, SUFFIX[fmt])


@pytest.mark.parametrize("fmt", ["cyclonedx-json", "spdx-json"])
def test_sbom_command_writes_what_a_scan_finds(tmp_path: Path, fmt: str) -> None:
    root = tmp_path / "rootfs"
    shutil.copytree(INPUTS / "rootfs-debian", root)
    out = tmp_path / f"out{SUFFIX[fmt]}"
    assert main(["sbom", str(root), "-f", fmt, "-o", str(out), "-q"]) == 0  # kind guessed: a directory is fs
    expected = scan(open_target("fs", str(root)), ScanOptions(scanners=(), inventory=True))
    back = load(out)
    assert canon(back.packages) == canon(expected.packages)
    assert back.target.os == expected.target.os
    assert back.target.metadata["subject_kind"] == "fs"
    assert back.target.name == "rootfs"


def test_sbom_command_converts_a_third_party_sbom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = FIXTURES / "syft" / "rootfs-debian.cdx.json"
    assert main(["sbom", str(source), "--format", "spdx-json"]) == 0  # kind guessed: an SBOM file
    captured = capsys.readouterr()
    assert_valid_spdx(captured.out, ".spdx.json")
    assert "27 package(s) written as spdx-json" in captured.err
    out = tmp_path / "converted.spdx.json"
    out.write_text(captured.out)
    converted = load(out)
    assert {(p.name, p.version, p.source_name) for p in converted.packages} == {
        (p.name, p.version, p.source_name) for p in load(source).packages
    }
    # the conversion describes what syft described, and credits syft as well as bastion
    assert converted.target.name == "rootfs-debian"
    assert converted.target.metadata["subject_kind"] == "fs"
    assert [t.name for t in converted.tools] == ["bastion", "syft"]


def test_converting_an_image_sbom_keeps_the_image_as_subject(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["sbom", "sbom", str(FIXTURES / "trivy" / "image.cdx.json"), "-f", "cyclonedx-json", "-q"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    subject = doc["metadata"]["component"]
    assert (subject["type"], subject["name"]) == ("container", "image.tar")
    props = {p["name"]: p["value"] for p in subject["properties"]}
    assert (
        props["bastion:target:image_id"]
        == "sha256:49f8c3eb50118af4bb5ccf88924952fba0118e84bce6a24462ff554abccd9c07"
    )
    assert props["bastion:target:metadata:sbom_tools"] == "trivy 0.59.1"


def test_sbom_command_usage_errors(tmp_path: Path) -> None:
    assert (
        main(["sbom", "fs", str(tmp_path), "--format", "cyclonedx"]) == 2
    )  # a report name, not an SBOM format
    assert main(["sbom", "vm", str(tmp_path)]) == 2
    assert main(["sbom", "fs", str(tmp_path / "missing")]) == 2
    assert main(["sbom", "sbom", str(INPUTS / "project" / "requirements.txt")]) == 2  # not an SBOM


def test_guess_kind(tmp_path: Path) -> None:
    assert guess_kind(str(tmp_path)) == "fs"
    assert guess_kind(str(FIXTURES / "trivy" / "project.spdx.json")) == "sbom"
    assert guess_kind(str(INPUTS / "project" / "requirements.txt")) == "fs"
    assert guess_kind("oci:/some/layout:tag") == "image"
    assert guess_kind("docker-archive:/tmp/x.tar") == "image"
    assert guess_kind("registry.example.com/team/app:1.4") == "image"


def test_scan_report_formats(tmp_path: Path) -> None:
    source = FIXTURES / "trivy" / "project.cdx.json"
    cdx, spdx = tmp_path / "vdr.json", tmp_path / "inv.spdx.json"
    args = ["scan", "sbom", str(source), "-o", f"cyclonedx={cdx}", "-o", f"spdx-json={spdx}", "-f", "json"]
    code = main([*args, "--offline", "--cache-dir", str(tmp_path / "cache"), "--exit-code", "0", "-q"])
    assert code == 0
    text = cdx.read_text()
    assert_valid_cyclonedx_json(text)
    doc = json.loads(text)
    # minimist 0.0.8 has CVE-2021-44906 (prototype pollution), fixed in 0.2.4 / 1.2.6
    vulns = {v["id"]: v for v in doc["vulnerabilities"]}
    minimist = next(c for c in doc["components"] if c["name"] == "minimist")
    assert any(a["ref"] == minimist["bom-ref"] for v in vulns.values() for a in v["affects"])
    assert_valid_spdx(spdx.read_text(), ".spdx.json")


def _docker_archive(tmp_path: Path) -> tuple[Path, str]:
    """A one-layer `docker save` archive of inputs/rootfs-debian; returns its path and the layer's diff id."""
    import io
    import tarfile

    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as tar:
        root = INPUTS / "rootfs-debian"
        for path in sorted(root.rglob("*")):
            info = tar.gettarinfo(str(path), arcname=str(path.relative_to(root)))
            info.mtime = 0
            if path.is_file():
                with path.open("rb") as fh:
                    tar.addfile(info, fh)
            else:
                tar.addfile(info)
    data = layer.getvalue()
    diff_id = "sha256:" + hashlib.sha256(data).hexdigest()
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "config": {},
        }
    ).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps(
        [{"Config": config_name, "RepoTags": ["example/debian:12"], "Layers": ["layer.tar"]}]
    ).encode()
    out = tmp_path / "image.tar"
    with tarfile.open(out, "w") as tar:
        for name, blob in (("layer.tar", data), (config_name, config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return out, diff_id


def test_sbom_of_an_image(tmp_path: Path) -> None:
    archive, diff_id = _docker_archive(tmp_path)
    out = tmp_path / "image.cdx.json"
    assert main(["sbom", f"docker-archive:{archive}", "-f", "cyclonedx-json", "-o", str(out), "-q"]) == 0
    text = out.read_text()
    assert_valid_cyclonedx_json(text)
    doc = json.loads(text)
    subject = doc["metadata"]["component"]
    assert (subject["type"], subject["name"]) == ("container", "example/debian:12")
    props = {p["name"]: p["value"] for p in subject["properties"]}
    assert props["bastion:target:layer:0:diff_id"] == diff_id
    assert any(c["type"] == "operating-system" and c["name"] == "debian" for c in doc["components"])
    back = load(out)
    assert len(back.packages) == 27
    assert {loc.layer for p in back.packages for loc in p.locations} == {diff_id}
    assert back.target.os is not None and back.target.os.family == "debian"


def test_sbom_help_renders(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sbom", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--format" in out and "spdx-tv" in out and "--platform" in out
