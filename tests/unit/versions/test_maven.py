"""Maven ComparableVersion, against maven-artifact's ComparableVersionTest."""

from __future__ import annotations

import pytest

from bastion.versions import InvalidVersion, Maven

from .conftest import Relation, check_relation, check_total_order, corpus_params

SCHEME = Maven()


@pytest.mark.parametrize("rel", corpus_params("maven"))
def test_corpus(rel: Relation) -> None:
    check_relation(SCHEME, rel)


# ComparableVersion is not transitive where a qualifier string meets a sub-list (StringItem <
# ListItem always, while each compares with "nothing" by its qualifier). The testMng7714 and
# testMng6964 versions are such cases; Maven itself has these cycles (see test_known_cycles).
NOT_TRANSITIVE = frozenset(
    {"1.0.final-redhat", "1.0-sp1-redhat", "1.0-sp-1-redhat", "1.0-sp.1-redhat", "1-0.alpha", "1-0.beta"}
)


def test_corpus_is_a_total_order() -> None:
    check_total_order(SCHEME, "maven", exclude=NOT_TRANSITIVE)


@pytest.mark.parametrize(
    ("a", "b", "c"),
    [
        ("1-alpha1", "1", "1.0.final-redhat"),  # [1,[alpha1]] < [1] < [1,final,[redhat]] < [1,[alpha1]]
        ("1", "1-a", "1-0.alpha"),  # [1] < [1,[a]] < [1,[[alpha]]] < [1]
    ],
)
def test_known_cycles(a: str, b: str, c: str) -> None:
    # Faithful to ComparableVersion: each relation is what Maven answers, and together they cycle.
    ka, kb, kc = SCHEME.parse(a), SCHEME.parse(b), SCHEME.parse(c)
    assert ka < kb < kc
    assert kc < ka


@pytest.mark.parametrize("text", ["", "   "])
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion):
        SCHEME.parse(text)


def test_equal_versions_hash_equal() -> None:
    # ComparableVersion keys are objects; equal ones must be interchangeable in sets and dicts.
    equal = ["1", "1.0", "1.0.0", "1-0", "1ga", "1final", "1release", "1.0-ga"]
    keys = {SCHEME.parse(v) for v in equal}
    assert len(keys) == 1
    assert SCHEME.parse("1.0-sp") not in keys
