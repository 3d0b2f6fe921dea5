"""Image references, platforms, registry challenges and credentials."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from bastion.errors import UsageError
from bastion.targets.image.auth import find_credentials, parse_challenges
from bastion.targets.image.reference import (
    DockerArchiveRef,
    OciLayoutRef,
    Platform,
    ReferenceError,
    RegistryRef,
    parse_image_ref,
    parse_platform,
    platform_matches,
)

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alpine", RegistryRef("docker.io", "library/alpine", "latest")),
        ("alpine:3.19", RegistryRef("docker.io", "library/alpine", "3.19")),
        ("library/alpine:3.19", RegistryRef("docker.io", "library/alpine", "3.19")),
        ("bitnami/redis", RegistryRef("docker.io", "bitnami/redis", "latest")),
        ("docker.io/alpine", RegistryRef("docker.io", "library/alpine", "latest")),
        ("index.docker.io/library/alpine:edge", RegistryRef("docker.io", "library/alpine", "edge")),
        ("ghcr.io/owner/repo/sub:v1.2.3", RegistryRef("ghcr.io", "owner/repo/sub", "v1.2.3")),
        ("localhost/app", RegistryRef("localhost", "app", "latest")),
        ("localhost:5000/app:dev", RegistryRef("localhost:5000", "app", "dev")),
        ("127.0.0.1:5000/team/app", RegistryRef("127.0.0.1:5000", "team/app", "latest")),
        (f"alpine@{DIGEST}", RegistryRef("docker.io", "library/alpine", None, DIGEST)),
        (f"quay.io/a/b:1@{DIGEST}", RegistryRef("quay.io", "a/b", "1", DIGEST)),
        ("docker://alpine:3", RegistryRef("docker.io", "library/alpine", "3")),
        ("registry:ghcr.io/a/b", RegistryRef("ghcr.io", "a/b", "latest")),
    ],
)
def test_registry_reference_normalisation(text: str, expected: RegistryRef) -> None:
    assert parse_image_ref(text) == expected


def test_registry_reference_rendering() -> None:
    ref = parse_image_ref(f"alpine:3@{DIGEST}")
    assert isinstance(ref, RegistryRef)
    assert str(ref) == f"docker.io/library/alpine:3@{DIGEST}"
    assert ref.endpoint == "registry-1.docker.io"
    assert ref.reference == DIGEST
    assert parse_image_ref("ghcr.io/a/b").endpoint == "ghcr.io"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    ["", "Alpine", "alpine@sha256:123", "alpine:bad tag", "ghcr.io/", "a/b:c:d/e", "alpine@md5:" + "a" * 10],
)
def test_invalid_references(text: str) -> None:
    with pytest.raises(UsageError):
        parse_image_ref(text)


def test_oci_and_archive_references(tmp_path: Path) -> None:
    layout = tmp_path / "lay:out"
    layout.mkdir()
    assert parse_image_ref(f"oci:{layout}") == OciLayoutRef(layout, None)
    assert parse_image_ref(f"oci:{layout}:v1") == OciLayoutRef(layout, "v1")
    assert parse_image_ref(f"oci-dir:{layout}:v1") == OciLayoutRef(layout, "v1")
    archive = tmp_path / "img.tar"
    archive.write_bytes(b"")
    assert parse_image_ref(f"docker-archive:{archive}") == DockerArchiveRef(archive, None)
    assert parse_image_ref(f"docker-archive:{archive}:team/app:1.0") == DockerArchiveRef(
        archive, "team/app:1.0"
    )
    # missing paths are kept whole (the target then says they are missing)
    assert parse_image_ref(f"oci:{tmp_path}/nope") == OciLayoutRef(tmp_path / "nope", None)
    with pytest.raises(ReferenceError):
        parse_image_ref("oci:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("linux/amd64", Platform("linux", "amd64")),
        ("linux/arm64/v8", Platform("linux", "arm64", "v8")),
        ("linux/x86_64", Platform("linux", "amd64")),
        ("arm64", Platform("linux", "arm64")),
        ("Linux/ARM/v7", Platform("linux", "arm", "v7")),
    ],
)
def test_parse_platform(text: str, expected: Platform) -> None:
    assert parse_platform(text) == expected


@pytest.mark.parametrize("text", ["", "linux/", "a/b/c/d", "/amd64"])
def test_parse_platform_invalid(text: str) -> None:
    with pytest.raises(UsageError):
        parse_platform(text)


@pytest.mark.parametrize(
    ("want", "have", "ok"),
    [
        ("linux/amd64", ("linux", "amd64", None), True),
        ("linux/amd64", ("linux", "arm64", None), False),
        ("linux/arm64", ("linux", "arm64", "v8"), True),
        ("linux/arm64/v8", ("linux", "arm64", None), True),
        ("linux/arm/v7", ("linux", "arm", "v6"), False),
        ("linux/arm/v7", ("linux", "arm", None), True),
        ("windows/amd64", ("linux", "amd64", None), False),
    ],
)
def test_platform_matching(want: str, have: tuple[str, str, str | None], ok: bool) -> None:
    assert platform_matches(parse_platform(want), *have) is ok


def test_parse_challenges() -> None:
    (ch,) = parse_challenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"'
    )
    assert ch.scheme == "bearer"
    assert ch.params == {
        "realm": "https://auth.docker.io/token",
        "service": "registry.docker.io",
        "scope": "repository:library/alpine:pull",
    }
    both = parse_challenges('Basic realm="r1", Bearer realm="https://t",service=s')
    assert [c.scheme for c in both] == ["basic", "bearer"]
    assert both[1].params == {"realm": "https://t", "service": "s"}
    assert parse_challenges("") == []


def _write_config(path: Path, doc: dict[str, object]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text(json.dumps(doc))


def test_credentials_from_docker_config(tmp_path: Path) -> None:
    auth = base64.b64encode(b"alice:pa:ss").decode()
    _write_config(
        tmp_path / "d",
        {
            "auths": {
                "https://index.docker.io/v1/": {"auth": auth},
                "ghcr.io": {"username": "bob", "password": "tok"},
                "http://127.0.0.1:5000": {"auth": base64.b64encode(b"carol:x").decode()},
                "broken.example": {"auth": "!!!not base64"},
            }
        },
    )
    env = {"DOCKER_CONFIG": str(tmp_path / "d")}
    hub = find_credentials("docker.io", env=env)
    assert hub is not None and (hub.username, hub.password) == ("alice", "pa:ss")
    assert hub.source == str(tmp_path / "d" / "config.json")
    gh = find_credentials("ghcr.io", env=env)
    assert gh is not None and (gh.username, gh.password) == ("bob", "tok")
    local = find_credentials("127.0.0.1:5000", env=env)
    assert local is not None and local.username == "carol"
    assert find_credentials("broken.example", env=env) is None
    assert find_credentials("quay.io", env=env) is None
    # explicit options win
    explicit = find_credentials("ghcr.io", username="me", password="pw", env=env)
    assert explicit is not None and (explicit.username, explicit.source) == ("me", "options")


def test_credentials_from_home_and_containers_auth(tmp_path: Path) -> None:
    _write_config(
        tmp_path / "home" / ".docker", {"auths": {"quay.io": {"auth": base64.b64encode(b"q:1").decode()}}}
    )
    runtime = tmp_path / "run"
    (runtime / "containers").mkdir(parents=True)
    (runtime / "containers" / "auth.json").write_text(
        json.dumps({"auths": {"reg.example:8443": {"auth": base64.b64encode(b"r:2").decode()}}})
    )
    env = {"HOME": str(tmp_path / "home"), "XDG_RUNTIME_DIR": str(runtime)}
    quay = find_credentials("quay.io", env=env)
    assert quay is not None and quay.username == "q"
    other = find_credentials("reg.example:8443", env=env)
    assert other is not None and (other.username, other.password) == ("r", "2")


def test_bare_paths_are_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    layout = tmp_path / "layout"
    layout.mkdir()
    (layout / "index.json").write_text("{}")
    archive = tmp_path / "image.tar"
    archive.write_bytes(b"")
    assert parse_image_ref(str(layout)) == OciLayoutRef(layout, None)
    assert parse_image_ref(str(archive)) == DockerArchiveRef(archive, None)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "alpine").mkdir()  # a directory that is not a layout does not shadow the image name
    assert parse_image_ref("alpine") == RegistryRef("docker.io", "library/alpine", "latest")
    assert parse_image_ref("image.tar") == DockerArchiveRef(Path("image.tar"), None)
