"""Gem::Version comparison, against rubygems' test_gem_version.rb and RubyGems itself."""

from __future__ import annotations

import pytest

from bastion.versions import InvalidVersion, RubyGems

from .conftest import Relation, check_relation, check_total_order, corpus_params

SCHEME = RubyGems()


@pytest.mark.parametrize("rel", corpus_params("rubygems") + corpus_params("rubygems-generated"))
def test_corpus(rel: Relation) -> None:
    check_relation(SCHEME, rel)


@pytest.mark.parametrize("name", ["rubygems", "rubygems-generated"])
def test_corpus_is_a_total_order(name: str) -> None:
    check_total_order(SCHEME, name)


@pytest.mark.parametrize(
    "text",
    # test_initialize_bad, plus strings ANCHORED_VERSION_PATTERN rejects
    ["junk", "1.0\n2.0", "1..0", "1.0.", ".1", "1.0+build", "v1.0", "1.0-", "1_0", "-1"],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion):
        SCHEME.parse(text)


@pytest.mark.parametrize("text", ["1.0", "1.0 ", " 1.0 ", "1.0\n", "\n1.0\n"])
def test_surrounding_whitespace_is_ignored(text: str) -> None:
    # test_initialize
    assert SCHEME.parse(text) == SCHEME.parse("1.0")


@pytest.mark.parametrize("text", ["", "   "])
def test_blank_is_version_zero(text: str) -> None:
    # Gem::Version.new("") is version 0 (test_spaceship: v("") <=> v("0") == 0)
    assert SCHEME.parse(text) == SCHEME.parse("0")
