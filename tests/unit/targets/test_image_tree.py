"""The layered tree of an image: squash semantics, links, config, layouts, archives, want()."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bastion.errors import DigestMismatchError, TargetError
from bastion.model import ArtifactKind, FileRef, FileType
from bastion.targets.base import FileNotInTreeError, FileTree, Target
from bastion.targets.factory import TargetOptions, open_target
from bastion.targets.image import ImageTarget, LayeredTree, image_target
from tests._support.images import (
    ArchiveImage,
    Dir,
    Fifo,
    Hardlink,
    ImageSpec,
    Layer,
    Opaque,
    Symlink,
    Whiteout,
    build_docker_archive,
    build_oci_index,
    build_oci_layout,
)


def _target(ref: str, tmp_path: Path, **kw: object) -> ImageTarget:
    opts: dict[str, object] = {"cache_dir": tmp_path / "cache"}
    opts.update(kw)
    return image_target(ref, TargetOptions(**opts))  # type: ignore[arg-type]


def _read(tree: FileTree, ref: FileRef | str) -> bytes:
    with tree.open(ref) as fh:
        return fh.read()


def _squashed(tree: LayeredTree) -> dict[str, tuple[str, int | None]]:
    return {r.path: (r.type.value, r.layer) for r in tree.walk()}


def test_protocols_and_describe(tmp_path: Path) -> None:
    img = build_oci_layout(
        tmp_path / "img",
        layers=[Layer({"etc/os-release": b"ID=alpine\nVERSION_ID=3.19.1\n"}, created_by="ADD alpine.tar /")],
        config={
            "author": "team@example.com",
            "config": {
                "User": "1000:1000",
                "Env": ["PATH=/bin", "SECRET_KEY=abc"],
                "Entrypoint": ["/entry.sh"],
                "Cmd": ["serve", "--port", "8080"],
                "WorkingDir": "/srv",
                "ExposedPorts": {"8080/tcp": {}, "443/tcp": {}},
                "Volumes": {"/data": {}},
                "Labels": {"org.opencontainers.image.source": "https://example.com/repo"},
                "StopSignal": "SIGTERM",
                "Healthcheck": {"Test": ["CMD", "curl", "-f", "http://localhost/"]},
            },
            "history": [
                {"created_by": "ARG X", "empty_layer": True},
                {"created_by": "ADD alpine.tar /", "created": "2024-02-02T00:00:00Z"},
                {"created_by": 'CMD ["serve"]', "empty_layer": True},
            ],
        },
        tag="1.0",
    )
    target = _target(f"oci:{img.path}:1.0", tmp_path)
    assert isinstance(target, Target)
    ref = target.describe()
    assert ref.kind is ArtifactKind.IMAGE
    assert ref.ref == f"oci:{img.path.resolve()}:1.0"
    assert (ref.digest, ref.image_id) == (img.manifest_digest, img.config_digest)
    assert ref.repo_tags == ("1.0",)
    assert ref.platform == "linux/amd64"
    (layer,) = ref.layers
    assert (layer.index, layer.digest, layer.diff_id) == (0, img.layer_digests[0], img.diff_ids[0])
    assert layer.created_by == "ADD alpine.tar /"
    assert layer.media_type == "application/vnd.oci.image.layer.v1.tar+gzip"
    cfg = ref.image
    assert cfg is not None
    assert (cfg.user, cfg.working_dir, cfg.author, cfg.stop_signal) == (
        "1000:1000",
        "/srv",
        "team@example.com",
        "SIGTERM",
    )
    assert cfg.env == ("PATH=/bin", "SECRET_KEY=abc")
    assert (cfg.entrypoint, cfg.cmd) == (("/entry.sh",), ("serve", "--port", "8080"))
    assert cfg.exposed_ports == ("443/tcp", "8080/tcp")
    assert cfg.volumes == ("/data",)
    assert cfg.labels == {"org.opencontainers.image.source": "https://example.com/repo"}
    assert cfg.healthcheck == ("CMD", "curl", "-f", "http://localhost/")
    assert (cfg.architecture, cfg.os, cfg.created) == ("amd64", "linux", "2024-01-01T00:00:00Z")
    assert [h.empty_layer for h in cfg.history] == [True, False, True]
    with target.open() as tree:
        assert isinstance(tree, FileTree)
        assert tree.describe() == ref
        assert tree.layers == ref.layers


def test_whiteouts_and_shadowing(tmp_path: Path) -> None:
    img = build_oci_layout(
        tmp_path / "img",
        layers=[
            {
                "app/": Dir(),
                "app/.env": b"AWS_SECRET_ACCESS_KEY=old",
                "app/main.py": b"v1",
                "etc/keep": b"k",
                "var/cache/": Dir(),
                "var/cache/a": b"a",
                "var/cache/sub/b": b"b",
            },
            {"app/.env": Whiteout(), "app/main.py": b"v2", "var/cache": Whiteout()},
            {"var/cache/new": b"n", "app/.env": b"AWS_SECRET_ACCESS_KEY=new"},
        ],
    )
    with _target(f"oci:{img.path}", tmp_path).open() as tree:
        squashed = _squashed(tree)
        assert squashed == {
            "app": ("dir", 0),
            "app/.env": ("file", 2),
            "app/main.py": ("file", 1),
            "etc/keep": ("file", 0),
            "var/cache/new": ("file", 2),
        }
        assert _read(tree, "app/main.py") == b"v2"
        assert _read(tree, "app/.env") == b"AWS_SECRET_ACCESS_KEY=new"
        every = [(r.path, r.layer, r.visible) for r in tree.walk_all()]
        assert every == [
            ("app", 0, True),
            ("app/.env", 0, False),
            ("app/main.py", 0, False),
            ("etc/keep", 0, True),
            ("var/cache", 0, False),
            ("var/cache/a", 0, False),
            ("var/cache/sub/b", 0, False),
            ("app/main.py", 1, True),
            ("var/cache/new", 2, True),
            ("app/.env", 2, True),
        ]
        deleted = next(r for r in tree.walk_all() if r.path == "app/.env" and r.layer == 0)
        assert deleted.layer_digest == img.diff_ids[0]
        assert _read(tree, deleted) == b"AWS_SECRET_ACCESS_KEY=old"  # the layer's own version
        old_main = next(r for r in tree.walk_all() if r.path == "app/main.py" and r.layer == 0)
        assert _read(tree, old_main) == b"v1"
        assert tree.stat("var/cache/a") is None
        with pytest.raises(FileNotInTreeError):
            tree.open("var/cache/a")
        assert tree.errors == []


def test_opaque_directory(tmp_path: Path) -> None:
    img = build_oci_layout(
        tmp_path / "img",
        layers=[
            {"etc/app/": Dir(), "etc/app/a.conf": b"a", "etc/app/sub/b.conf": b"b", "etc/other": b"o"},
            [("etc/app/", Dir(0o700)), ("etc/app/c.conf", b"c"), ("etc/app", Opaque())],
        ],
    )
    with _target(f"oci:{img.path}", tmp_path).open() as tree:
        assert _squashed(tree) == {
            "etc/app": ("dir", 1),
            "etc/app/c.conf": ("file", 1),
            "etc/other": ("file", 0),
        }
        st = tree.stat("etc/app")
        assert st is not None and st.mode == 0o700
        hidden = sorted(r.path for r in tree.walk_all() if not r.visible)
        assert hidden == ["etc/app", "etc/app/a.conf", "etc/app/sub/b.conf"]


def test_replacing_file_with_dir_and_dir_with_file(tmp_path: Path) -> None:
    img = build_oci_layout(
        tmp_path / "img",
        layers=[
            {"x": b"file", "d/": Dir(), "d/inner": b"i"},
            {"x/": Dir(), "x/y": b"y", "d": b"now a file"},
        ],
    )
    with _target(f"oci:{img.path}", tmp_path).open() as tree:
        assert _squashed(tree) == {"d": ("file", 1), "x": ("dir", 1), "x/y": ("file", 1)}
        assert _read(tree, "d") == b"now a file"


def test_symlinks_resolve_inside_the_root_across_layers(tmp_path: Path) -> None:
    img = build_oci_layout(
        tmp_path / "img",
        layers=[
            {
                "usr/bin/python3.11": b"#!python",
                "usr/bin/python3": Symlink("python3.11"),
                "bin": Symlink("usr/bin"),
                "etc/alternatives/py": Symlink("/usr/bin/python3"),
                "etc/passwd-link": Symlink("/etc/passwd"),
                "loop/a": Symlink("b"),
                "loop/b": Symlink("a"),
                "lib": Symlink("usr/lib"),
            },
            {
                "usr/lib/libz.so.1": b"ELF-z",
                "etc/passwd": b"root:x:0:0::/root:/bin/sh\n",
                "lib/late.so": b"late",
            },
        ],
    )
    with _target(f"oci:{img.path}", tmp_path).open() as tree:
        assert _read(tree, "bin/python3") == b"#!python"
        assert _read(tree, "/etc/alternatives/py") == b"#!python"
        assert _read(tree, "lib/libz.so.1") == b"ELF-z"  # link in layer 0, target in layer 1
        assert _read(tree, "etc/passwd-link") == b"root:x:0:0::/root:/bin/sh\n"  # the image's, not the host's
        st = tree.stat("bin/python3")
        assert st is not None and st.path == "usr/bin/python3.11" and st.type is FileType.FILE
        link = next(r for r in tree.walk() if r.path == "usr/bin/python3")
        assert (link.type, link.link) == (FileType.SYMLINK, "python3.11")
        assert _read(tree, link) == b"#!python"  # opening a symlink FileRef follows it
        for loop in ("loop/a", "loop/b/c"):
            assert tree.stat(loop) is None
            with pytest.raises(FileNotInTreeError):
                tree.open(loop)
        # a member written under a symlinked directory lands where the link points
        assert _read(tree, "usr/lib/late.so") == b"late"
        assert tree.stat("lib") is not None and tree.stat("lib").type is FileType.DIR  # type: ignore[union-attr]
        assert _squashed(tree)["lib"] == ("symlink", 0)


def test_symlink_to_host_file_is_not_followed_out(tmp_path: Path) -> None:
    img = build_oci_layout(
        tmp_path / "img", layers=[{"shadow": Symlink("/etc/shadow"), "hosts": Symlink("/etc/hostname")}]
    )
    with _target(f"oci:{img.path}", tmp_path).open() as tree:
        for name in ("shadow", "hosts"):
            with pytest.raises(FileNotInTreeError):
                tree.open(name)
        assert tree.errors == []


def test_hard_links(tmp_path: Path) -> None:
    img = build_oci_layout(
        tmp_path / "img",
        layers=[
            {
                "usr/bin/perl5.36": b"PERL",
                "usr/bin/perl": Hardlink("usr/bin/perl5.36"),
                "base/data": b"lower",
            },
            {"up/link": Hardlink("base/data")},
        ],
    )
    with _target(f"oci:{img.path}", tmp_path).open() as tree:
        perl = tree.stat("usr/bin/perl")
        assert (
            perl is not None
            and perl.type is FileType.HARDLINK
            and perl.link == "usr/bin/perl5.36"
            and perl.size == 4
        )
        assert perl.is_file
        assert _read(tree, "usr/bin/perl") == b"PERL"
        assert _read(tree, "up/link") == b"lower"
        up = tree.stat("up/link")
        assert up is not None and up.size == 5 and up.layer == 1


def test_hard_link_wanted_when_target_was_not(tmp_path: Path) -> None:
    """The second, targeted pass over a layer fetches a target only a hard link asked for."""
    img = build_oci_layout(
        tmp_path / "img", layers=[{"opt/blob.bin": b"BINARY", "opt/wanted.txt": Hardlink("opt/blob.bin")}]
    )
    with _target(f"oci:{img.path}", tmp_path).open(lambda ref: ref.path.endswith(".txt")) as tree:
        assert _read(tree, "opt/wanted.txt") == b"BINARY"
        with pytest.raises(FileNotInTreeError, match="not materialised"):
            tree.open("opt/blob.bin")


def test_want_decides_what_is_materialised(tmp_path: Path) -> None:
    img = build_oci_layout(
        tmp_path / "img",
        layers=[
            {"a/requirements.txt": b"requests==2.19.0\n", "a/big.bin": b"\0" * 10000, "dev/fifo": Fifo()}
        ],
    )
    seen: list[str] = []

    def want(ref: FileRef) -> bool:
        seen.append(ref.path)
        return ref.name == "requirements.txt"

    with _target(f"oci:{img.path}", tmp_path).open(want) as tree:
        assert sorted(seen) == ["a/big.bin", "a/requirements.txt"]  # asked only about regular files
        assert _read(tree, "a/requirements.txt") == b"requests==2.19.0\n"
        with pytest.raises(FileNotInTreeError):
            tree.open("a/big.bin")
        big = tree.stat("a/big.bin")
        assert big is not None and big.size == 10000  # listed all the same
        fifo = tree.stat("dev/fifo")
        assert fifo is not None and fifo.type is FileType.OTHER
        with pytest.raises(FileNotInTreeError):
            tree.open("dev/fifo")


def test_file_handles_seek_and_partial_reads(tmp_path: Path) -> None:
    data = bytes(range(256)) * 4000
    img = build_oci_layout(tmp_path / "img", layers=[{"one": b"1", "data.bin": data, "two": b"22"}])
    with _target(f"oci:{img.path}", tmp_path).open() as tree:
        with tree.open("data.bin") as fh:
            assert fh.read(10) == data[:10]
            fh.seek(1000)
            assert fh.read(5) == data[1000:1005]
            fh.seek(-3, 2)
            assert fh.read() == data[-3:]
            fh.seek(0)
            assert fh.read() == data
        assert _read(tree, "one") == b"1" and _read(tree, "two") == b"22"


def test_stats_and_cleanup(tmp_path: Path) -> None:
    img = build_oci_layout(
        tmp_path / "img", layers=[{"d/": Dir(), "d/f": b"12345", "l": Symlink("d/f")}, {"d/g": b"678"}]
    )
    target = _target(f"oci:{img.path}", tmp_path)
    with target.open() as tree:
        assert tree.stats == {
            "files": 2, "dirs": 1, "symlinks": 1, "hardlinks": 0, "other": 0, "bytes": 8, "layers": 2,
            "layer_entries": 4, "hidden_entries": 0,
        }  # fmt: skip
        assert any((tmp_path / "cache" / "tmp").iterdir())
    assert list((tmp_path / "cache" / "tmp").iterdir()) == []  # scratch removed on exit
    with target.open() as tree:  # a target can be opened again
        assert _read(tree, "l") == b"12345"


def test_compressions_and_sniffing(tmp_path: Path) -> None:
    img = build_oci_layout(
        tmp_path / "img",
        layers=[
            Layer({"gz": b"g"}, compression="gzip"),
            Layer({"zst": b"z"}, compression="zstd"),
            Layer({"plain": b"p"}, compression="none"),
            # mislabelled: gzip bytes under the plain-tar media type, and the reverse
            Layer(
                {"mislabelled-gz": b"m"},
                compression="gzip",
                media_type="application/vnd.oci.image.layer.v1.tar",
            ),
            Layer(
                {"mislabelled-plain": b"n"},
                compression="none",
                media_type="application/vnd.docker.image.rootfs.diff.tar.gzip",
            ),
        ],
    )
    with _target(f"oci:{img.path}", tmp_path).open() as tree:
        for name, content in [
            ("gz", b"g"),
            ("zst", b"z"),
            ("plain", b"p"),
            ("mislabelled-gz", b"m"),
            ("mislabelled-plain", b"n"),
        ]:
            assert _read(tree, name) == content
        (err,) = tree.errors
        assert "layer 4" in err.message and "not gzip-compressed" in err.message


def test_parallel_and_serial_reading_agree(tmp_path: Path) -> None:
    layers = [
        {f"l{i}/f{j}": bytes([i, j]) * 100 for j in range(30)} | {"shared": bytes([i])} for i in range(6)
    ]
    img = build_oci_layout(tmp_path / "img", layers=layers)
    results = []
    for workers in (1, 2):
        target = _target(f"oci:{img.path}", tmp_path)
        target.workers = workers
        with target.open() as tree:
            results.append(([*tree.walk()], [*tree.walk_all()], _read(tree, "shared")))
    assert results[0] == results[1]
    assert results[0][2] == bytes([5])


# -- layouts with several images, indexes ---------------------------------------------------------------


def test_layout_with_several_tags(tmp_path: Path) -> None:
    path = tmp_path / "img"
    one = build_oci_layout(path, layers=[{"v": b"1"}], tag="one")
    two = build_oci_layout(path, layers=[{"v": b"2"}], tag="two", append=True)
    assert _target(f"oci:{path}:two", tmp_path).describe().digest == two.manifest_digest
    assert _target(f"oci:{path}:one", tmp_path).describe().digest == one.manifest_digest
    with pytest.raises(TargetError) as err:
        _target(f"oci:{path}", tmp_path).describe()
    assert "one" in err.value.message and "two" in err.value.message and "oci:PATH:TAG" in err.value.message
    with pytest.raises(TargetError) as err:
        _target(f"oci:{path}:three", tmp_path).describe()
    assert "no image tagged 'three'" in err.value.message and "one, two" in err.value.message


@pytest.mark.parametrize("docker_types", [False, True])
def test_multi_platform_index(tmp_path: Path, docker_types: bool) -> None:
    index = build_oci_index(
        tmp_path / "idx",
        [
            ImageSpec([{"arch": b"amd64"}], "linux/amd64"),
            ImageSpec([{"arch": b"arm64"}], "linux/arm64/v8"),
            ImageSpec([{"arch": b"armv6"}], "linux/arm/v6"),
            ImageSpec([{"arch": b"armv7"}], "linux/arm/v7"),
        ],
        docker_media_types=docker_types,
        attestation=True,
    )
    for platform, expected in [
        ("linux/amd64", "linux/amd64"),
        ("linux/arm64", "linux/arm64/v8"),
        ("linux/arm", "linux/arm/v7"),
        ("linux/arm/v6", "linux/arm/v6"),
    ]:
        target = _target(f"oci:{index.path}", tmp_path, platform=platform)
        ref = target.describe()
        assert ref.digest == index.images[expected].manifest_digest
        assert ref.platform == expected
        with target.open() as tree:
            assert (
                _read(tree, "arch")
                == expected.split("/", 1)[1].replace("/v8", "").replace("arm/", "arm").encode()
            )
    with pytest.raises(TargetError) as err:
        _target(f"oci:{index.path}", tmp_path, platform="windows/amd64").describe()
    assert "no image for platform windows/amd64" in err.value.message
    assert "linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64/v8" in err.value.message
    assert err.value.hint is not None and "--platform" in err.value.hint


def test_single_platform_image_and_explicit_platform(tmp_path: Path) -> None:
    img = build_oci_layout(tmp_path / "img", layers=[{"a": b"a"}], platform="linux/arm64")
    assert (
        _target(f"oci:{img.path}", tmp_path).describe().platform == "linux/arm64"
    )  # default: take what there is
    with pytest.raises(TargetError, match="not linux/amd64"):
        _target(f"oci:{img.path}", tmp_path, platform="linux/amd64").describe()


def test_not_a_layout_and_missing_paths(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="no such OCI layout"):
        _target(f"oci:{tmp_path}/missing", tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(TargetError, match=r"no index\.json"):
        _target(f"oci:{tmp_path}/empty", tmp_path)
    with pytest.raises(TargetError, match="no such docker archive"):
        _target(f"docker-archive:{tmp_path}/missing.tar", tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "index.json").write_text("{not json")
    with pytest.raises(TargetError, match="not valid JSON"):
        _target(f"oci:{bad}", tmp_path).describe()


def test_non_image_artifact_is_refused(tmp_path: Path) -> None:
    img = build_oci_layout(tmp_path / "img", layers=[{"a": b"a"}])
    manifest = dict(img.manifest)
    cfg = b'{"apiVersion": "v2", "name": "chart"}'
    from tests._support.images import sha256

    cfg_digest = sha256(cfg)
    (img.path / "blobs" / "sha256" / cfg_digest[7:]).write_bytes(cfg)
    manifest["config"] = {
        "mediaType": "application/vnd.cncf.helm.config.v1+json",
        "digest": cfg_digest,
        "size": len(cfg),
    }
    data = json.dumps(manifest).encode()
    (img.path / "blobs" / "sha256" / sha256(data)[7:]).write_bytes(data)
    index = json.loads((img.path / "index.json").read_text())
    index["manifests"][0].update(digest=sha256(data), size=len(data))
    (img.path / "index.json").write_text(json.dumps(index))
    with pytest.raises(
        TargetError, match=r"not a container image \(config media type application/vnd.cncf.helm"
    ):
        _target(f"oci:{img.path}", tmp_path).describe()


# -- docker archives ------------------------------------------------------------------------------------


@pytest.mark.parametrize("oci", [False, True])
def test_docker_archive_single_image(tmp_path: Path, oci: bool) -> None:
    archive = tmp_path / "img.tar"
    (built,) = build_docker_archive(
        archive,
        [
            ArchiveImage(
                [
                    Layer({"etc/os-release": b"ID=debian\n", "x": b"1"}, created_by="ADD x"),
                    {"x": Whiteout(), "y": b"2"},
                ],
                ["team/app:1.0"],
            )
        ],
        oci=oci,
    )
    target = _target(f"docker-archive:{archive}", tmp_path)
    ref = target.describe()
    assert ref.image_id == built.config_digest
    assert ref.repo_tags == ("team/app:1.0",)
    assert ref.name == "team/app:1.0"
    assert ref.digest == (built.manifest_digest if oci else None)
    assert [layer.diff_id for layer in ref.layers] == built.diff_ids
    assert ref.layers[0].created_by == "ADD x"
    with target.open() as tree:
        assert sorted(r.path for r in tree.walk()) == ["etc/os-release", "y"]
        assert [(r.path, r.visible) for r in tree.walk_all() if r.path == "x"] == [("x", False)]
        assert tree.errors == []


def test_docker_archive_several_images(tmp_path: Path) -> None:
    archive = tmp_path / "multi.tar"
    build_docker_archive(
        archive,
        [
            ArchiveImage([{"who": b"web"}], ["web:1", "registry.example/web:1"]),
            ArchiveImage([{"who": b"db"}], ["postgres:16"]),
        ],
    )
    with pytest.raises(TargetError) as err:
        _target(f"docker-archive:{archive}", tmp_path).describe()
    assert "holds 2 images" in err.value.message
    assert err.value.hint is not None and "web:1" in err.value.hint and "postgres:16" in err.value.hint
    for tag, who in [
        ("postgres:16", b"db"),
        ("docker.io/library/postgres:16", b"db"),
        ("registry.example/web:1", b"web"),
    ]:
        with _target(f"docker-archive:{archive}:{tag}", tmp_path).open() as tree:
            assert _read(tree, "who") == who
    with pytest.raises(TargetError, match="no image tagged 'redis:7'"):
        _target(f"docker-archive:{archive}:redis:7", tmp_path).describe()


def test_compressed_docker_archive(tmp_path: Path) -> None:
    archive = tmp_path / "img.tar.gz"
    build_docker_archive(archive, [ArchiveImage([{"f": b"content"}], ["a:b"])], compress_archive="gzip")
    with _target(f"docker-archive:{archive}", tmp_path).open() as tree:
        assert _read(tree, "f") == b"content"


def test_docker_archive_layer_digest_checked(tmp_path: Path) -> None:
    archive = tmp_path / "img.tar"
    build_docker_archive(archive, [ArchiveImage([{"f": b"original-content"}], ["a:b"])])
    raw = archive.read_bytes()
    archive.write_bytes(raw.replace(b"original-content", b"tampered-content"))
    with (
        pytest.raises(DigestMismatchError, match="mismatch"),
        _target(f"docker-archive:{archive}", tmp_path).open(),
    ):
        pass


# -- the scanner and the CLI on an image ----------------------------------------------------------------


def test_factory_and_scan(tmp_path: Path) -> None:
    from bastion.scan import ScanOptions, scan

    img = build_oci_layout(
        tmp_path / "img",
        layers=[
            {"etc/os-release": b'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n', "app/a": b"a"}
        ],
    )
    target = open_target("image", f"oci:{img.path}", TargetOptions(cache_dir=tmp_path / "cache"))
    result = scan(target, ScanOptions(scanners=("secret",)))
    assert result.target.digest == img.manifest_digest
    assert result.target.os is not None and (result.target.os.family, result.target.os.version) == (
        "debian",
        "12",
    )
    assert result.stats["files"] == 2 and result.stats["layers"] == 1
