"""Shared helpers for the version-scheme corpus tests.

A corpus is ``tests/fixtures/versions/<scheme>.txt``: one relation per line, ``a < b``, ``a = b`` or
``a > b`` (versions must not contain spaces), ``#`` starts a comment. Each line becomes one test case
whose id is the line itself, and every case checks the relation in both directions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bastion.versions.base import VersionScheme, compare

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "versions"

_EXPECTED = {"<": -1, "=": 0, ">": 1}


@dataclass(frozen=True)
class Relation:
    left: str
    op: str
    right: str
    lineno: int

    @property
    def expected(self) -> int:
        return _EXPECTED[self.op]


def load_corpus(name: str) -> list[Relation]:
    """Parse ``tests/fixtures/versions/<name>.txt`` into relations."""
    relations: list[Relation] = []
    path = FIXTURES / f"{name}.txt"
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 3 or parts[1] not in _EXPECTED:
            raise ValueError(f"{path}:{lineno}: expected 'A < B', 'A = B' or 'A > B', got {raw!r}")
        relations.append(Relation(parts[0], parts[1], parts[2], lineno))
    if not relations:
        raise ValueError(f"{path}: no relations")
    return relations


def corpus_params(name: str) -> list[object]:
    """``pytest.param`` per relation, with the line as the test id."""
    return [pytest.param(r, id=f"{name}:{r.lineno}:{r.left} {r.op} {r.right}") for r in load_corpus(name)]


def check_relation(scheme: VersionScheme, rel: Relation) -> None:
    """Assert ``rel`` holds in both directions, with consistent ``<``, ``>``, ``==``, ``<=`` and ``>=``."""
    a, b = scheme.parse(rel.left), scheme.parse(rel.right)
    assert compare(scheme, rel.left, rel.right) == rel.expected, f"{rel.left} {rel.op} {rel.right}"
    assert compare(scheme, rel.right, rel.left) == -rel.expected, f"antisymmetry: {rel.right} vs {rel.left}"
    assert (a < b) == (rel.expected < 0)
    assert (b < a) == (rel.expected > 0)
    assert (a == b) == (rel.expected == 0)
    assert (b == a) == (rel.expected == 0)
    assert (a <= b) == (rel.expected <= 0)
    assert (a >= b) == (rel.expected >= 0)
    # Keys are deterministic: parsing again gives an equal key.
    assert scheme.parse(rel.left) == a


def check_total_order(scheme: VersionScheme, name: str, exclude: frozenset[str] = frozenset()) -> None:
    """Sorting every version of the corpus must agree with every relation in it (transitivity).

    ``exclude`` drops relations that mention the given versions, for schemes whose upstream order is
    known not to be transitive on them (each caller says why).
    """
    relations = [r for r in load_corpus(name) if r.left not in exclude and r.right not in exclude]
    versions = sorted({v for r in relations for v in (r.left, r.right)}, key=scheme.parse)
    rank: dict[str, int] = {}
    previous = None
    position = -1
    for v in versions:
        key = scheme.parse(v)
        if previous is None or previous < key:
            position += 1
        rank[v] = position
        previous = key
    for r in relations:
        got = (rank[r.left] > rank[r.right]) - (rank[r.left] < rank[r.right])
        assert got == r.expected, f"sorted order disagrees with line {r.lineno}: {r.left} {r.op} {r.right}"
