"""Secret rules are data: the rule table (``rules.yaml``), custom rule files and gitleaks imports.

A rule says *what a secret looks like* (a regex whose ``secret`` group is the credential), which cheap
keywords must occur for it to be worth a regex at all, how random the secret must be (Shannon entropy),
an optional offline validator (a checksum, a structural decode), allow-lists and where it applies.

Rules are written in one of three forms, all compiled into one Python regex (bytes, multiline):

``token``
    The credential alone, with a fixed shape (``ghp_[0-9A-Za-z]{36}``). Word boundaries are added.
``context`` + ``secret``
    An assignment: one of the ``context`` words in a key name (``HEROKU_API_KEY=…``,
    ``"herokuKey": "…"``, ``<heroku-key>…</heroku-key>``), an assignment operator, then ``secret``,
    which must end at a quote, whitespace, ``;``, ``,``, ``<``, ``)`` or the end of the line.
``regex``
    Anything else; the credential is the ``secret`` named group (or the whole match).

Every repetition in a built-in rule is bounded, so a regex never runs on more than a small window of
input (see :mod:`bastion.detectors.secrets.engine`).
"""

from __future__ import annotations

import hashlib
import importlib
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bastion.errors import ConfigError
from bastion.model import Severity

__all__ = [
    "CONTEXT_OPERATOR",
    "RULES_VERSION",
    "CompiledRule",
    "Rule",
    "RuleSet",
    "builtin_rules",
    "compile_rule",
    "import_gitleaks",
    "load_rule_file",
    "parse_rules",
]

#: Bumped whenever the built-in table changes what is reported (goes into the plugin version).
RULES_VERSION = 1

#: Between a context word and its value: more name characters, an optional closing quote, an operator.
CONTEXT_OPERATOR = r"[\w.-]{0,24}[\"']?[ \t]{0,3}(?:=|:=|::=|:|=>|\?=|,|>|<-)[ \t]{0,3}[\"'\x60]?[ \t]{0,2}"
#: After an assignment's value: a quote, whitespace, a separator, an escaped newline or the line end.
CONTEXT_END = r"(?:[\"'\x60\s;,<)&]|\\[nrt]|$)"

_CATEGORIES = frozenset(
    {
        "cloud",
        "code-hosting",
        "registry",
        "ci",
        "saas",
        "payment",
        "ai",
        "communication",
        "monitoring",
        "database",
        "key",
        "generic",
        "certificate",
        "custom",
    }
)


@dataclass(frozen=True, slots=True)
class Rule:
    """One secret rule, as data. ``regex`` is the final Python regex (bytes semantics, multiline)."""

    id: str
    title: str
    severity: Severity
    regex: str
    keywords: tuple[str, ...] = ()
    category: str = "generic"
    #: Minimum Shannon entropy (bits per character) of the secret; None: no check.
    entropy: float | None = None
    #: Name of an offline validator in :mod:`bastion.detectors.secrets.validators`.
    validator: str | None = None
    #: Regexes; a secret matching any of them is not reported (documented examples, placeholders).
    allow: tuple[str, ...] = ()
    #: Regexes matched against the whole match (the key name, e.g. ``password_length = "…"``).
    allow_match: tuple[str, ...] = ()
    #: Regexes matched against the line the secret starts on.
    allow_line: tuple[str, ...] = ()
    #: Regex on the file path: the rule only applies to matching paths.
    paths: str | None = None
    #: Simpler pattern for the multi-pattern matcher when ``regex`` is too complex for it; the full
    #: regex then confirms within ``window`` bytes after the anchor.
    anchor: str | None = None
    window: int = 0
    #: Only reported within ``near_lines`` lines of a match of this other rule (AWS key id + secret).
    near: str | None = None
    near_lines: int = 5
    #: Overlapping matches: the higher priority wins (specific tokens beat generic assignments).
    priority: int = 50
    #: Minimum number of character classes (letters, digits, symbols) in the secret.
    char_classes: int = 0
    #: Whether the secret must not be a placeholder (``changeme``, ``${VAR}``, ``xxxx`` …).
    placeholder_check: bool = True
    description: str = ""
    references: tuple[str, ...] = ()
    source: str = "builtin"
    #: False for rules from other formats whose keywords may lie outside the match (gitleaks).
    keywords_in_match: bool = True
    #: False for helper rules whose matches feed another analysis (certificates) instead of findings.
    report: bool = True


