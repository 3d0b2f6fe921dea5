"""apk-tools version comparison, against apk-tools' own test/version.data."""

from __future__ import annotations

import pytest

from bastion.versions import Apk, InvalidVersion

from .conftest import Relation, check_relation, check_total_order, corpus_params

SCHEME = Apk()


@pytest.mark.parametrize("rel", corpus_params("apk"))
def test_corpus(rel: Relation) -> None:
    check_relation(SCHEME, rel)


def test_corpus_is_a_total_order() -> None:
    check_total_order(SCHEME, "apk")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "23_foo",  # unknown suffix (apk-tools test/version.data)
        "1.0bc",  # two letters (apk-tools test/version.data)
        "1.0-1",  # "-" must introduce "-r"
        "1.0A",  # letters are lower-case only
        "1.0 ",
        "1.0+1",
        "1.0~rc1",
        "1.0a.1",  # after the letter only digits or a suffix may follow
        "1.0_p1.2",  # no dotted components after a suffix
        "1.0_rc1.1",
        "1.0_alpha1a",
        "1.0-r1a",
        "1.0-r1_p1",  # the revision comes last
    ],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion):
        SCHEME.parse(text)


@pytest.mark.parametrize("text", ["1.0_", "1.0-r", "1..0", "1.0-r1-r2", "v1.0"])
def test_accepted_like_apk_tools(text: str) -> None:
    # apk_version_validate() accepts these (its tokenizer allows empty numbers and a leading letter);
    # rejecting them would make packages apk installs unmatchable.
    SCHEME.parse(text)
