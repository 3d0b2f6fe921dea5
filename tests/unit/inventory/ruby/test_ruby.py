"""Gemfile.lock and installed gemspecs (Trivy's fixtures; values agree with its parse_test.go)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.errors import ExtractError
from bastion.inventory.ruby.gemfile_lock import GemfileLockExtractor
from bastion.inventory.ruby.gemspec import GemspecExtractor
from bastion.model import Ecosystem, FileRef, Location, Package
from tests._support.lang_inventory import LOCKFILES, SHARED_PARSER, extract

LOCK, SPEC = GemfileLockExtractor(), GemspecExtractor()
FIX = LOCKFILES / "ruby"


def gem(
    name: str,
    version: str,
    path: str,
    direct: bool | None = None,
    deps: tuple[str, ...] = (),
    *,
    found_by: str = "ruby/gemfile-lock",
    licenses: tuple[str, ...] = (),
    purl: str | None = None,
    **meta: str,
) -> Package:
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.RUBYGEMS,
        purl=purl or f"pkg:gem/{name}@{version}",
        locations=(Location(path),),
        found_by=found_by,
        direct=direct,
        dependencies=deps,
        licenses=licenses,
        metadata=meta,
    )


def test_bundler1_fixture() -> None:
    got, _ = extract(LOCK, FIX / "gemfile-lock" / "bundler1.lock")
    f = "bundler1.lock"
    assert got == [
        gem("coderay", "1.1.2", f, False),
        gem("concurrent-ruby", "1.1.5", f, False),
        gem("dotenv", "2.7.2", f, True),
        gem("faker", "1.9.3", f, True, ("i18n",)),
        gem("i18n", "1.6.0", f, False, ("concurrent-ruby",)),
        gem("method_source", "0.9.2", f, False),
        gem("pry", "0.12.2", f, True, ("coderay", "method_source")),
    ]


GIT_PATH_PLATFORM = """GIT
  remote: https://github.com/rails/rails.git
  revision: 0123abcd
  branch: main
  specs:
    rails (7.1.0.alpha)
      actionpack (= 7.1.0.alpha)
    actionpack (7.1.0.alpha)

PATH
  remote: engines/billing
  specs:
    billing (0.1.0)
      rails

GEM
  remote: https://rubygems.org/
  specs:
    nokogiri (1.13.10-x86_64-linux)
      racc (~> 1.4)
    nokogiri (1.13.10-arm64-darwin)
      racc (~> 1.4)
    racc (1.6.2)

PLATFORMS
  arm64-darwin
  x86_64-linux

DEPENDENCIES
  billing!
  nokogiri
  rails!

BUNDLED WITH
   2.4.10
"""


def test_git_path_and_platforms(tmp_path: Path) -> None:
    (tmp_path / "Gemfile.lock").write_text(GIT_PATH_PLATFORM)
    got, _ = extract(LOCK, tmp_path / "Gemfile.lock")
    f, git = "Gemfile.lock", "git:https://github.com/rails/rails.git@0123abcd"
    assert got == [
        gem("rails", "7.1.0.alpha", f, True, ("actionpack",), source=git),
        gem("actionpack", "7.1.0.alpha", f, False, source=git),
        gem("billing", "0.1.0", f, True, ("rails",), source="path:engines/billing"),
        gem(
            "nokogiri",
            "1.13.10",
            f,
            True,
            ("racc",),
            purl="pkg:gem/nokogiri@1.13.10?platform=x86_64-linux",
            platform="x86_64-linux",
        ),
        gem(
            "nokogiri",
            "1.13.10",
            f,
            True,
            ("racc",),
            purl="pkg:gem/nokogiri@1.13.10?platform=arm64-darwin",
            platform="arm64-darwin",
        ),
        gem("racc", "1.6.2", f, False),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("malformed\n", "not a Gemfile.lock"),
        ("GEM\n  specs:\n    broken-line\n", ":3: expected '    NAME \\(VERSION\\)'"),
        ("GEM\n  specs:\n      orphan (1.0)\n", "dependency line outside a spec"),
    ],
)
def test_lock_bad_input(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "Gemfile.lock").write_text(text)
    with pytest.raises(ExtractError, match=message):
        extract(LOCK, tmp_path / "Gemfile.lock")


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("normal00.gemspec", ("rake", "13.0.3", ("MIT",))),
        (
            "normal01.gemspec",
            ("async", "1.25.0", ()),
        ),  # `licenses = "MIT"` is not an array: ignored, as Trivy does
        ("license.gemspec", ("async", "1.25.0", ("MIT",))),
        ("multiple_licenses.gemspec", ("test-unit", "3.3.7", ("Ruby", "BSDL", "PSFL"))),
    ],
)
def test_gemspecs(file: str, expected: tuple[str, str, tuple[str, ...]]) -> None:
    got, _ = extract(SPEC, FIX / "gemspec" / file)
    name, version, licenses = expected
    assert got == [gem(name, version, file, found_by="ruby/gemspec", licenses=licenses)]


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("malformed00.gemspec", "no name and version assigned to 'spec'"),
        ("malformed01.gemspec", "no version assigned to 's'"),
    ],
)
def test_gemspec_malformed(file: str, message: str) -> None:
    with pytest.raises(ExtractError, match=message):
        extract(SPEC, FIX / "gemspec" / file)


def test_gemspec_is_never_evaluated(tmp_path: Path) -> None:
    (tmp_path / "evil.gemspec").write_text(
        'Gem::Specification.new do |s|\n  s.name = `touch /tmp/pwned`\n  s.version = "1.0"\nend\n'
    )
    with pytest.raises(ExtractError, match="no name assigned"):
        extract(SPEC, tmp_path / "evil.gemspec")


@pytest.mark.parametrize(
    ("ex", "path", "wanted"),
    [
        (LOCK, "Gemfile.lock", True),
        (LOCK, "app/gems.locked", True),
        (LOCK, "Gemfile", False),
        (SPEC, "usr/local/bundle/specifications/rake-13.0.3.gemspec", True),
        (SPEC, "var/lib/gems/3.1.0/specifications/default/json-2.6.1.gemspec", True),
        (SPEC, "myproject/myproject.gemspec", False),
    ],
)
def test_wants(ex: GemfileLockExtractor | GemspecExtractor, path: str, wanted: bool) -> None:
    assert ex.wants(FileRef(path, size=10)) is wanted


SHARED_RUBY = SHARED_PARSER / "ruby"


@pytest.mark.skipif(not SHARED_RUBY.is_dir(), reason="shared fixtures absent")
def test_shared_corpus() -> None:
    for path in sorted(SHARED_RUBY.rglob("*")):
        if not path.is_file():
            continue
        ex = LOCK if path.suffix == ".lock" else SPEC
        if "malformed" in path.name:
            with pytest.raises(ExtractError):
                extract(ex, path)
        else:
            assert extract(ex, path)[0], path
