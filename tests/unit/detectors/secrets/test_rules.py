"""The rule table as data: shape, coverage, compilability in both engines, custom and gitleaks rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bastion.detectors.secrets.detector import build_rules
from bastion.detectors.secrets.engine import HyperscanMatcher, RegexMatcher
from bastion.detectors.secrets.rules import (
    RuleSet,
    builtin_rules,
    import_gitleaks,
    load_rule_file,
    parse_rules,
)
from bastion.detectors.secrets.settings import parse_settings
from bastion.detectors.secrets.validators import VALIDATORS
from bastion.errors import ConfigError
from bastion.model import Severity

#: Providers the issue asks for, by a rule id each must have.
REQUIRED = [
    "aws-access-key-id",
    "aws-secret-access-key",
    "aws-secret-access-key-paired",
    "gcp-service-account",
    "gcp-api-key",
    "azure-storage-account-key",
    "azure-sas-token",
    "digitalocean-pat",
    "heroku-api-key",
    "alibaba-access-key-id",
    "github-pat",
    "github-fine-grained-pat",
    "gitlab-pat",
    "bitbucket-app-password",
    "npm-access-token",
    "pypi-upload-token",
    "rubygems-api-token",
    "nuget-api-key",
    "docker-hub-pat",
    "artifactory-api-key",
    "slack-bot-token",
    "slack-webhook-url",
    "stripe-secret-key",
    "twilio-api-key",
    "sendgrid-api-key",
    "mailgun-api-key",
    "mailchimp-api-key",
    "shopify-access-token",
    "datadog-api-key",
    "new-relic-user-api-key",
    "pagerduty-api-key",
    "sentry-user-token",
    "atlassian-api-token",
    "okta-api-token",
    "vault-service-token",
    "terraform-cloud-token",
    "databricks-api-token",
    "openai-api-key",
    "anthropic-api-key",
    "huggingface-access-token",
    "private-key-rsa",
    "private-key-openssh",
    "private-key-pgp",
    "jwt",
    "credentials-in-url",
    "postgres-connection-string",
    "generic-password",
    "generic-secret",
]


def test_at_least_150_rules_with_unique_ids() -> None:
    rules = builtin_rules()
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids))
    assert len([r for r in rules if r.report]) >= 150


@pytest.mark.parametrize("rule_id", REQUIRED)
def test_required_provider_rule_exists(rule_id: str) -> None:
    assert rule_id in {r.id for r in builtin_rules()}


def test_every_rule_is_complete_data() -> None:
    for r in builtin_rules():
        assert r.title and r.severity in Severity, r.id
        assert r.validator is None or r.validator in VALIDATORS, r.id
        assert all(k == k.lower() for k in r.keywords), r.id
        if r.near is None:
            assert r.keywords, f"{r.id}: the keyword prefilter needs keywords"
        assert "secret" in re.compile(r.regex).groupindex, f"{r.id}: no secret group"


def test_every_builtin_rule_is_bounded() -> None:
    """Unbounded repetition would let one regex run over a whole file; every built-in is bounded."""
    for c in RuleSet(builtin_rules()).rules:
        assert c.max_width is not None, f"{c.id} has an unbounded repetition"
        assert c.max_width <= 70_000, c.id


def test_every_rule_compiles_for_hyperscan_without_fallback(tmp_path: Path) -> None:
    matcher = HyperscanMatcher(RuleSet(builtin_rules()), cache_dir=tmp_path)
    assert not matcher.leftover
    assert {e.rule.id for e in matcher.exprs} == {c.id for c in RuleSet(builtin_rules()).matchable}
    # the compiled database is cached on disk and reloads to the same plan
    assert list(tmp_path.glob("secrets-hs-*.db"))


def test_keywords_occur_in_every_match_of_the_regex_matcher() -> None:
    """RegexMatcher windows around keywords: it must build for every rule."""
    m = RegexMatcher(RuleSet(builtin_rules()))
    assert not m._always


CUSTOM = """
version: 1
rules:
  - id: acme-internal-token
    title: ACME internal token
    severity: critical
    token: 'acme_[a-z0-9]{32}'
    keywords: [acme_]
    entropy: 3
  - id: acme-ctx
    context: [acme_secret]
    secret: '[A-F0-9]{16}'
  - id: acme-regex
    regex: 'ACMEKEY\\((?P<secret>[0-9]{12})\\)'
    keywords: [acmekey(]
    paths: '\\.cfg$'
"""


def test_custom_rules_in_the_three_forms(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(CUSTOM)
    rules = load_rule_file(path)
    assert [r.id for r in rules] == ["acme-internal-token", "acme-ctx", "acme-regex"]
    assert rules[0].severity is Severity.CRITICAL and rules[0].keywords == ("acme_",)
    assert rules[1].keywords == ("acme_secret",)
    assert rules[2].paths == r"\.cfg$"
    assert all(r.source.startswith("custom:") for r in rules)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [{id: X, token: a}]", "lower-case identifier"),
        ("rules: [{id: x1, title: t}]", "needs 'token'"),
        ("rules: [{id: x1, token: '(', keywords: [a]}]", "does not compile"),
        ("rules: [{id: x1, token: a, keywords: [a], severity: huge}]", "unknown severity"),
        ("rules: [{id: x1, token: a, keywords: [a], colour: red}]", "unknown key"),
        ("rules: [{id: x1, context: ['a_?b'], secret: x}]", "list the literal 'keywords'"),
        ("version: 2\nrules: []", "unsupported rule file version"),
    ],
)
def test_bad_custom_rules_name_the_rule_and_problem(text: str, message: str) -> None:
    import yaml

    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_rules(yaml.safe_load(text), "custom:x.yaml")


GITLEAKS = r"""
title = "custom gitleaks config"
[[rules]]
id = "acme-key"
description = "ACME API key"
regex = '''(?i)acme[_-]?key\s*=\s*['"]?([a-z0-9]{24})'''
secretGroup = 1
keywords = ["acme"]
entropy = 2.5
[[rules.allowlists]]
regexes = ['''^0{24}$''']
stopwords = ["example"]

[[rules]]
id = "Old Style ID"
regex = '''\bOLD-[A-Z]{10}\b'''

[[rules]]
id = "pkcs12"
path = '''\.p12$'''
"""


def test_gitleaks_import(tmp_path: Path) -> None:
    rules = import_gitleaks(GITLEAKS, "gl.toml")
    assert [r.id for r in rules] == ["acme-key", "old-style-id"]  # path-only rule has no content regex
    acme = rules[0]
    assert "(?P<secret>" in acme.regex and acme.entropy == 2.5 and acme.keywords == ("acme",)
    assert acme.allow == ("^0{24}$", "example") and not acme.keywords_in_match
    # usable end to end, through a file and bastion.yaml settings
    path = tmp_path / ".gitleaks.toml"
    path.write_text(GITLEAKS)
    ruleset = build_rules(parse_settings({"builtin": False, "gitleaks_config": str(path)}), [tmp_path])
    compiled = ruleset.by_id["acme-key"]
    m = compiled.pattern.search(b'ACME_KEY = "q8z2k4m6n8p0r2t4v6x8y0a2"')
    assert m is not None and m.group("secret") == b"q8z2k4m6n8p0r2t4v6x8y0a2"


def test_gitleaks_bad_group_is_reported() -> None:
    bad = "[[rules]]\nid = 'x'\nregex = 'abc'\nsecretGroup = 2\n"
    with pytest.raises(ConfigError, match="secretGroup 2 does not exist"):
        import_gitleaks(bad, "gl.toml")


def test_disable_and_enable_select_rules() -> None:
    s = parse_settings({"disable": ["generic-password"]})
    assert "generic-password" not in build_rules(s, [Path.cwd()]).by_id
    s = parse_settings({"enable": ["github-pat", "aws-secret-access-key-paired"]})
    ids = set(build_rules(s, [Path.cwd()]).by_id)
    assert "github-pat" in ids and "generic-password" not in ids
    # a 'near' rule whose partner is disabled becomes an ordinary rule instead of breaking the set
    assert build_rules(s, [Path.cwd()]).by_id["aws-secret-access-key-paired"].rule.near is None


def test_unknown_validator_in_custom_rule(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("rules: [{id: x1, token: 'abc', keywords: [abc], validator: nope}]")
    with pytest.raises(ConfigError, match="unknown validator 'nope'"):
        build_rules(parse_settings({"rules": [str(path)]}), [tmp_path])


def test_docs_rule_table_is_current() -> None:
    """docs/secrets.md embeds `bastion secrets rules --format markdown`; regenerate it when rules change."""
    from bastion.cli.commands.secrets import rules_markdown

    doc = (Path(__file__).resolve().parents[4] / "docs" / "secrets.md").read_text(encoding="utf-8")
    table = doc.split("<!-- rules:begin -->\n", 1)[1].split("\n<!-- rules:end -->", 1)[0]
    assert table == rules_markdown([r for r in builtin_rules() if r.report])
