"""Pulling from real registries: tags, digests, multi-arch, auth flows, errors, digest checks, caching."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from bastion.cli.main import main as cli_main
from bastion.errors import AuthError, DigestMismatchError, ManifestUnknownError, RegistryError, TargetError
from bastion.targets.factory import TargetOptions
from bastion.targets.image import ImageTarget, RegistrySource, image_target
from tests._support import registry as reg
from tests._support.images import BuiltImage, ImageSpec, Layer, Whiteout, build_oci_index, build_oci_layout

pytestmark = pytest.mark.registry

OS_RELEASE = b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'


def _image(path: Path, marker: bytes = b"v1") -> BuiltImage:
    return build_oci_layout(
        path,
        layers=[
            Layer(
                {"etc/os-release": OS_RELEASE, "app/config.ini": b"[aws]\nkey=1\n"}, created_by="ADD rootfs /"
            ),
            Layer({"app/config.ini": Whiteout(), "app/version": marker}, created_by="RUN rm /app/config.ini"),
        ],
        config={"config": {"User": "root", "Env": ["PATH=/usr/bin", "API_TOKEN=abc"]}},
        tag="v1",
    )


def _opts(tmp_path: Path, **kw: object) -> TargetOptions:
    base: dict[str, object] = {"cache_dir": tmp_path / "cache", "insecure": True, "timeout": 30.0}
    base.update(kw)
    return TargetOptions(**base)  # type: ignore[arg-type]


def _client_stats(target: ImageTarget) -> object:
    assert isinstance(target.source, RegistrySource)
    return target.source.client.stats


@pytest.fixture(scope="module")
def pushed(registry: reg.Registry, tmp_path_factory: pytest.TempPathFactory) -> BuiltImage:
    img = _image(tmp_path_factory.mktemp("img") / "layout")
    registry.push(img.path, "team/app:v1", tag="v1")
    return img


def test_pull_by_tag(registry: reg.Registry, pushed: BuiltImage, tmp_path: Path) -> None:
    target = image_target(f"{registry.host}/team/app:v1", _opts(tmp_path))
    ref = target.describe()
    assert ref.digest == pushed.manifest_digest
    assert ref.image_id == pushed.config_digest
    assert ref.repo_tags == (f"{registry.host}/team/app:v1",)
    assert ref.repo_digests == (f"{registry.host}/team/app@{pushed.manifest_digest}",)
    assert ref.image is not None and ref.image.user == "root" and "API_TOKEN=abc" in ref.image.env
    assert [layer.created_by for layer in ref.layers] == ["ADD rootfs /", "RUN rm /app/config.ini"]
    with target.open() as tree:
        assert sorted(r.path for r in tree.walk() if r.is_file) == ["app/version", "etc/os-release"]
        hidden = [r for r in tree.walk_all() if not r.visible]
        assert [(r.path, r.layer) for r in hidden] == [("app/config.ini", 0)]
        with tree.open(hidden[0]) as fh:
            assert fh.read() == b"[aws]\nkey=1\n"
        assert tree.errors == []


def test_pull_by_digest(registry: reg.Registry, pushed: BuiltImage, tmp_path: Path) -> None:
    target = image_target(f"{registry.host}/team/app@{pushed.manifest_digest}", _opts(tmp_path))
    ref = target.describe()
    assert ref.digest == pushed.manifest_digest
    with target.open() as tree, tree.open("app/version") as fh:
        assert fh.read() == b"v1"


def test_second_scan_downloads_nothing(registry: reg.Registry, pushed: BuiltImage, tmp_path: Path) -> None:
    opts = _opts(tmp_path)
    first = image_target(f"{registry.host}/team/app:v1", opts)
    with first.open():
        pass
    assert _client_stats(first).blob_downloads == 3  # type: ignore[attr-defined]  # config + 2 layers

    registry.mark()
    second = image_target(f"{registry.host}/team/app:v1", opts)
    with second.open() as tree:
        assert tree.stat("app/version") is not None
    served = registry.requests()
    assert [r for r in served if "/blobs/" in r.path] == []
    assert [(r.method, r.path) for r in served if "/manifests/" in r.path] == [
        ("HEAD", "/v2/team/app/manifests/v1")
    ]
    stats = _client_stats(second)
    assert stats.blob_downloads == 0 and stats.bytes_downloaded == 0 and stats.manifest_gets == 0  # type: ignore[attr-defined]

    # by digest, with everything cached, the registry is not contacted at all
    registry.mark()
    third = image_target(f"{registry.host}/team/app@{pushed.manifest_digest}", opts)
    with third.open():
        pass
    assert registry.requests() == []
    assert _client_stats(third).requests == 0  # type: ignore[attr-defined]

    # and the cache is content-addressed: blobs/sha256/<hex>
    for digest in [pushed.manifest_digest, pushed.config_digest, *pushed.layer_digests]:
        assert (tmp_path / "cache" / "blobs" / "sha256" / digest[7:]).is_file()


def test_multi_arch_index_by_platform(registry: reg.Registry, tmp_path: Path) -> None:
    index = build_oci_index(
        tmp_path / "multi",
        [
            ImageSpec(layers=[{"arch": b"amd64"}], platform="linux/amd64"),
            ImageSpec(layers=[{"arch": b"arm64"}], platform="linux/arm64/v8"),
            ImageSpec(layers=[{"arch": b"armv7"}], platform="linux/arm/v7"),
        ],
        tag="multi",
        attestation=True,
    )
    registry.push(index.path, "team/multi:1", tag="multi", all_platforms=True)
    for platform, expected in [
        ("linux/arm64", b"arm64"),
        ("linux/arm/v7", b"armv7"),
        ("linux/amd64", b"amd64"),
    ]:
        target = image_target(f"{registry.host}/team/multi:1", _opts(tmp_path, platform=platform))
        ref = target.describe()
        assert (
            ref.digest
            == index.images[{"linux/arm64": "linux/arm64/v8"}.get(platform, platform)].manifest_digest
        )
        assert ref.repo_digests == (f"{registry.host}/team/multi@{index.index_digest}",)
        with target.open() as tree, tree.open("arch") as fh:
            assert fh.read() == expected
    with pytest.raises(TargetError) as err:
        image_target(f"{registry.host}/team/multi:1", _opts(tmp_path, platform="linux/s390x")).describe()
    assert "linux/s390x" in err.value.message
    for listed in ("linux/amd64", "linux/arm64/v8", "linux/arm/v7"):
        assert listed in err.value.message
    assert "unknown/unknown" not in err.value.message


def test_missing_tag_and_repository(registry: reg.Registry, pushed: BuiltImage, tmp_path: Path) -> None:
    with pytest.raises(ManifestUnknownError) as err:
        image_target(f"{registry.host}/team/app:nope", _opts(tmp_path)).describe()
    assert f"{registry.host}/team/app:nope" in err.value.message
    with pytest.raises(ManifestUnknownError) as err:
        image_target(f"{registry.host}/team/does-not-exist:v1", _opts(tmp_path)).describe()
    assert "team/does-not-exist" in err.value.message


def test_corrupted_blob_is_a_digest_mismatch(registry: reg.Registry, tmp_path: Path) -> None:
    img = _image(tmp_path / "corrupt", marker=b"corrupt-me")
    registry.push(img.path, "team/corrupt:v1", tag="v1")
    blob = registry.blob_path(img.layer_digests[1])
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.write_bytes(bytes(data))
    target = image_target(f"{registry.host}/team/corrupt:v1", _opts(tmp_path))
    with pytest.raises(DigestMismatchError) as err, target.open():
        pass
    assert img.layer_digests[1] in err.value.message
    assert "mismatch" in err.value.message
    # nothing unverified was cached
    assert not (tmp_path / "cache" / "blobs" / "sha256" / img.layer_digests[1][7:]).exists()


def test_unreachable_and_plain_http_without_insecure(tmp_path: Path) -> None:
    port = reg.free_port()
    with pytest.raises(RegistryError) as err:
        image_target(f"127.0.0.1:{port}/x/y:1", _opts(tmp_path, timeout=5.0)).describe()
    assert f"127.0.0.1:{port}" in err.value.message and "cannot reach" in err.value.message


def test_plain_http_needs_insecure(registry: reg.Registry, pushed: BuiltImage, tmp_path: Path) -> None:
    with pytest.raises(RegistryError) as err:
        image_target(f"{registry.host}/team/app:v1", _opts(tmp_path, insecure=False, timeout=5.0)).describe()
    assert err.value.hint is not None and "--insecure" in err.value.hint


# -- authentication -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pushed_htpasswd(registry_htpasswd: reg.Registry, tmp_path_factory: pytest.TempPathFactory) -> BuiltImage:
    img = _image(tmp_path_factory.mktemp("img-basic") / "layout", marker=b"basic")
    registry_htpasswd.push(img.path, "private/app:v1", tag="v1")
    return img


@pytest.fixture(scope="module")
def pushed_token(registry_token: reg.Registry, tmp_path_factory: pytest.TempPathFactory) -> BuiltImage:
    img = _image(tmp_path_factory.mktemp("img-token") / "layout", marker=b"token")
    registry_token.push(img.path, "private/app:v1", tag="v1")
    return img


@pytest.mark.parametrize("flavour", ["htpasswd", "token"])
def test_auth_good_credentials(flavour: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    registry: reg.Registry = request.getfixturevalue(f"registry_{flavour}")
    img: BuiltImage = request.getfixturevalue(f"pushed_{flavour}")
    target = image_target(
        f"{registry.host}/private/app:v1", _opts(tmp_path, username=reg.USERNAME, password=reg.PASSWORD)
    )
    assert target.describe().digest == img.manifest_digest
    with target.open() as tree, tree.open("app/version") as fh:
        assert fh.read() == (b"basic" if flavour == "htpasswd" else b"token")
    if flavour == "token":
        assert _client_stats(target).token_requests >= 1  # type: ignore[attr-defined]
        assert registry.token_server is not None and registry.token_server.issued >= 1


@pytest.mark.parametrize("flavour", ["htpasswd", "token"])
def test_auth_wrong_credentials(flavour: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    registry: reg.Registry = request.getfixturevalue(f"registry_{flavour}")
    request.getfixturevalue(f"pushed_{flavour}")
    target = image_target(
        f"{registry.host}/private/app:v1", _opts(tmp_path, username=reg.USERNAME, password="wrong")
    )
    with pytest.raises(AuthError) as err:
        target.describe()
    assert registry.host in err.value.message
    assert "rejected the credentials" in err.value.message and repr(reg.USERNAME) in err.value.message


@pytest.mark.parametrize("flavour", ["htpasswd", "token"])
def test_auth_anonymous_is_refused_clearly(
    flavour: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry: reg.Registry = request.getfixturevalue(f"registry_{flavour}")
    request.getfixturevalue(f"pushed_{flavour}")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "empty-docker-config"))
    with pytest.raises(AuthError) as err:
        image_target(f"{registry.host}/private/app:v1", _opts(tmp_path)).describe()
    assert registry.host in err.value.message
    assert err.value.hint is not None and "--username" in err.value.hint


@pytest.mark.parametrize("flavour", ["htpasswd", "token"])
def test_credentials_from_docker_config(
    flavour: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry: reg.Registry = request.getfixturevalue(f"registry_{flavour}")
    img: BuiltImage = request.getfixturevalue(f"pushed_{flavour}")
    config_dir = tmp_path / "docker"
    config_dir.mkdir()
    auth = base64.b64encode(f"{reg.USERNAME}:{reg.PASSWORD}".encode()).decode()
    (config_dir / "config.json").write_text(
        json.dumps({"auths": {f"http://{registry.host}": {"auth": auth}}})
    )
    monkeypatch.setenv("DOCKER_CONFIG", str(config_dir))
    assert (
        image_target(f"{registry.host}/private/app:v1", _opts(tmp_path)).describe().digest
        == img.manifest_digest
    )


def test_cli_scan_from_registry_with_env_credentials(
    registry_token: reg.Registry,
    pushed_token: BuiltImage,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BASTION_REGISTRY_USERNAME", reg.USERNAME)
    monkeypatch.setenv("BASTION_REGISTRY_PASSWORD", reg.PASSWORD)
    code = cli_main(
        [
            "scan", "image", f"{registry_token.host}/private/app:v1", "--insecure", "-q", "-f", "json",
            "--cache-dir", str(tmp_path / "cache"), "--scanners", "secret",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    doc = json.loads(out)
    assert doc["target"]["kind"] == "image"
    assert doc["target"]["digest"] == pushed_token.manifest_digest
    assert [layer["created_by"] for layer in doc["target"]["layers"]] == [
        "ADD rootfs /",
        "RUN rm /app/config.ini",
    ]

    monkeypatch.setenv("BASTION_REGISTRY_PASSWORD", "wrong")
    code = cli_main(
        [
            "scan",
            "image",
            f"{registry_token.host}/private/app:v1",
            "--insecure",
            "-q",
            "--cache-dir",
            str(tmp_path / "c2"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "rejected the credentials" in err and registry_token.host in err


def test_blob_redirects_to_storage_without_credentials(
    registry_htpasswd: reg.Registry, pushed_htpasswd: BuiltImage, tmp_path: Path
) -> None:
    front = reg.BlobRedirector(registry_htpasswd).start()
    try:
        target = image_target(
            f"{front.host}/private/app:v1", _opts(tmp_path, username=reg.USERNAME, password=reg.PASSWORD)
        )
        with target.open() as tree, tree.open("app/version") as fh:
            assert fh.read() == b"basic"
    finally:
        front.stop()
    fetched = sorted(path.rsplit("/", 1)[-1] for path, _ in front.storage_requests)
    assert fetched == sorted([pushed_htpasswd.config_digest, *pushed_htpasswd.layer_digests])
    # the registry's credentials never travel to the storage origin
    assert [auth for _, auth in front.storage_requests] == [None] * len(fetched)
