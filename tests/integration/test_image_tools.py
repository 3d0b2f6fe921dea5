"""Images written by real tools (umoci, skopeo) read back correctly."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bastion.targets.factory import TargetOptions
from bastion.targets.image import image_target
from tests._support.images import Layer, Symlink, Whiteout, build_oci_layout

UMOCI = shutil.which("umoci")
SKOPEO = shutil.which("skopeo")


def _run(*cmd: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.skipif(UMOCI is None, reason="umoci is not installed (apt-get install umoci)")
def test_umoci_layout(tmp_path: Path) -> None:
    assert UMOCI is not None
    layout = tmp_path / "layout"
    src = tmp_path / "src"
    (src / "etc").mkdir(parents=True)
    (src / "etc" / "os-release").write_text("ID=alpine\nVERSION_ID=3.19.1\n")
    (src / "etc" / "secret").write_text("token=abc\n")
    _run(UMOCI, "init", "--layout", str(layout))
    _run(UMOCI, "new", "--image", f"{layout}:v1")
    _run(UMOCI, "insert", "--image", f"{layout}:v1", str(src / "etc"), "/etc")
    _run(UMOCI, "insert", "--image", f"{layout}:v1", "--whiteout", "/etc/secret")
    _run(UMOCI, "config", "--image", f"{layout}:v1", "--config.user", "nobody", "--config.env", "MODE=prod")
    target = image_target(f"oci:{layout}:v1", TargetOptions(cache_dir=tmp_path / "cache"))
    ref = target.describe()
    assert ref.image is not None and ref.image.user == "nobody" and "MODE=prod" in ref.image.env
    assert len(ref.layers) == 2
    with target.open() as tree:
        assert tree.errors == []
        with tree.open("etc/os-release") as fh:
            assert fh.read() == b"ID=alpine\nVERSION_ID=3.19.1\n"
        assert tree.stat("etc/secret") is None
        (hidden,) = [r for r in tree.walk_all() if r.path == "etc/secret"]
        assert hidden.visible is False and hidden.layer == 0


@pytest.mark.skipif(SKOPEO is None, reason="skopeo is not installed (apt-get install skopeo)")
@pytest.mark.parametrize("dest", ["docker-archive", "oci-zstd"])
def test_skopeo_conversions(tmp_path: Path, dest: str) -> None:
    assert SKOPEO is not None
    img = build_oci_layout(
        tmp_path / "src",
        layers=[
            Layer(
                {"usr/bin/tool": b"#!tool", "bin": Symlink("usr/bin"), "tmp/x": b"x"}, created_by="ADD base"
            ),
            Layer({"tmp/x": Whiteout(), "app/a": b"a"}, created_by="RUN build"),
        ],
        tag="v1",
    )
    if dest == "docker-archive":
        out = tmp_path / "image.tar"
        _run(
            SKOPEO,
            "--insecure-policy",
            "copy",
            "-q",
            f"oci:{img.path}:v1",
            f"docker-archive:{out}:team/app:v1",
        )
        ref = f"docker-archive:{out}:team/app:v1"
    else:
        out = tmp_path / "zstd"
        _run(
            SKOPEO,
            "--insecure-policy",
            "copy",
            "-q",
            "--dest-compress",
            "--dest-compress-format",
            "zstd",
            f"oci:{img.path}:v1",
            f"oci:{out}:z",
        )
        ref = f"oci:{out}:z"
    target = image_target(ref, TargetOptions(cache_dir=tmp_path / "cache"))
    desc = target.describe()
    assert desc.image_id == img.config_digest  # same config, whatever the transport
    assert [layer.diff_id for layer in desc.layers] == img.diff_ids
    assert [layer.created_by for layer in desc.layers] == ["ADD base", "RUN build"]
    with target.open() as tree:
        assert tree.errors == []
        assert sorted(r.path for r in tree.walk()) == ["app/a", "bin", "usr/bin/tool"]
        with tree.open("bin/tool") as fh:
            assert fh.read() == b"#!tool"
