"""composer.lock and installed.json (Trivy's composer fixture; versions and dependency edges agree with
its parse_test.go; packages-dev are kept, as dev=True)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bastion.errors import ExtractError
from bastion.inventory.php.composer import ComposerInstalledExtractor, ComposerLockExtractor
from bastion.model import Ecosystem, FileRef, Location, Package
from tests._support.lang_inventory import LOCKFILES, SHARED_PARSER, copy_fixture, extract

LOCK, INSTALLED = ComposerLockExtractor(), ComposerInstalledExtractor()
HAPPY = LOCKFILES / "php" / "composer-lock" / "happy.lock"


def pkg(
    name: str,
    version: str,
    path: str,
    *,
    dev: bool,
    deps: tuple[str, ...] = (),
    direct: bool | None = None,
    found_by: str = "php/composer-lock",
    licenses: tuple[str, ...] = ("MIT",),
    **meta: str,
) -> Package:
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.PACKAGIST,
        purl=f"pkg:composer/{name}@{version}",
        locations=(Location(path),),
        found_by=found_by,
        direct=direct,
        dev=dev,
        dependencies=deps,
        licenses=licenses,
        metadata=meta,
    )


def happy(path: str, direct: set[str] | None = None) -> list[Package]:
    d = (lambda n: None) if direct is None else (lambda n: n in direct)
    return [
        pkg(
            "guzzlehttp/guzzle",
            "6.5.8",
            path,
            dev=False,
            direct=d("guzzlehttp/guzzle"),
            deps=("guzzlehttp/promises", "guzzlehttp/psr7", "symfony/polyfill-intl-idn"),
        ),
        pkg("guzzlehttp/promises", "1.5.2", path, dev=False, direct=d("guzzlehttp/promises")),
        pkg(
            "guzzlehttp/psr7",
            "1.9.0",
            path,
            dev=False,
            direct=d("guzzlehttp/psr7"),
            deps=("psr/http-message", "ralouphie/getallheaders"),
        ),
        pkg("psr/http-message", "1.0.1", path, dev=False, direct=d("psr/http-message")),
        pkg("ralouphie/getallheaders", "3.0.3", path, dev=False, direct=d("ralouphie/getallheaders")),
        pkg(
            "symfony/polyfill-intl-idn",
            "1.27.0",
            path,
            dev=False,
            direct=d("symfony/polyfill-intl-idn"),
            deps=("symfony/polyfill-intl-normalizer", "symfony/polyfill-php72"),
        ),
        pkg(
            "symfony/polyfill-intl-normalizer",
            "1.27.0",
            path,
            dev=False,
            direct=d("symfony/polyfill-intl-normalizer"),
        ),
        pkg(
            "symfony/polyfill-php72",
            "1.27.0",
            path,
            dev=False,
            direct=d("symfony/polyfill-php72"),
            licenses=("MIT or BSD-2-Clause",),
        ),  # a plain string in this lock file, kept verbatim
        pkg("pear/log", "1.13.3", path, dev=True, direct=d("pear/log"), deps=("pear/pear_exception",)),
        pkg(
            "pear/pear_exception",
            "1.0.2",
            path,
            dev=True,
            direct=d("pear/pear_exception"),
            licenses=("BSD-2-Clause",),
        ),
    ]


def test_lock_without_manifest() -> None:
    assert extract(LOCK, HAPPY)[0] == happy("happy.lock")


def test_lock_with_manifest(tmp_path: Path) -> None:
    copy_fixture(HAPPY, tmp_path, "composer.lock")
    (tmp_path / "composer.json").write_text(
        json.dumps({"require": {"php": ">=7", "guzzlehttp/guzzle": "^6"}, "require-dev": {"pear/log": "^1"}})
    )
    got, _ = extract(LOCK, tmp_path / "composer.lock")
    assert got == happy("composer.lock", {"guzzlehttp/guzzle", "pear/log"})


def test_installed_v1_and_v2(tmp_path: Path) -> None:
    lock = json.loads(HAPPY.read_text())
    d = tmp_path / "vendor" / "composer"
    d.mkdir(parents=True)
    (d / "installed.json").write_text(json.dumps(lock["packages"] + lock["packages-dev"]))
    v1, _ = extract(INSTALLED, d / "installed.json", tmp_path)
    path = "vendor/composer/installed.json"
    expected_v1 = [
        pkg(
            p.name,
            p.version,
            path,
            dev=False,
            deps=p.dependencies,
            found_by="php/composer-installed",
            licenses=p.licenses,
        )
        for p in happy(path)
    ]
    assert v1 == expected_v1
    (d / "installed.json").write_text(
        json.dumps(
            {
                "packages": lock["packages"] + lock["packages-dev"],
                "dev": True,
                "dev-package-names": ["pear/log", "pear/pear_exception"],
            }
        )
    )
    v2, _ = extract(INSTALLED, d / "installed.json", tmp_path)
    assert v2 == [
        pkg(
            p.name,
            p.version,
            path,
            dev=bool(p.dev),
            deps=p.dependencies,
            found_by="php/composer-installed",
            licenses=p.licenses,
        )
        for p in happy(path)
    ]


def test_versions_and_branches(tmp_path: Path) -> None:
    (tmp_path / "composer.lock").write_text(
        json.dumps(
            {
                "packages": [
                    {"name": "symfony/console", "version": "v5.4.1"},
                    {
                        "name": "acme/tool",
                        "version": "dev-main",
                        "source": {"type": "git", "reference": "abc123"},
                    },
                ]
            }
        )
    )
    got, _ = extract(LOCK, tmp_path / "composer.lock")
    assert got == [
        pkg("symfony/console", "5.4.1", "composer.lock", dev=False, licenses=()),
        pkg("acme/tool", "dev-main", "composer.lock", dev=False, licenses=(), reference="abc123"),
    ]


@pytest.mark.parametrize(
    ("ex", "text", "message"),
    [
        (LOCK, "[]", "expected an object with a 'packages' list"),
        (LOCK, '{"packages": [{"name": "a"}]}', "packages\\[0\\] lacks a string name and version"),
        (LOCK, '{"packages": {}}', "'packages' is not a list"),
        (LOCK, "{", "invalid JSON"),
        (INSTALLED, '{"x": 1}', "expected a list \\(Composer 1\\)"),
    ],
)
def test_bad_input(
    tmp_path: Path, ex: ComposerLockExtractor | ComposerInstalledExtractor, text: str, message: str
) -> None:
    (tmp_path / "f.json").write_text(text)
    with pytest.raises(ExtractError, match=message):
        extract(ex, tmp_path / "f.json")


@pytest.mark.parametrize(
    ("ex", "path", "wanted"),
    [
        (LOCK, "composer.lock", True),
        (LOCK, "app/composer.json", False),
        (INSTALLED, "vendor/composer/installed.json", True),
        (INSTALLED, "node_modules/x/installed.json", False),
    ],
)
def test_wants(ex: ComposerLockExtractor | ComposerInstalledExtractor, path: str, wanted: bool) -> None:
    assert ex.wants(FileRef(path, size=10)) is wanted


SHARED_PHP = SHARED_PARSER / "php" / "composer" / "testdata"


@pytest.mark.skipif(not SHARED_PHP.is_dir(), reason="shared fixtures absent")
def test_shared_corpus() -> None:
    for path in sorted(SHARED_PHP.glob("*.lock")):
        assert extract(LOCK, path)[0], path
