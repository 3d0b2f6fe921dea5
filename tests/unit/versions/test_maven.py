"""Maven ComparableVersion, against maven-artifact's ComparableVersionTest."""

from __future__ import annotations

import pytest

from bastion.versions import InvalidVersion, Maven

from .conftest import Relation, check_relation, check_total_order, corpus_params

SCHEME = Maven()


@pytest.mark.parametrize("rel", corpus_params("maven"))
def test_corpus(rel: Relation) -> None:
    check_relation(SCHEME, rel)


def test_corpus_is_a_total_order() -> None:
    check_total_order(SCHEME, "maven")


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
