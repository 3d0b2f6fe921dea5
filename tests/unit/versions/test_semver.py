"""Strict SemVer 2.0.0, against semver.org, node-semver and x/mod/semver vectors."""

from __future__ import annotations

import pytest

from bastion.versions import SEMVER, InvalidVersion

from .conftest import Relation, check_relation, check_total_order, corpus_params


@pytest.mark.parametrize("rel", corpus_params("semver") + corpus_params("semver-generated"))
def test_corpus(rel: Relation) -> None:
    check_relation(SEMVER, rel)


@pytest.mark.parametrize("name", ["semver", "semver-generated"])
def test_corpus_is_a_total_order(name: str) -> None:
    check_total_order(SEMVER, name)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1",
        "1.2",
        "1.2.3.4",
        "v1.2.3",  # no prefix in strict SemVer (npm accepts it, see test_npm.py)
        "=1.2.3",
        " 1.2.3",
        "01.2.3",  # §2: no leading zeros
        "1.02.3",
        "1.2.03",
        "1.2.3-01",  # §9: numeric identifiers must not include leading zeros
        "1.2.3-",
        "1.2.3-a..b",
        "1.2.3+",
        "1.2.3+a..b",
        "1.2.3-a_b",
        "1.2.3-é",
        "1.2.3+a+b",
        "hello, world",
        "0",  # OSV's introduced "0" is a sentinel, not a SemVer version
        "\N{ARABIC-INDIC DIGIT ONE}.\N{ARABIC-INDIC DIGIT TWO}.\N{ARABIC-INDIC DIGIT THREE}",  # not ASCII digits
    ],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion):
        SEMVER.parse(text)
