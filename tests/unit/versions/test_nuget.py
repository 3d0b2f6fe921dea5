"""NuGetVersion comparison, against NuGet.Client's NuGet.Versioning tests."""

from __future__ import annotations

import pytest

from bastion.versions import InvalidVersion, NuGet

from .conftest import Relation, check_relation, check_total_order, corpus_params

SCHEME = NuGet()


@pytest.mark.parametrize("rel", corpus_params("nuget"))
def test_corpus(rel: Relation) -> None:
    check_relation(SCHEME, rel)


def test_corpus_is_a_total_order() -> None:
    check_total_order(SCHEME, "nuget")


@pytest.mark.parametrize(
    "text",
    [
        # NuGetVersionTest.ParseThrowsIfStringIsNullOrEmpty / ParseThrowsIfStringIsNotAValidSemVer
        "",
        "1beta",
        "$version$",
        "1.2Av^c",
        "1.2..",
        "1.2.3.4.5",
        "1.2.3.Beta",
        "1.2.3.4This version is full of awesomeness!!",
        "So.is.this",
        "1.34.2Alpha",
        "1.34.2Release Candidate",
        "1.4.7-",
        "1.4.7-*",
        "1.4.7+*",
        "1.4.7-AA.01^",
        "1.4.7-AA.0A^",
        "1.4.7-A^A",
        "1.4.7+AA.01^",
        # numbers must fit an Int32; numeric labels have no leading zeros
        "2147483648.0.0",
        "1.0.0-01",
    ],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion):
        SCHEME.parse(text)


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        # ParseIgnoresLeadingAndTrailingWhitespace, SemVerEqualsOperatorWorks
        ("  1.022-Beta", "1.22.0.0-Beta"),
        ("23.2.3-Alpha  ", "23.2.3.0-Alpha"),
        ("    1.3.42.10133-PreRelease  ", "1.3.42.10133-PreRelease"),
        ("22.3.07     ", "22.3.07"),
    ],
)
def test_surrounding_whitespace_is_ignored(text: str, same_as: str) -> None:
    assert SCHEME.parse(text) == SCHEME.parse(same_as)
