"""npm (node-semver) ordering: SemVer 2.0.0 with node-semver's v/= prefixes and limits."""

from __future__ import annotations

import pytest

from bastion.versions import InvalidVersion, NpmSemVer

from .conftest import Relation, check_relation, check_total_order, corpus_params

SCHEME = NpmSemVer()


@pytest.mark.parametrize("rel", corpus_params("npm") + corpus_params("npm-generated"))
def test_corpus(rel: Relation) -> None:
    check_relation(SCHEME, rel)


@pytest.mark.parametrize("name", ["npm", "npm-generated"])
def test_corpus_is_a_total_order(name: str) -> None:
    check_total_order(SCHEME, name)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        # node-semver test/fixtures/equality.js entries with whitespace (not expressible in npm.txt)
        ("1.2.3", "v 1.2.3"),
        ("1.2.3", "= 1.2.3"),
        ("1.2.3", " v1.2.3"),
        ("1.2.3", " =1.2.3"),
        ("1.2.3", " v 1.2.3"),
        ("1.2.3", " = 1.2.3"),
        ("1.2.3-0", "v 1.2.3-0"),
        ("1.2.3-0", "= 1.2.3-0"),
        ("1.2.3-0", " v1.2.3-0"),
        ("1.2.3-0", " =1.2.3-0"),
        ("1.2.3-0", " v 1.2.3-0"),
        ("1.2.3-0", " = 1.2.3-0"),
        ("1.2.3-1", "v 1.2.3-1"),
        ("1.2.3-1", "= 1.2.3-1"),
        ("1.2.3-1", " v1.2.3-1"),
        ("1.2.3-1", " =1.2.3-1"),
        ("1.2.3-1", " v 1.2.3-1"),
        ("1.2.3-1", " = 1.2.3-1"),
        ("1.2.3-beta", "v 1.2.3-beta"),
        ("1.2.3-beta", "= 1.2.3-beta"),
        ("1.2.3-beta", " v1.2.3-beta"),
        ("1.2.3-beta", " =1.2.3-beta"),
        ("1.2.3-beta", " v 1.2.3-beta"),
        ("1.2.3-beta", " = 1.2.3-beta"),
        ("1.2.3-beta+build", " = 1.2.3-beta+otherbuild"),
        ("1.2.3+build", " = 1.2.3+otherbuild"),
        ("  v1.2.3+build", "1.2.3+otherbuild"),
    ],
)
def test_equality_with_whitespace(left: str, right: str) -> None:
    assert SCHEME.parse(left) == SCHEME.parse(right)


MAX_SAFE_INTEGER = 2**53 - 1


@pytest.mark.parametrize(
    "text",
    [
        # node-semver test/fixtures/invalid-versions.js
        "1" * 255 + ".0.0",  # too long (MAX_LENGTH 256)
        f"{MAX_SAFE_INTEGER}0.0.0",  # too big
        f"0.{MAX_SAFE_INTEGER}0.0",
        f"0.0.{MAX_SAFE_INTEGER}0",
        "hello, world",
        "xyz",
        # forms only node-semver's loose mode accepts; bastion accepts the v/= prefix only
        "1.2",
        "01.2.3",
        "1.2.3beta",
        "1.2.3-01",
        "",
    ],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion):
        SCHEME.parse(text)


def test_max_safe_integer_is_accepted() -> None:
    assert SCHEME.parse(f"{MAX_SAFE_INTEGER}.0.0") > SCHEME.parse("1.0.0")
