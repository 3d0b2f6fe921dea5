"""Secrets never leave bastion in plaintext.

:func:`redact` is the one printable form of a secret (a short prefix and the length). :func:`scrub`
replaces every occurrence of known secret values in any model object — the scanner applies it to the
whole result, so a secret found in an image's ENV or build arguments does not reappear verbatim in
``target.image.env``, a layer's ``created_by``, a finding's description or a misconfiguration's
offending value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any, TypeVar

import ahocorasick

T = TypeVar("T")

#: Shorter values are not scrubbed: they would also match ordinary words.
MIN_SCRUB_LENGTH = 8

#: Dataclass fields that identify things (rule and advisory ids, fingerprints, hashes, purls, versions)
#: rather than describe them. They are never rewritten: a weak password such as "postgres" must not turn
#: the rule id "postgres-connection-string" into "po…(8)-connection-string".
IDENTIFIER_FIELDS = frozenset(
    {
        "id",
        "kind",
        "severity",
        "fingerprint",
        "aliases",
        "package",
        "package_id",
        "installed_version",
        "fixed_versions",
        "upgrade_to",
        "references",
        "cvss",
        "found_by",
        "rule",
        "source",
        "sha256",
        "secret_hash",
        "match",
        "digest",
        "diff_id",
        "image_id",
        "layer",
        "layer_digest",
        "plugin",
        "framework",
        "control",
        "compliance",
        "file_type",
        "provider",
        "data_source",
        "validation",
        "path",
        "ref",
        "name",
        "repo_tags",
        "repo_digests",
        "platform",
    }
)


def redact(secret: bytes | str) -> str:
    """``ghp_…(40)``: a prefix of at most 4 characters (a quarter of short secrets) and the length."""
    text = secret.decode("utf-8", "replace") if isinstance(secret, bytes) else secret
    if text.startswith(("-----BEGIN", "---- BEGIN")):
        first = text.splitlines()[0] if text.splitlines() else text[:40]
        return f"{first[:60]}…({len(text)})"
    keep = 4 if len(text) >= 16 else max(0, len(text) // 4)
    return f"{text[:keep]}…({len(text)})"


def scrub(obj: T, secrets: Collection[str]) -> T:
    """``obj`` with every occurrence of each secret replaced by its :func:`redact` form.

    Works on frozen dataclasses, tuples, lists, dicts and strings; returns ``obj`` itself when nothing
    changed. One Aho-Corasick pass per string, so thousands of secrets (a root filesystem full of test
    keys) cost no more than a few.
    """
    values = {s for s in secrets if len(s) >= MIN_SCRUB_LENGTH}
    if not values:
        return obj
    automaton = ahocorasick.Automaton()
    for value in values:
        automaton.add_word(value, len(value))
    automaton.make_automaton()
    return _scrub(obj, automaton)  # type: ignore[no-any-return]


def _replace(text: str, automaton: Any) -> str:
    spans: list[tuple[int, int]] = []
    for end, length in automaton.iter(text):
        spans.append((end - length + 1, end + 1))
    if not spans:
        return text
    # Longest match first at each start; drop matches inside an earlier kept one.
    spans.sort(key=lambda se: (se[0], -se[1]))
    out: list[str] = []
    pos = 0
    for start, end in spans:
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(redact(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _scrub(obj: Any, automaton: Any) -> Any:
    if isinstance(obj, str):
        return _replace(obj, automaton)
    if isinstance(obj, tuple):
        items = tuple(_scrub(v, automaton) for v in obj)
        return obj if all(a is b for a, b in zip(items, obj, strict=True)) else items
    if isinstance(obj, list):
        return [_scrub(v, automaton) for v in obj]
    if isinstance(obj, dict):
        return {_scrub(k, automaton): _scrub(v, automaton) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in dataclasses.fields(obj):
            if f.name in IDENTIFIER_FIELDS:
                continue
            old = getattr(obj, f.name)
            new = _scrub(old, automaton)
            if new is not old and new != old:
                changes[f.name] = new
        return dataclasses.replace(obj, **changes) if changes else obj
    return obj
