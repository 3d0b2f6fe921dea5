import io
import zipfile

import pytest

from bastion.detectors import registry as detector_registry
from bastion.inventory import registry as extractor_registry
from bastion.model import PluginState
from bastion.scan import ScanOptions, detect_inventory, scan
from bastion.targets.directory import DirectoryTarget
from tests._support.fakes import LinesExtractor, PackageCountDetector, WordDetector


@pytest.fixture
def fake_registries(monkeypatch):
    word = WordDetector()
    monkeypatch.setitem(detector_registry.SCANNERS, "secret", (lambda: word,))
    monkeypatch.setitem(detector_registry.SCANNERS, "vuln", (PackageCountDetector,))
    monkeypatch.setitem(extractor_registry.PRESETS, "all", (LinesExtractor,))
    return word


def test_scan_directory_end_to_end(tmp_path, fake_registries):
    (tmp_path / "pkgs.txt").write_text("a==1\n")
    (tmp_path / "conf.txt").write_text("token = SECRET\n")
    (tmp_path / "ignored.skip").write_text("SECRET")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("inner/app.properties", "key=SECRET")
    (tmp_path / "lib.jar").write_bytes(buf.getvalue())

    result = scan(DirectoryTarget(tmp_path), ScanOptions(scanners=("secret", "vuln")))

    secret_paths = sorted(f.location.path for f in result.findings if f.kind.value == "secret")
    assert secret_paths == ["conf.txt", "lib.jar!inner/app.properties"]
    # every wanted file was read once, archives expanded, unwanted files never read
    assert sorted(fake_registries.seen) == ["conf.txt", "lib.jar", "lib.jar!inner/app.properties", "pkgs.txt"]
    assert [p.name for p in result.packages] == ["a"]
    # the vuln detector needs advisories: skipped, visibly
    status = {s.name: s for s in result.plugins}
    assert status["fake/per-package"].state is PluginState.SKIPPED
    assert "vulnerability database" in status["fake/per-package"].message
    assert result.provenance.config_digest.startswith("sha256:")


def test_detect_inventory_without_artifact(tmp_path, fake_registries):
    (tmp_path / "pkgs.txt").write_text("a==1\nb==2\n")
    first = scan(DirectoryTarget(tmp_path), ScanOptions(scanners=("secret",)))
    again = detect_inventory(
        first.target, _inventory(first), ScanOptions(scanners=("vuln", "secret"), advisories=object())
    )
    assert sorted(f.id for f in again.findings) == ["FAKE-a", "FAKE-b"]
    # content detectors are not run (no files), and say nothing
    assert {s.name for s in again.plugins} == {"fake/per-package"}


def _inventory(result):
    from bastion.model import Inventory

    return Inventory(packages=result.packages)


def test_a_detector_crashing_on_one_file_never_ends_the_scan(tmp_path, monkeypatch):
    from tests._support.fakes import ExplodingDetector

    word = WordDetector()
    boom = ExplodingDetector(explode_in_finish=True)
    monkeypatch.setitem(detector_registry.SCANNERS, "secret", (lambda: boom, lambda: word))
    (tmp_path / "a.boom").write_text("x")
    (tmp_path / "b.txt").write_text("SECRET")

    result = scan(DirectoryTarget(tmp_path), ScanOptions(scanners=("secret",)))

    assert [f.location.path for f in result.findings] == ["b.txt"]  # the other detector still ran
    messages = {(e.path, e.message) for e in result.errors if e.plugin == "fake/exploding"}
    assert ("a.boom", "unexpected _LibraryError: Duplicate 2.5.29.17 extension found") in messages
    assert (".", "unexpected _LibraryError: finish went wrong") in messages
    status = {s.name: s.state for s in result.plugins}
    assert status["fake/exploding"] is PluginState.PARTIAL


def test_real_certificate_with_duplicate_extensions(tmp_path):
    """urllib3's duplicate_san.pem once ended a whole `bastion scan fs /`."""
    import shutil

    from tests._support.paths import FIXTURES

    shutil.copy(FIXTURES / "certs" / "duplicate_san.pem", tmp_path / "duplicate_san.pem")
    result = scan(DirectoryTarget(tmp_path), ScanOptions(scanners=("secret",)))
    assert not [e for e in result.errors if "unexpected" in e.message]
    assert {s.name: s.state for s in result.plugins}["secret/rules"] is PluginState.SUCCEEDED
