"""The bundled sample image: committed layout == what build_sample.py produces, and what is in it."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

from bastion.targets.factory import TargetOptions
from bastion.targets.image import image_target
from tests._support.paths import REPO

SAMPLE = REPO / "samples" / "vulnerable-app"


def _load_builder():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_sample", REPO / "samples" / "build_sample.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_sample_is_reproducible(tmp_path: Path) -> None:
    _load_builder().build(tmp_path / "rebuilt")
    committed = json.loads((SAMPLE / "index.json").read_text())
    rebuilt = json.loads((tmp_path / "rebuilt" / "index.json").read_text())
    assert rebuilt == committed, (
        "samples/vulnerable-app is stale: run python samples/build_sample.py and commit"
    )
    assert sorted(p.name for p in (SAMPLE / "blobs" / "sha256").iterdir()) == sorted(
        p.name for p in (tmp_path / "rebuilt" / "blobs" / "sha256").iterdir()
    )
    assert sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file()) < 1024 * 1024


def test_sample_contents(tmp_path: Path) -> None:
    target = image_target(f"oci:{SAMPLE}", TargetOptions(cache_dir=tmp_path / "cache"))
    ref = target.describe()
    assert ref.image is not None and ref.image.user == "root"
    assert any(e.startswith("DB_PASSWORD=") for e in ref.image.env)
    assert [layer.created_by for layer in ref.layers][2].startswith("COPY config/credentials")
    with target.open() as tree:
        with tree.open("etc/os-release") as fh:
            assert b'VERSION_ID="12"' in fh.read()
        with tree.open("var/lib/dpkg/status") as fh:
            status = fh.read().decode()
        assert (
            "Package: libssl3\n" in status and "Package: zlib1g\n" in status and "Package: bash\n" in status
        )
        with tree.open("app/requirements.txt") as fh:
            assert b"requests==2.19.0" in fh.read()
        with tree.open("app/package-lock.json") as fh:
            lock = json.load(fh)
        assert lock["packages"]["node_modules/lodash"]["version"] == "4.17.15"
        assert lock["packages"]["node_modules/minimist"]["version"] == "1.2.0"
        assert tree.stat("root/.aws/credentials") is None  # deleted in the last layer …
        (deleted,) = [r for r in tree.walk_all() if r.path == "root/.aws/credentials"]
        assert deleted.visible is False and deleted.layer == 2  # … but still in layer 2
        with tree.open(deleted) as fh:
            creds = fh.read().decode()
        key_id = re.search(r"aws_access_key_id = (\S+)", creds)
        secret = re.search(r"aws_secret_access_key = (\S+)", creds)
        assert (
            key_id and re.fullmatch(r"AKIA[A-Z2-7]{16}", key_id.group(1)) and "EXAMPLE" not in key_id.group(1)
        )
        assert secret and len(secret.group(1)) == 40
        assert tree.errors == []
