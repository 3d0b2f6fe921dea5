"""Dart pubspec.lock, Swift Package.resolved, Conan conan.lock and Elixir mix.lock (Trivy's fixtures;
values agree with its parse_test.go files, except that SDK pub packages are skipped)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.errors import ExtractError
from bastion.inventory.base import Extractor
from bastion.inventory.other.conan_lock import ConanLockExtractor
from bastion.inventory.other.mix_lock import MixLockExtractor
from bastion.inventory.other.pubspec_lock import PubspecLockExtractor
from bastion.inventory.other.swift_resolved import SwiftResolvedExtractor, swift_name
from bastion.model import Ecosystem, FileRef, Location, Package
from tests._support.lang_inventory import LOCKFILES, SHARED_PARSER, extract

PUB, SWIFT, CONAN, MIX = (
    PubspecLockExtractor(),
    SwiftResolvedExtractor(),
    ConanLockExtractor(),
    MixLockExtractor(),
)
FIX = LOCKFILES / "other"


def p(
    eco: Ecosystem,
    by: str,
    name: str,
    version: str,
    path: str,
    purl: str,
    *,
    direct: bool | None = None,
    dev: bool | None = None,
    deps: tuple[str, ...] = (),
    **meta: str,
) -> Package:
    return Package(
        name=name,
        version=version,
        ecosystem=eco,
        purl=purl,
        locations=(Location(path),),
        found_by=by,
        direct=direct,
        dev=dev,
        dependencies=deps,
        metadata=meta,
    )


def test_pubspec_lock() -> None:
    f = "happy.lock"
    got, _ = extract(PUB, FIX / "pubspec-lock" / f)
    assert got == [
        p(
            Ecosystem.PUB,
            "dart/pubspec-lock",
            "crypto",
            "3.0.2",
            f,
            "pkg:pub/crypto@3.0.2",
            direct=True,
            dev=False,
        ),
        # an SDK package: syft and trivy report it, so does bastion (it was skipped before the comparison)
        p(
            Ecosystem.PUB,
            "dart/pubspec-lock",
            "flutter_test",
            "0.0.0",
            f,
            "pkg:pub/flutter_test@0.0.0",
            direct=True,
            dev=True,
            source="sdk",
            sdk="flutter",
            sdk_constraint="^3.3.0",
        ),
        p(Ecosystem.PUB, "dart/pubspec-lock", "uuid", "3.0.6", f, "pkg:pub/uuid@3.0.6", direct=False),
    ]
    assert extract(PUB, FIX / "pubspec-lock" / "empty.lock")[0] == []
    with pytest.raises(ExtractError, match="expected a 'packages' map"):
        extract(PUB, FIX / "pubspec-lock" / "broken.lock")


def _swift(name: str, version: str, path: str, revision: str, **meta: str) -> Package:
    ns, _, short = name.rpartition("/")
    purl = f"pkg:swift/{ns}/{short}" + (f"@{version}" if version else "")
    return p(Ecosystem.SWIFT, "swift/package-resolved", name, version, path, purl, revision=revision, **meta)


def test_package_resolved_v1_v2() -> None:
    v1, _ = extract(SWIFT, FIX / "package-resolved" / "v1.json")
    assert v1 == [
        _swift("github.com/Quick/Nimble", "9.2.1", "v1.json", "c93f16c25af5770f0d3e6af27c9634640946b068"),
        _swift(
            "github.com/ReactiveCocoa/ReactiveSwift",
            "7.1.1",
            "v1.json",
            "40c465af19b993344e84355c00669ba2022ca3cd",
        ),
    ]
    v2, _ = extract(SWIFT, FIX / "package-resolved" / "v2.json")
    f = "v2.json"
    assert v2 == [
        _swift(
            "github.com/mattgallagher/CwlCatchException",
            "2.1.2",
            f,
            "3b123999de19bf04905bc1dfdb76f817b0f2cc00",
        ),
        _swift(
            "github.com/mattgallagher/CwlPreconditionTesting",
            "2.1.2",
            f,
            "a23ded2c91df9156628a6996ab4f347526f17b6b",
        ),
        _swift("github.com/Quick/Nimble", "9.2.1", f, "c93f16c25af5770f0d3e6af27c9634640946b068"),
        _swift("github.com/Quick/Quick", "7.2.0", f, "494eff9ad74a37047782b0d5d8d84c7ff49a60e4"),
        _swift(
            "github.com/ReactiveCocoa/ReactiveSwift", "7.1.1", f, "40c465af19b993344e84355c00669ba2022ca3cd"
        ),
        _swift(
            "github.com/element-hq/swift-ogg",
            "",
            f,
            "e9a9e7601da662fd8b97d93781ff5c60b4becf88",
            branch="0.0.1",
        ),
    ]
    assert extract(SWIFT, FIX / "package-resolved" / "empty.json")[0] == []


def test_package_resolved_v3(tmp_path: Path) -> None:
    (tmp_path / "Package.resolved").write_text(
        '{"originHash": "x", "version": 3, "pins": [{"identity": "swift-nio", "kind": "remoteSourceControl",'
        ' "location": "https://github.com/apple/swift-nio.git", "state": {"revision": "abc", "version": "2.65.0"}},'
        ' {"identity": "local", "kind": "localSourceControl", "location": "/src/local", "state": {"revision": "def"}}]}'
    )
    got, _ = extract(SWIFT, tmp_path / "Package.resolved")
    assert got == [
        _swift("github.com/apple/swift-nio", "2.65.0", "Package.resolved", "abc"),
        p(
            Ecosystem.SWIFT,
            "swift/package-resolved",
            "/src/local",
            "",
            "Package.resolved",
            "pkg:swift/src/local",
            revision="def",
            kind="localSourceControl",
        ),
    ]


@pytest.mark.parametrize(
    ("location", "name"),
    [
        ("https://github.com/apple/swift-nio.git", "github.com/apple/swift-nio"),
        ("git@github.com:apple/swift-log.git", "github.com/apple/swift-log"),
        ("ssh://git@gitlab.com/a/b", "gitlab.com/a/b"),
    ],
)
def test_swift_name(location: str, name: str) -> None:
    assert swift_name(location) == name


def _conan(name: str, version: str, path: str, purl: str, **kw: object) -> Package:
    return p(Ecosystem.CONAN, "conan/conan-lock", name, version, path, purl, **kw)  # type: ignore[arg-type]


def test_conan() -> None:
    f = "v1-user-channel.lock"
    got, _ = extract(CONAN, FIX / "conan-lock" / f)
    assert got == [
        _conan("pkga", "0.0.1", f, "pkg:conan/pkga@0.0.1", direct=True, deps=("pkgb@system",)),
        _conan("pkgb", "system", f, "pkg:conan/pkgb@system", direct=False),
        _conan("pkgc", "0.1.1", f, "pkg:conan/pkgc@0.1.1?channel=testing&user=user", direct=True),
    ]
    f = "v1-revisions.lock"
    got, _ = extract(CONAN, FIX / "conan-lock" / f)
    assert got == [
        _conan(
            "openssl",
            "3.0.3",
            f,
            "pkg:conan/openssl@3.0.3",
            direct=True,
            deps=("zlib@1.2.12",),
            revision="288ab73765e69844899535609ee0dfe4",
        ),
        _conan(
            "zlib",
            "1.2.12",
            f,
            "pkg:conan/zlib@1.2.12",
            direct=False,
            revision="b76db676bd992afa93dd18a675323942",
        ),
    ]
    f = "v2.lock"
    got, _ = extract(CONAN, FIX / "conan-lock" / f)
    assert got == [
        _conan(
            "sound32",
            "1.0",
            f,
            "pkg:conan/sound32@1.0",
            dev=False,
            revision="83d4b7bf607b3b60a6546f8b58b5cdd7",
        ),
        _conan(
            "matrix", "1.3", f, "pkg:conan/matrix@1.3", dev=False, revision="905c3f0babc520684c84127378fefdd0"
        ),
        _conan(
            "automake",
            "1.16.5",
            f,
            "pkg:conan/automake@1.16.5",
            dev=True,
            kind="build_requires",
            revision="058bda3e21c36c9aa8425daf3c1faf50",
        ),
        _conan(
            "autoconf",
            "2.71",
            f,
            "pkg:conan/autoconf@2.71",
            dev=True,
            kind="build_requires",
            revision="00a1e46d8ba5baaf7f10d64c1a6a0342",
        ),
    ]
    with pytest.raises(ExtractError, match="'wrong/ref/format' is not NAME/VERSION"):
        extract(CONAN, FIX / "conan-lock" / "bad-ref.lock")


def test_mix_lock() -> None:
    f = "happy.lock"
    got, _ = extract(MIX, FIX / "mix-lock" / f)

    def hexp(name: str, version: str, deps: tuple[str, ...] = ()) -> Package:
        return p(Ecosystem.HEX, "hex/mix-lock", name, version, f, f"pkg:hex/{name}@{version}", deps=deps)

    assert got == [
        hexp("bunt", "0.2.0"),
        hexp("credo", "1.6.6", ("bunt", "file_system", "jason")),
        hexp("file_system", "0.2.10"),
        hexp("jason", "1.3.0", ("decimal",)),
        p(
            Ecosystem.HEX,
            "hex/mix-lock",
            "esaml",
            "",
            f,
            "pkg:hex/esaml",
            git="https://github.com/firezone/esaml.git",
            revision="4294a3ac5262582144e117c10a1537287b6c1fe8",
        ),
    ]
    assert extract(MIX, FIX / "mix-lock" / "empty.lock")[0] == []


@pytest.mark.parametrize(
    ("ex", "text", "message"),
    [
        (PUB, "packages:\n  a: {source: hosted}\n", "has no version string"),
        (SWIFT, '{"version": 9}', "is not 1, 2 or 3"),
        (SWIFT, '{"version": 2, "pins": [{"state": {}}]}', "has no repository location"),
        (CONAN, '{"something": 1}', "neither a Conan 1 graph lock"),
        (CONAN, '{"requires": [1]}', "not a list of references"),
        (MIX, "not elixir", "expected an Elixir map"),
        (MIX, '%{\n  "x": {:weird, 1},\n}\n', ":2: unrecognised mix.lock entry"),
    ],
)
def test_bad_input(tmp_path: Path, ex: Extractor, text: str, message: str) -> None:
    (tmp_path / "f").write_text(text)
    with pytest.raises(ExtractError, match=message):
        extract(ex, tmp_path / "f")


@pytest.mark.parametrize(
    ("ex", "path", "wanted"),
    [
        (PUB, "app/pubspec.lock", True),
        (PUB, "pubspec.yaml", False),
        (SWIFT, "Package.resolved", True),
        (SWIFT, "App.xcodeproj/project.xcworkspace/xcshareddata/swiftpm/Package.resolved", True),
        (SWIFT, "Package.swift", False),
        (CONAN, "conan.lock", True),
        (CONAN, "conanfile.txt", False),
        (MIX, "mix.lock", True),
        (MIX, "mix.exs", False),
    ],
)
def test_wants(ex: Extractor, path: str, wanted: bool) -> None:
    assert ex.wants(FileRef(path, size=10)) is wanted


@pytest.mark.skipif(not SHARED_PARSER.is_dir(), reason="shared fixtures absent")
def test_shared_corpus() -> None:
    cases: list[tuple[Extractor, str]] = [
        (PUB, "dart/pub"),
        (SWIFT, "swift/swift"),
        (CONAN, "c/conan"),
        (MIX, "hex/mix"),
    ]
    for ex, folder in cases:
        for path in sorted((SHARED_PARSER / folder / "testdata").iterdir()):
            if path.name.startswith(("broken", "sad")):
                with pytest.raises(ExtractError):
                    extract(ex, path)
            elif path.name.startswith("empty"):
                assert extract(ex, path)[0] == [], path
            else:
                assert extract(ex, path)[0], path