@dataclass(eq=False)
class CompiledRule:
    rule: Rule
    pattern: re.Pattern[bytes]
    allow: tuple[re.Pattern[bytes], ...]
    allow_match: tuple[re.Pattern[bytes], ...]
    allow_line: tuple[re.Pattern[bytes], ...]
    path_re: re.Pattern[str] | None
    #: Longest possible match (bytes) of ``regex``; None when unbounded.
    max_width: int | None
    anchor_width: int | None
    keywords: tuple[bytes, ...] = field(default=())

    @property
    def id(self) -> str:
        return self.rule.id

    def applies_to(self, path: str) -> bool:
        return self.path_re is None or self.path_re.search(path) is not None


class RuleSet:
    """The rules of one scan, compiled, with a digest that identifies them (cache keys, provenance)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        seen: set[str] = set()
        compiled = []
        for rule in rules:
            if rule.id in seen:
                raise ConfigError(f"secret rule {rule.id!r} is defined twice ({rule.source})")
            seen.add(rule.id)
            compiled.append(compile_rule(rule))
        self.rules: tuple[CompiledRule, ...] = tuple(compiled)
        self.by_id: dict[str, CompiledRule] = {c.id: c for c in compiled}

    def __len__(self) -> int:
        return len(self.rules)

    @cached_property
    def digest(self) -> str:
        h = hashlib.sha256()
        for c in self.rules:
            r = c.rule
            h.update(repr((r.id, r.regex, r.anchor, r.keywords, r.near)).encode())
        return h.hexdigest()

    @property
    def matchable(self) -> tuple[CompiledRule, ...]:
        """Rules the multi-pattern matcher looks for (``near`` rules only run next to their partner)."""
        return tuple(c for c in self.rules if c.rule.near is None)

    @property
    def nearby(self) -> tuple[CompiledRule, ...]:
        return tuple(c for c in self.rules if c.rule.near is not None)


# -- compiling -------------------------------------------------------------------------------------


def _max_width(pattern: str) -> int | None:
    _parser = importlib.import_module("re._parser")  # stdlib (sre_parse), stable since 3.11

    try:
        width = _parser.parse(pattern).getwidth()[1]
    except (re.error, OverflowError):
        return None
    return None if width >= _parser.MAXREPEAT else int(width)


def compile_rule(rule: Rule) -> CompiledRule:
    """Compile a rule's regexes; raises :class:`ConfigError` naming the rule and what is wrong."""
    where = f"secret rule {rule.id!r} ({rule.source})"
    try:
        pattern = re.compile(rule.regex.encode(), re.MULTILINE)
    except re.error as exc:
        raise ConfigError(f"{where}: regex does not compile: {exc}") from None
    except UnicodeEncodeError:
        raise ConfigError(f"{where}: regex must be ASCII (use \\xNN escapes)") from None
    if rule.anchor is not None:
        try:
            re.compile(rule.anchor.encode(), re.MULTILINE)
        except (re.error, UnicodeEncodeError) as exc:
            raise ConfigError(f"{where}: anchor does not compile: {exc}") from None

    def _all(items: Iterable[str], what: str) -> tuple[re.Pattern[bytes], ...]:
        out = []
        for item in items:
            try:
                out.append(re.compile(item.encode(), re.IGNORECASE))
            except (re.error, UnicodeEncodeError) as exc:
                raise ConfigError(f"{where}: {what} regex {item!r} does not compile: {exc}") from None
        return tuple(out)

    path_re = None
    if rule.paths:
        try:
            path_re = re.compile(rule.paths)
        except re.error as exc:
            raise ConfigError(f"{where}: paths regex does not compile: {exc}") from None
    if rule.severity not in Severity:
        raise ConfigError(f"{where}: unknown severity {rule.severity!r}")
    return CompiledRule(
        rule=rule,
        pattern=pattern,
        allow=_all(rule.allow, "allow"),
        allow_match=_all(rule.allow_match, "allow_match"),
        allow_line=_all(rule.allow_line, "allow_line"),
        path_re=path_re,
        max_width=_max_width(rule.regex),
        anchor_width=_max_width(rule.anchor) if rule.anchor else None,
        keywords=tuple(k.lower().encode() for k in rule.keywords if k),
    )


def _token_regex(token: str) -> str:
    return rf"\b(?P<secret>{token})\b"


def _context_regex(words: Sequence[str], secret: str) -> str:
    alternation = "|".join(words)
    return rf"(?i:{alternation}){CONTEXT_OPERATOR}(?P<secret>{secret}){CONTEXT_END}"


# -- loading ---------------------------------------------------------------------------------------

_KNOWN_KEYS = frozenset(
    {
        "id",
        "title",
        "severity",
        "category",
        "keywords",
        "token",
        "context",
        "secret",
        "regex",
        "entropy",
        "validator",
        "allow",
        "allow_match",
        "allow_line",
        "paths",
        "anchor",
        "window",
        "near",
        "near_lines",
        "priority",
        "char_classes",
        "placeholder_check",
        "description",
        "references",
        "report",
        "keywords_in_match",
    }
)


