"""PEP 440 (PyPI) via packaging, against packaging's own tests/test_version.py."""

from __future__ import annotations

import pytest

from bastion.versions import InvalidVersion, Pep440

from .conftest import Relation, check_relation, check_total_order, corpus_params

SCHEME = Pep440()


@pytest.mark.parametrize("rel", corpus_params("pep440"))
def test_corpus(rel: Relation) -> None:
    check_relation(SCHEME, rel)


def test_corpus_is_a_total_order() -> None:
    check_total_order(SCHEME, "pep440")


@pytest.mark.parametrize(
    "text",
    [
        # packaging tests/test_version.py test_invalid_versions
        "french toast",
        "1.0+a+",
        "1.0++",
        "1.0+_foobar",
        "1.0+foo&asd",
        "1.0+1+1",
        "1. 0",
        "1 .0",
        "1. 0a1",
        "1 .0a1",
        "1.0 a1",
        "1.0a 1",
        "٠١٢.٣٤٥.٦٧٨٩",
        ".",
        "..",
        "1..0",
        "1.0.",
        ".1.0",
        "1..2.3",
        "1.0+\u0130",
        "lolwat",
        # legacy versions found in OSV PyPI data; pip rejects them and so does bastion
        "0.3m1",
        "0.7.4.svn.r2010",
        "2013-01-21T20:33:09+0100",
        "2019-09-12",
        "0.2.0-n653",
        "trunk",
        "",
    ],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion):
        SCHEME.parse(text)


@pytest.mark.parametrize("text", ["   v1.0\t\n", "\N{NARROW NO-BREAK SPACE}1.0\t\N{PARAGRAPH SEPARATOR}\n "])
def test_surrounding_whitespace_is_ignored(text: str) -> None:
    # test_normalized_versions: "Various other normalizations" and "Non-ASCII whitespace"
    assert SCHEME.parse(text) == SCHEME.parse("1.0")
