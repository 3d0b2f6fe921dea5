"""The engine: both matchers agree, chunk boundaries lose nothing, hostile input stays bounded."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bastion.detectors.secrets.engine import (
    CHUNK_SIZE,
    HyperscanMatcher,
    RegexMatcher,
    SecretScanner,
)
from bastion.detectors.secrets.rules import RuleSet, builtin_rules, parse_rules
from tests.fixtures.secrets.generate import SPECS, Gen, crc_token, render_assignment


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet(builtin_rules())


@pytest.fixture(scope="module", params=["hyperscan", "re"])
def scanner(
    request: pytest.FixtureRequest, rules: RuleSet, tmp_path_factory: pytest.TempPathFactory
) -> SecretScanner:
    if request.param == "hyperscan":
        matcher = HyperscanMatcher(rules, cache_dir=tmp_path_factory.mktemp("hs"))
    else:
        matcher = RegexMatcher(rules)
    return SecretScanner(rules, matcher)


def _ids(scanner: SecretScanner, data: bytes, path: str = "app/settings.py") -> list[tuple[str, int]]:
    return [(c.rule.id, c.line) for c in scanner.scan(data, path)]


def test_both_matchers_find_the_same_in_every_token_format(rules: RuleSet, tmp_path: Path) -> None:
    g = Gen(11)
    lines = []
    for _rule, spec in sorted(SPECS.items()):
        value = spec.make(g)
        if spec.render is not None:
            lines.extend(spec.render(value, 0))
        else:
            key = spec.keys[0] if spec.keys else "CLIENT_CREDENTIAL"
            lines.append(render_assignment("py", key, value))
    data = "\n".join(lines).encode()
    hs = SecretScanner(rules, HyperscanMatcher(rules, cache_dir=tmp_path))
    rx = SecretScanner(rules, RegexMatcher(rules))
    got_hs = [(c.rule.id, c.line, c.secret) for c in hs.scan(data, "a.py")]
    got_rx = [(c.rule.id, c.line, c.secret) for c in rx.scan(data, "a.py")]
    assert got_hs == got_rx
    assert len(got_hs) >= len(SPECS) - 5


def test_secret_straddling_a_chunk_boundary(scanner: SecretScanner) -> None:
    tok = crc_token("ghp_", Gen(3))
    head = b"a = 1\n" * ((CHUNK_SIZE - 100) // 6)
    head += b"#" * (CHUNK_SIZE - 20 - len(b'T = "') - len(head) - 1) + b"\n"
    data = head + f'T = "{tok}"\n'.encode() + b"y = 2\n" * 1000
    assert data.index(tok.encode()) == CHUNK_SIZE - 20  # starts in the first chunk, ends in the second
    found = [c for c in scanner.scan(data, "big.py") if c.rule.id == "github-pat"]
    assert len(found) == 1
    assert found[0].secret == tok.encode()
    assert found[0].line == data[: found[0].start].count(b"\n") + 1


def test_one_secret_per_overlap_region_is_reported_once(scanner: SecretScanner) -> None:
    g = Gen(4)
    toks = [crc_token("ghp_", g) for _ in range(3)]
    data = b"".join(f'T{i} = "{t}"\n'.encode() for i, t in enumerate(toks)) * 2
    found = [c.secret for c in scanner.scan(data, "x.py") if c.rule.id == "github-pat"]
    assert sorted(found) == sorted(t.encode() for t in toks * 2)


@pytest.mark.parametrize(
    "payload",
    [
        b"password=" * 400_000,  # keyword everywhere, no value
        b"a" * 8_000_000,  # one very long line
        b'"token": "' + b"A" * 3_000_000 + b'"',  # a value far too long for any rule
        b"-----BEGIN RSA PRIVATE KEY-----" * 50_000,  # headers, never a body
        b"eyJ" * 1_000_000,  # JWT prefixes without dots
    ],
)
def test_hostile_input_is_bounded(scanner: SecretScanner, payload: bytes) -> None:
    t = time.perf_counter()
    scanner.scan(payload, "hostile.txt")
    assert time.perf_counter() - t < 20


def test_aws_pairing_needs_the_key_id_nearby(scanner: SecretScanner) -> None:
    g = Gen(5)
    secret = g.aws_secret()
    paired = f"id,key\nAKIA{g.b32(16)},{secret}\n".encode()
    assert ("aws-secret-access-key-paired", 2) in _ids(scanner, paired, "keys.csv")
    far = f"AKIA{g.b32(16)}\n" + "\n" * 20 + f"value,{secret}\n"
    assert "aws-secret-access-key-paired" not in {i for i, _ in _ids(scanner, far.encode(), "keys.csv")}


def test_specific_rule_wins_over_generic(scanner: SecretScanner) -> None:
    tok = crc_token("ghp_", Gen(6))
    got = _ids(scanner, f'api_token = "{tok}"\n'.encode())
    assert got == [("github-pat", 1)]


def test_checksum_mismatch_is_kept_as_doubtful_and_never_generic(scanner: SecretScanner) -> None:
    good = crc_token("ghp_", Gen(12))
    bad = good[:-6] + ("000000" if good[-6:] != "000000" else "111111")  # right shape, wrong checksum
    cands = scanner.scan(f'api_token = "{bad}"\n'.encode(), "a.py")
    assert [(c.rule.id, c.note) for c in cands] == [("github-pat", "checksum")]
    assert [(c.rule.id, c.note) for c in scanner.scan(f'api_token = "{good}"\n'.encode(), "a.py")] == [
        ("github-pat", None)
    ]


def test_inline_ignore_is_reported_as_such(scanner: SecretScanner) -> None:
    tok = crc_token("ghp_", Gen(8))
    cands = scanner.scan(
        f'T = "{tok}"  # bastion:ignore\nU = "{crc_token("ghp_", Gen(9))}"\n'.encode(), "a.py"
    )
    assert [(c.line, c.inline_ignored) for c in cands] == [(1, True), (2, False)]


def test_path_restricted_rule(rules: RuleSet) -> None:
    sc = SecretScanner(rules, RegexMatcher(rules))
    xml = b'<add key="ClearTextPassword" value="Xk9#pl2Qz!mW" />'
    assert any(c.rule.id == "nuget-config-password" for c in sc.scan(xml, "src/NuGet.Config"))
    assert not any(c.rule.id == "nuget-config-password" for c in sc.scan(xml, "src/other.xml"))


def test_custom_rule_with_keywords_outside_the_match() -> None:
    import yaml

    doc = yaml.safe_load(
        "rules: [{id: acme-id, regex: 'ID-(?P<secret>[0-9]{8})', keywords: [acmecorp], keywords_in_match: false}]"
    )
    rs = RuleSet(parse_rules(doc, "custom:x"))
    for matcher in (RegexMatcher(rs),):
        sc = SecretScanner(rs, matcher)
        assert [c.secret for c in sc.scan(b"# acmecorp service\nkey: ID-12345678\n", "a.yaml")] == [
            b"12345678"
        ]
        assert sc.scan(b"key: ID-12345678\n", "a.yaml") == []
