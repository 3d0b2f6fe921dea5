"""Hostile and broken images: every problem is an error entry naming layer and member, never a crash,
nothing is written outside the scratch area; only a digest mismatch stops the scan."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from bastion.errors import DigestMismatchError, LimitExceededError
from bastion.fs.limits import Limits
from bastion.model import ScanError
from bastion.targets.base import FileNotInTreeError, FileTree
from bastion.targets.factory import TargetOptions
from bastion.targets.image import ImageTarget, image_target
from tests._support.images import Hardlink, Layer, Symlink, build_oci_layout, compress, layer_tar, sha256

MiB = 1024 * 1024


def _target(ref: str, tmp_path: Path, **kw: object) -> ImageTarget:
    opts: dict[str, object] = {"cache_dir": tmp_path / "cache"}
    opts.update(kw)
    return image_target(ref, TargetOptions(**opts))  # type: ignore[arg-type]


def _read(tree: FileTree, path: str) -> bytes:
    with tree.open(path) as fh:
        return fh.read()


def _errors(tree: FileTree) -> list[tuple[str, str]]:
    return [(e.path, e.message) for e in tree.errors]


def _files_outside(root: Path, allowed: Path) -> list[Path]:
    return [p for p in root.rglob("*") if allowed not in p.parents and p != allowed]


def test_traversal_absolute_and_link_escapes(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    img = build_oci_layout(
        tmp_path / "img",
        layers=[
            [
                ("ok/before", b"before"),
                ("../escape.txt", b"pwned"),
                ("ok/../../escape2.txt", b"pwned"),
                ("/etc/cron.d/evil", b"* * * * * root sh"),
                ("ok/up", Symlink("../../../../etc/passwd")),
                ("ok/abs", Symlink("/etc/passwd")),
                ("ok/hard-up", Hardlink("../../etc/shadow")),
                ("ok/hard-abs", Hardlink("/etc/shadow")),
                ("ok/after", b"after"),
            ],
            {"ok/later": b"later layer"},
        ],
    )
    target = _target(f"oci:{img.path}", work)
    before = set(tmp_path.rglob("*"))
    with target.open() as tree:
        assert sorted(r.path for r in tree.walk()) == ["ok/abs", "ok/after", "ok/before", "ok/later"]
        assert _read(tree, "ok/before") == b"before" and _read(tree, "ok/after") == b"after"
        assert _read(tree, "ok/later") == b"later layer"
        with pytest.raises(FileNotInTreeError):
            tree.open("ok/abs")  # /etc/passwd inside the image: there is none; never the host's
        errors = _errors(tree)
        diff_id = img.diff_ids[0]
        assert [path for path, _ in errors] == [
            "../escape.txt",
            "ok/../../escape2.txt",
            "/etc/cron.d/evil",
            "ok/up",
            "ok/hard-up",
            "ok/hard-abs",
        ]
        for _path, message in errors:
            assert message.startswith(f"layer 0 ({diff_id}): ")
        assert "contains '..'" in errors[0][1]
        assert "absolute member name" in errors[2][1]
        assert "symlink escapes the image root" in errors[3][1]
        assert "hard link escapes the image root" in errors[4][1]
        assert all(e.layer == diff_id for e in tree.errors)
    after = set(tmp_path.rglob("*"))
    created = [p for p in after - before if p != work / "cache" and (work / "cache") not in p.parents]
    assert created == []
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path.parent / "escape.txt").exists()


def _bomb_layer(size: int) -> Layer:
    return Layer({"bomb/zeros": b"\0" * size}, created_by="RUN make-bomb")


def test_decompression_ratio_stops_the_layer_not_the_scan(tmp_path: Path) -> None:
    img = build_oci_layout(tmp_path / "img", layers=[{"a": b"first"}, _bomb_layer(8 * MiB), {"c": b"third"}])
    limits = Limits(ratio_grace_bytes=1 * MiB, max_compression_ratio=50)
    with _target(f"oci:{img.path}", tmp_path, limits=limits).open() as tree:
        assert _read(tree, "a") == b"first" and _read(tree, "c") == b"third"
        (err,) = tree.errors
        assert err.path == "bomb/zeros"
        assert err.layer == img.diff_ids[1]
        assert "decompression ratio over 50:1" in err.message and err.message.startswith("layer 1 (")
        assert tree.stat("bomb/zeros") is None  # the member being inflated when the limit hit is not recorded


def test_total_bytes_limit(tmp_path: Path) -> None:
    img = build_oci_layout(
        tmp_path / "img",
        layers=[
            Layer({"a": os.urandom(300_000)}, compression="none"),
            Layer({"b": os.urandom(300_000)}, compression="none"),
        ],
    )
    limits = Limits(max_total_bytes=400_000)
    target = _target(f"oci:{img.path}", tmp_path, limits=limits)
    target.workers = 1
    with target.open() as tree:
        assert tree.stat("a") is not None and tree.stat("b") is None
        messages = [e.message for e in tree.errors]
        assert any("max_total_bytes" in m and m.startswith("layer 1 (") for m in messages), messages


def test_file_count_and_single_file_limits(tmp_path: Path) -> None:
    img = build_oci_layout(
        tmp_path / "img", layers=[{f"f{i:02d}": b"x" for i in range(20)} | {"big": b"B" * 5000}]
    )
    with _target(f"oci:{img.path}", tmp_path, limits=Limits(max_files=10)).open() as tree:
        assert len([*tree.walk()]) == 10
        assert any("max_files" in e.message for e in tree.errors)
    with _target(f"oci:{img.path}", tmp_path, limits=Limits(max_file_size=1000)).open() as tree:
        big = tree.stat("big")
        assert big is not None and big.size == 5000  # listed …
        with pytest.raises(FileNotInTreeError):
            tree.open("big")  # … but not read
        (err,) = tree.errors
        assert err.path == "big" and "over the 1000-byte file size limit" in err.message
        assert _read(tree, "f00") == b"x"


def test_too_many_layers_is_refused(tmp_path: Path) -> None:
    img = build_oci_layout(tmp_path / "img", layers=[{f"f{i}": b"x"} for i in range(5)])
    with pytest.raises(LimitExceededError, match="5 layers, more than the limit of 4"):
        _target(f"oci:{img.path}", tmp_path, limits=Limits(max_layers=4)).describe()


def test_truncated_gzip_layer(tmp_path: Path) -> None:
    tar = layer_tar({"x/one": os.urandom(50_000), "x/two": os.urandom(50_000), "x/three": b"3"})
    blob = gzip.compress(tar, mtime=0)
    truncated = blob[: len(blob) // 2]
    img = build_oci_layout(
        tmp_path / "img", layers=[{"a": b"a"}, Layer(raw=truncated, diff_id=sha256(tar)), {"c": b"c"}]
    )
    with _target(f"oci:{img.path}", tmp_path).open() as tree:
        assert _read(tree, "a") == b"a" and _read(tree, "c") == b"c"
        assert tree.stat("x/three") is None
        (err,) = tree.errors
        assert err.layer == img.diff_ids[1]
        assert "corrupt or truncated layer" in err.message and "rest of the layer not read" in err.message


def test_garbage_layer(tmp_path: Path) -> None:
    junk = compress(os.urandom(4096), "gzip")
    img = build_oci_layout(tmp_path / "img", layers=[Layer(raw=junk), {"ok": b"ok"}])
    with _target(f"oci:{img.path}", tmp_path).open() as tree:
        assert _read(tree, "ok") == b"ok"
        (err,) = tree.errors
        assert "layer 0" in err.message and "corrupt or truncated" in err.message


def test_unknown_and_encrypted_media_types(tmp_path: Path) -> None:
    img = build_oci_layout(
        tmp_path / "img",
        layers=[
            Layer({"a": b"a"}, media_type="application/vnd.example.weird+tar"),
            Layer({"b": b"b"}, media_type="application/vnd.oci.image.layer.v1.tar+gzip+encrypted"),
            {"c": b"c"},
        ],
    )
    with _target(f"oci:{img.path}", tmp_path).open() as tree:
        assert [r.path for r in tree.walk()] == ["c"]
        msgs = [e.message for e in tree.errors]
        assert msgs == [
            f"layer 0 ({img.diff_ids[0]}): unknown layer media type 'application/vnd.example.weird+tar'; not scanned",
            f"layer 1 ({img.diff_ids[1]}): encrypted layer (application/vnd.oci.image.layer.v1.tar+gzip+encrypted); not scanned",
        ]


def test_missing_blob_is_an_error_entry(tmp_path: Path) -> None:
    img = build_oci_layout(tmp_path / "img", layers=[{"a": b"a"}, {"b": b"b"}])
    (img.path / "blobs" / "sha256" / img.layer_digests[0][7:]).unlink()
    with _target(f"oci:{img.path}", tmp_path).open() as tree:
        assert [r.path for r in tree.walk()] == ["b"]
        (err,) = tree.errors
        assert img.layer_digests[0] in err.message and "missing" in err.message


@pytest.mark.parametrize("what", ["layer", "config", "manifest"])
def test_digest_mismatch_is_a_hard_error(tmp_path: Path, what: str) -> None:
    img = build_oci_layout(tmp_path / "img", layers=[{"a": b"a" * 1000}, {"b": b"b"}])
    digest = {"layer": img.layer_digests[0], "config": img.config_digest, "manifest": img.manifest_digest}[
        what
    ]
    blob = img.path / "blobs" / "sha256" / digest[7:]
    data = bytearray(blob.read_bytes())
    data[-1] ^= 0x01
    blob.write_bytes(bytes(data))
    target = _target(f"oci:{img.path}", tmp_path)
    with pytest.raises(DigestMismatchError) as err, target.open():
        pass
    assert digest in err.value.message and "mismatch" in err.value.message
    assert err.value.exit_code == 2


def test_malicious_digest_in_manifest_never_becomes_a_path(tmp_path: Path) -> None:
    img = build_oci_layout(tmp_path / "img", layers=[{"a": b"a"}])
    manifest = dict(img.manifest)
    manifest["layers"] = [{**img.manifest["layers"][0], "digest": "sha256:../../../../etc/passwd"}]
    data = json.dumps(manifest).encode()
    (img.path / "blobs" / "sha256" / sha256(data)[7:]).write_bytes(data)
    index = json.loads((img.path / "index.json").read_text())
    index["manifests"][0].update(digest=sha256(data), size=len(data))
    (img.path / "index.json").write_text(json.dumps(index))
    with _target(f"oci:{img.path}", tmp_path).open() as tree:
        assert [*tree.walk()] == []
        (err,) = tree.errors
        assert "malformed digest" in err.message


def test_duplicate_members_last_one_wins(tmp_path: Path) -> None:
    img = build_oci_layout(tmp_path / "img", layers=[[("f", b"first"), ("f", b"second")]])
    with _target(f"oci:{img.path}", tmp_path).open() as tree:
        assert _read(tree, "f") == b"second"
        assert [(r.path, r.visible) for r in tree.walk_all()] == [("f", False), ("f", True)]


def test_errors_are_scan_errors(tmp_path: Path) -> None:
    img = build_oci_layout(tmp_path / "img", layers=[[("/abs", b"x")]])
    with _target(f"oci:{img.path}", tmp_path).open() as tree:
        assert all(isinstance(e, ScanError) for e in tree.errors)
