"""Go module and toolchain versions, against x/mod/semver, x/vuln and the OSV Go data."""

from __future__ import annotations

import pytest

from bastion.versions import GoVersion, InvalidVersion

from .conftest import Relation, check_relation, check_total_order, corpus_params

SCHEME = GoVersion()


@pytest.mark.parametrize("rel", corpus_params("go") + corpus_params("go-generated"))
def test_corpus(rel: Relation) -> None:
    check_relation(SCHEME, rel)


@pytest.mark.parametrize("name", ["go", "go-generated"])
def test_corpus_is_a_total_order(name: str) -> None:
    check_total_order(SCHEME, name)


@pytest.mark.parametrize(
    "text",
    [
        # x/mod/semver semver_test.go: the entries Canonical() maps to ""
        "bad",
        "v1-alpha.beta.gamma",
        "v1-pre",
        "v1+meta",
        "v1-pre+meta",
        "v1.2-pre",
        "v1.2+meta",
        "v1.2-pre+meta",
        # leading zeros, malformed pre-releases, toolchain spellings Go never produces
        "",
        "v01.2.3",
        "v1.02.3",
        "v1.2.3-01",
        "v1.2.3-",
        "3.1.06",
        "go1.0",
        "go1.21.0rc1x",
        "go1.21rc01",
        "gov1.2.3",
        "V1.2.3",
        "devel go1.22-abcdef",
    ],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion):
        SCHEME.parse(text)
