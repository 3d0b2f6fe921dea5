"""dpkg version comparison, against dpkg's own test suites and dpkg --compare-versions."""

from __future__ import annotations

import pytest

from bastion.versions import Dpkg, InvalidVersion

from .conftest import Relation, check_relation, check_total_order, corpus_params

SCHEME = Dpkg()


@pytest.mark.parametrize("rel", corpus_params("dpkg") + corpus_params("dpkg-generated"))
def test_corpus(rel: Relation) -> None:
    check_relation(SCHEME, rel)


@pytest.mark.parametrize("name", ["dpkg", "dpkg-generated"])
def test_corpus_is_a_total_order(name: str) -> None:
    check_total_order(SCHEME, name)


@pytest.mark.parametrize(
    "text",
    [
        # lib/dpkg/t/t-version.c test_version_parse: errors
        "",
        "  ",
        "0:",
        "0:0 0-1",
        "-1:0-1",
        "999999999999999999999999:0-1",
        "a:0-0",
        "A:0-0",
        "-0",
        "0:-0",
        # dpkg 1.21 errors on an empty revision (scripts/t/Dpkg_Version.t still lists these as valid)
        "0foo-",
        "0:0-",
        "-0.6.5",
        # characters Debian Policy forbids (dpkg itself only warns)
        *(f"0:0{c}-0" for c in "!#@$%&/|\\<>()[]{};,_=*^'"),
        *(f"0:0-0{c}" for c in "!#@$%&/|\\<>()[]{}:;,_=*^'"),
    ],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion):
        SCHEME.parse(text)


@pytest.mark.parametrize("text", ["  \t0:0-1", "0:0-1\t  ", "\t  0:0-1  \t"])
def test_surrounding_whitespace_is_ignored(text: str) -> None:
    # t-version.c: "Test version with leading and trailing spaces."
    assert SCHEME.parse(text) == SCHEME.parse("0:0-1")


def test_upstream_not_starting_with_a_digit_is_accepted() -> None:
    # dpkg only warns ("version number does not start with digit") and compares it anyway.
    assert SCHEME.parse("0:abc3-0") < SCHEME.parse("0:abd-0")
