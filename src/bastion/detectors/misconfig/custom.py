"""Checks that do not ship with bastion: declarative rule files and Python plugins.

**Rule files** (``misconfig.rules_dirs`` / ``misconfig.rules_files`` in bastion.yaml): YAML files
with ``rules: [...]``; see :mod:`bastion.detectors.misconfig.rules` for the format.

**Plugins**: installed distributions declare an entry point in the group
``bastion.misconfig_checks``::

    [project.entry-points."bastion.misconfig_checks"]
    acme = "acme_checks:CHECKS"

The object it names is a check, a list/tuple of checks, a class whose instances are checks, or a
zero-argument function returning any of these. A check has ``meta`` (a
:class:`~bastion.detectors.misconfig.base.CheckMeta`), ``applies_to(resource) -> bool`` and
``evaluate(resource, project) -> Iterable[Violation]``. A plugin that fails to load or returns
something else is reported as one scan error and skipped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from bastion.detectors.misconfig._yaml import load_yaml_docs
from bastion.detectors.misconfig.base import Check, MisconfigError, RuleError
from bastion.detectors.misconfig.checks import build_check

ENTRY_POINT_GROUP = "bastion.misconfig_checks"


def load_rule_file(path: Path, display: str | None = None) -> list[Check]:
    name = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RuleError(f"{name}: cannot read rule file: {exc.strerror or exc}") from None
    docs = load_yaml_docs(data, name)
    out: list[Check] = []
    for doc in docs:
        value = doc.value
        rules = value.get("rules") if isinstance(value, dict) else value
        if not isinstance(rules, list):
            raise RuleError(f"{name}:{doc.line}: expected 'rules:' with a list of rules")
        for i, entry in enumerate(rules):
            line = doc.lines.get(("rules", i) if isinstance(value, dict) else (i,), (doc.line, doc.line))[0]
            if not isinstance(entry, dict):
                raise RuleError(f"{name}:{line}: rules[{i}] must be a mapping")
            out.append(
                build_check(entry, {}, f"{name}:{line}: rule {entry.get('id', i)}", source=f"custom:{name}")
            )
    return out


def rule_files(settings: dict[str, Any], roots: Iterable[Path]) -> Iterator[Path]:
    """Paths named by ``rules_dirs``/``rules_files``; relative ones are tried against each root."""

    def resolve(item: str) -> Path | None:
        p = Path(item)
        if p.is_absolute():
            return p if p.exists() else None
        for root in roots:
            cand = root / p
            if cand.exists():
                return cand
        return None

    for item in settings.get("rules_files") or ():
        got = resolve(str(item))
        if got is None:
            raise RuleError(f"misconfig.rules_files: {item} not found")
        yield got
    for item in settings.get("rules_dirs") or ():
        got = resolve(str(item))
        if got is None or not got.is_dir():
            raise RuleError(f"misconfig.rules_dirs: directory {item} not found")
        yield from sorted(p for p in got.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def _as_checks(obj: Any, where: str) -> list[Check]:
    if isinstance(obj, type) or (callable(obj) and not hasattr(obj, "evaluate")):
        obj = obj()
    items = list(obj) if isinstance(obj, list | tuple | set | frozenset) else [obj]
    out: list[Check] = []
    for item in items:
        if isinstance(item, type):
            item = item()
        if not isinstance(item, Check):
            raise RuleError(f"{where}: {item!r} is not a check (needs meta, applies_to, evaluate)")
        out.append(item)
    return out


def plugin_checks(errors: list[tuple[str, str]]) -> list[Check]:
    """Checks from every ``bastion.misconfig_checks`` entry point; failures go to ``errors``."""
    out: list[Check] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        where = f"entry point {ep.name} ({ep.value})"
        try:
            checks = _as_checks(ep.load(), where)
        except RuleError as exc:
            errors.append((where, exc.message))
            continue
        except Exception as exc:
            errors.append((where, f"{where}: failed to load: {type(exc).__name__}: {exc}"))
            continue
        for check in checks:
            if check.meta.source == "builtin":
                check.meta = dataclasses.replace(check.meta, source=f"plugin:{ep.name}")
        out.extend(checks)
    return out


__all__ = ["ENTRY_POINT_GROUP", "MisconfigError", "load_rule_file", "plugin_checks", "rule_files"]
