"""rpmvercmp and EVR comparison, against rpm's tests/rpmvercmp.at and rpm.labelCompare."""

from __future__ import annotations

import pytest

from bastion.versions import InvalidVersion, Rpm

from .conftest import Relation, check_relation, check_total_order, corpus_params

SCHEME = Rpm()


@pytest.mark.parametrize("rel", corpus_params("rpm") + corpus_params("rpm-generated"))
def test_corpus(rel: Relation) -> None:
    check_relation(SCHEME, rel)


@pytest.mark.parametrize("name", ["rpm", "rpm-generated"])
def test_corpus_is_a_total_order(name: str) -> None:
    check_total_order(SCHEME, name)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "1.0 1", "x:1.0-1", ":1.0-1", "-1", "1.0-", "1:2:3-4", "1.0-1:2", "1.0-1-:"],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion):
        SCHEME.parse(text)


def test_non_ascii_characters_are_separators() -> None:
    # rpmvercmp.at documents (commented out) that non-ASCII characters compare equal: rpm treats
    # every non-alphanumeric byte as a separator.
    alpha, beta = "1.1.\N{GREEK SMALL LETTER ALPHA}", "1.1.\N{GREEK SMALL LETTER BETA}"
    assert SCHEME.parse(alpha) == SCHEME.parse(beta) == SCHEME.parse("1.1")
