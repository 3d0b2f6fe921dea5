"""Composer normalisation and PHP version_compare, against composer/semver and php-src tests."""

from __future__ import annotations

import pytest

from bastion.versions import Composer, InvalidVersion
from bastion.versions.composer import composer_key, normalize, php_version_compare

from .conftest import Relation, check_relation, check_total_order, corpus_params, load_corpus

SCHEME = Composer()


@pytest.mark.parametrize("rel", corpus_params("composer"))
def test_corpus(rel: Relation) -> None:
    check_relation(SCHEME, rel)


def test_corpus_is_a_total_order() -> None:
    check_total_order(SCHEME, "composer")


@pytest.mark.parametrize("rel", corpus_params("php-version-compare-generated"))
def test_php_version_compare(rel: Relation) -> None:
    # Raw version_compare() on arbitrary strings (not a total order in PHP, so compared directly).
    assert php_version_compare(rel.left, rel.right) == rel.expected
    assert php_version_compare(rel.right, rel.left) == -rel.expected


def test_php_src_phpt_vectors_on_raw_strings() -> None:
    # The version_compare.phpt block of composer.txt holds for the raw strings too.
    phpt = [r for r in load_corpus("composer") if r.lineno <= 66]
    assert len(phpt) == 53
    for rel in phpt:
        assert php_version_compare(rel.left, rel.right) == rel.expected, rel


def test_php_trailing_separator_quirk() -> None:
    # version_compare.phpt (at the stored commit) expects "1.2(message) = 1.2(message)", but PHP 8.2
    # answers -1, in both directions: the canonical form "1.2.(message." ends with a separator and
    # the C code then compares the empty rest with "#N#". We follow PHP as it runs.
    assert php_version_compare("1.2(message)", "1.2(message)") == -1
    assert php_version_compare("1.2.", "1.2") == -1
    assert php_version_compare("1.2", "1.2.") == 1


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        # composer/semver tests/VersionParserTest.php successfulNormalizedVersions (semver 3.x)
        ("1.0.0", "1.0.0.0"),
        ("1.2.3.4", "1.2.3.4"),
        ("1.0.0RC1dev", "1.0.0.0-RC1-dev"),
        ("1.0.0-rC15-dev", "1.0.0.0-RC15-dev"),
        ("1.0.0.RC.15-dev", "1.0.0.0-RC15-dev"),
        ("1.0.0-rc1", "1.0.0.0-RC1"),
        ("1.0.0.pl3-dev", "1.0.0.0-patch3-dev"),
        ("1.0-dev", "1.0.0.0-dev"),
        ("0", "0.0.0.0"),
        ("10.4.13-beta", "10.4.13.0-beta"),
        ("10.4.13beta2", "10.4.13.0-beta2"),
        ("10.4.13beta.2", "10.4.13.0-beta2"),
        ("10.4.13-b", "10.4.13.0-beta"),
        ("10.4.13-b5", "10.4.13.0-beta5"),
        ("v1.0.0", "1.0.0.0"),
        ("2010.01", "2010.01.0.0"),
        ("2010.01.02", "2010.01.02.0"),
        ("2010.1.555", "2010.1.555.0"),
        ("2010.10.200", "2010.10.200.0"),
        ("v20100102", "20100102"),
        ("2010-01-02", "2010.01.02"),
        ("2010-01-02.5", "2010.01.02.5"),
        ("20100102-203040", "20100102.203040"),
        ("20150920.0.0", "20150920.0.0"),
        ("20100102203040-10", "20100102203040.10"),
        ("20100102-203040-p1", "20100102.203040-patch1"),
        ("1.x-dev", "1.9999999.9999999.9999999-dev"),
        ("dev-feature-foo", "dev-feature-foo"),
        ("DEV-FOOBAR", "dev-FOOBAR"),
        ("dev-feature/foo", "dev-feature/foo"),
        ("dev-feature+issue-1", "dev-feature+issue-1"),
        ("1.0.0-beta.5+foo", "1.0.0.0-beta5"),
        ("1.0.0+foo", "1.0.0.0"),
        ("1.0.0-alpha.3.1+foo", "1.0.0.0-alpha3.1"),
        ("1.0.0-alpha2.1+foo", "1.0.0.0-alpha2.1"),
        ("1.0.0-alpha-2.1-3+foo", "1.0.0.0-alpha2.1-3"),
        ("1.0.0+foo as 2.0", "1.0.0.0"),
        # semver 3.x: master/trunk/default are dev branches
        ("dev-master", "dev-master"),
        ("master", "dev-master"),
        ("1.0@dev", "1.0.0.0"),
    ],
)
def test_normalize(text: str, normalized: str) -> None:
    assert normalize(text) == normalized


@pytest.mark.parametrize(
    "text",
    [
        # VersionParserTest failingNormalizedVersions
        "",
        "a",
        "1.0.0-meh",
        "1.0.0.0.0",
        "feature-foo",
        "1.0.0+foo bar",
        # dev branches normalise, but Composer never orders them
        "dev-master",
        "dev-feature/foo",
        "master",
    ],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion):
        SCHEME.parse(text)


def test_keys_agree_with_version_compare() -> None:
    # composer_key is a tuple encoding of version_compare on normalised versions: check every pair
    # of normalised versions from the corpus against the literal port of the C function.
    versions = sorted({normalize(v) for r in load_corpus("composer") for v in (r.left, r.right)})
    for a in versions:
        for b in versions:
            ka, kb = composer_key(a), composer_key(b)
            assert (ka > kb) - (ka < kb) == php_version_compare(a, b), (a, b)