def _str_list(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{where}: '{key}' must be a string or a list of strings")


def _rule_from_mapping(item: Mapping[str, Any], where: str, source: str) -> Rule:
    unknown = set(item) - _KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    rid = item.get("id")
    if not isinstance(rid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,80}", rid):
        raise ConfigError(f"{where}: 'id' must be a lower-case identifier such as 'acme-api-key'")
    where = f"{where} ({rid})"
    forms = [k for k in ("token", "regex", "secret") if k in item]
    if "token" in item:
        if "regex" in item or "context" in item:
            raise ConfigError(f"{where}: give either 'token', 'context'+'secret' or 'regex'")
        regex = _token_regex(str(item["token"]))
    elif "context" in item:
        if "secret" not in item or "regex" in item:
            raise ConfigError(f"{where}: 'context' needs 'secret' (and no 'regex')")
        words = _str_list(item["context"], where, "context")
        regex = _context_regex(words, str(item["secret"]))
    elif "regex" in item:
        regex = str(item["regex"])
    else:
        raise ConfigError(f"{where}: a rule needs 'token', 'context'+'secret' or 'regex' (got {forms})")
    try:
        severity = Severity.parse(str(item.get("severity", "high")))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    category = str(item.get("category", "generic" if source == "builtin" else "custom"))
    if category not in _CATEGORIES:
        raise ConfigError(f"{where}: unknown category {category!r}; one of {', '.join(sorted(_CATEGORIES))}")
    keywords = _str_list(item.get("keywords"), where, "keywords")
    if not keywords and "context" in item:
        words = _str_list(item["context"], where, "context")
        if not all(re.fullmatch(r"[A-Za-z0-9_ .-]+", w) for w in words):
            raise ConfigError(f"{where}: context words are regexes; list the literal 'keywords' too")
        keywords = words
    entropy = item.get("entropy")
    if entropy is not None and not isinstance(entropy, int | float):
        raise ConfigError(f"{where}: 'entropy' must be a number (bits per character)")
    return Rule(
        id=rid,
        title=str(item.get("title") or rid),
        severity=severity,
        regex=regex,
        keywords=tuple(k.lower() for k in keywords),
        category=category,
        entropy=float(entropy) if entropy is not None else None,
        validator=item.get("validator"),
        allow=_str_list(item.get("allow"), where, "allow"),
        allow_match=_str_list(item.get("allow_match"), where, "allow_match"),
        allow_line=_str_list(item.get("allow_line"), where, "allow_line"),
        paths=item.get("paths"),
        anchor=item.get("anchor"),
        window=int(item.get("window", 0)),
        near=item.get("near"),
        near_lines=int(item.get("near_lines", 5)),
        priority=int(item.get("priority", 50)),
        char_classes=int(item.get("char_classes", 0)),
        placeholder_check=bool(item.get("placeholder_check", True)),
        description=str(item.get("description", "")),
        references=_str_list(item.get("references"), where, "references"),
        source=source,
        report=bool(item.get("report", True)),
        keywords_in_match=bool(item.get("keywords_in_match", True)),
    )


def parse_rules(doc: Any, source: str) -> list[Rule]:
    """Rules from a parsed YAML document (``rules: [...]``, or a bare list)."""
    if isinstance(doc, Mapping):
        version = doc.get("version", 1)
        if version != 1:
            raise ConfigError(f"{source}: unsupported rule file version {version!r} (expected 1)")
        items = doc.get("rules")
    else:
        items = doc
    if not isinstance(items, list):
        raise ConfigError(f"{source}: expected 'rules:' followed by a list of rules")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ConfigError(f"{source}: rules[{i}]: expected a mapping")
        rule = _rule_from_mapping(item, f"{source}: rules[{i}]", source)
        if source != "builtin":
            try:
                compile_rule(rule)  # report a bad regex when the file is read, naming where
            except ConfigError as exc:
                raise ConfigError(f"{source}: rules[{i}]: {exc.message}") from None
        out.append(rule)
    return out


def _validate_near(rules: Sequence[Rule]) -> None:
    ids = {r.id for r in rules}
    for r in rules:
        if r.near is not None and r.near not in ids:
            raise ConfigError(f"secret rule {r.id!r} ({r.source}): 'near' names unknown rule {r.near!r}")


_BUILTIN: list[Rule] | None = None


def builtin_rules() -> list[Rule]:
    """The built-in rule table (``rules.yaml`` in this package), parsed once per process."""
    global _BUILTIN
    if _BUILTIN is None:
        text = resources.files(__package__).joinpath("rules.yaml").read_text(encoding="utf-8")
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        rules = parse_rules(yaml.load(text, Loader=loader), "builtin")
        _validate_near(rules)
        _BUILTIN = rules
    return list(_BUILTIN)


def load_rule_file(path: Path) -> list[Rule]:
    """A custom rule file: bastion's YAML format, or a gitleaks TOML config (by suffix)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read secret rules: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: secret rules must be UTF-8 text") from None
    if path.suffix.lower() == ".toml":
        return import_gitleaks(text, str(path))
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse_rules(doc, f"custom:{path}")


# -- gitleaks TOML import --------------------------------------------------------------------------

_GO_FLAG_GROUP = re.compile(r"\(\?([imsU-]+)\)")


def _go_to_python(regex: str) -> str:
    """Translate the RE2 syntax gitleaks uses into Python's: mid-pattern ``(?i)`` flags become scoped
    groups, ``\\z`` becomes ``\\Z``, ``(?P<n>`` stays, ``(?-i:…)`` is handled by Python 3.11 itself."""
    out = regex.replace(r"\z", r"\Z")
    # A global flag group after the start (RE2 allows it, Python does not): scope it to the rest.
    m = _GO_FLAG_GROUP.search(out, 1)
    while m is not None:
        flags = m.group(1)
        if "-" in flags:
            break
        rest = out[m.end() :]
        out = out[: m.start()] + f"(?{flags}:" + rest + ")"
        m = _GO_FLAG_GROUP.search(out, m.start() + 1)
    return out


def import_gitleaks(text: str, source: str) -> list[Rule]:
    """Rules from a gitleaks TOML configuration (``[[rules]]`` with id, regex, keywords, entropy,
    secretGroup, path and allowlists). Rules gitleaks matches by path alone become no rule: bastion
    reports files only by content."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    items = doc.get("rules", [])
    if not isinstance(items, list):
        raise ConfigError(f"{source}: expected [[rules]] tables")
    out = []
    for i, item in enumerate(items):
        where = f"{source}: rules[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: expected a table")
        rid = str(item.get("id") or f"gitleaks-rule-{i}").lower()
        rid = re.sub(r"[^a-z0-9._-]+", "-", rid).strip("-") or f"gitleaks-rule-{i}"
        regex = item.get("regex")
        if not regex:
            continue  # path-only rule
        regex = _go_to_python(str(regex))
        group = item.get("secretGroup")
        if group:
            regex = _number_group_as_secret(regex, int(group), f"{where} ({rid})")
        allow: list[str] = []
        allow_match: list[str] = []
        lists = item.get("allowlists") or ([item["allowlist"]] if "allowlist" in item else [])
        for al in lists:
            target = al.get("regexTarget", "secret")
            for rx in al.get("regexes", []):
                (allow_match if target in ("match", "line") else allow).append(_go_to_python(rx))
            for word in al.get("stopwords", []):
                allow.append(re.escape(word))
        try:
            rule = Rule(
                id=rid,
                title=str(item.get("description") or rid)[:120],
                severity=Severity.HIGH,
                regex=regex,
                keywords=tuple(str(k).lower() for k in item.get("keywords", [])),
                category="custom",
                entropy=float(item["entropy"]) if "entropy" in item else None,
                allow=tuple(allow),
                allow_match=tuple(allow_match),
                paths=_go_to_python(str(item["path"])) if item.get("path") else None,
                description=str(item.get("description", "")),
                source=f"gitleaks:{source}",
                keywords_in_match=False,
            )
            compile_rule(rule)
        except ConfigError as exc:
            raise ConfigError(f"{where} ({rid}): {exc.message}") from None
        out.append(rule)
    return out


def _number_group_as_secret(regex: str, number: int, where: str) -> str:
    """Rename the ``number``-th capturing group to ``secret``."""
    count = 0
    i = 0
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            j = i + 1
            if j < len(regex) and regex[j] == "^":
                j += 1
            if j < len(regex) and regex[j] == "]":
                j += 1
            while j < len(regex) and regex[j] != "]":
                j += 2 if regex[j] == "\\" else 1
            i = j + 1
            continue
        if c == "(":
            if regex.startswith("(?P<", i):
                count += 1
                if count == number:
                    end = regex.index(">", i)
                    return regex[:i] + "(?P<secret>" + regex[end + 1 :]
            elif not regex.startswith("(?", i):
                count += 1
                if count == number:
                    return regex[:i] + "(?P<secret>" + regex[i + 1 :]
        i += 1
    raise ConfigError(f"{where}: secretGroup {number} does not exist in the regex")


def with_source(rules: Iterable[Rule], source: str) -> list[Rule]:
    return [replace(r, source=source) for r in rules]
