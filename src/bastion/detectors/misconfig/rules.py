"""Declarative rules: a resource selector plus conditions over paths.

Used by custom rule files (``misconfig.rules_dirs`` in bastion.yaml) and by built-in checks whose
logic is a plain condition. A rule file is YAML::

    rules:
      - id: ORG-S3-001
        title: Buckets must carry an owner tag
        severity: medium
        resource: {file_type: terraform, type: aws_s3_bucket}   # type may be a list or a glob
        require: {path: tags.owner, exists: true}              # or deny: <condition>
        remediation: Add tags.owner.

Conditions: ``{path, exists}``, ``{path, equals}``, ``{path, not_equals}``, ``{path, in}``,
``{path, not_in}``, ``{path, regex}``, ``{path, contains}``, ``{path, gt|gte|lt|lte}``,
``{any: [...]}``, ``{all: [...]}``, ``{not: ...}``. Paths are dotted (``spec.containers.*.image``);
``*`` matches every list element or mapping value and a leaf condition holds when it holds for *any*
match (wrap it in ``not`` for "none"). ``deny`` reports when its condition holds; ``require`` reports
when it does not.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bastion.detectors.misconfig.base import CheckMeta, Path, Project, Resource, RuleError, Violation

_LEAF_OPS = ("exists", "equals", "not_equals", "in", "not_in", "regex", "contains", "gt", "gte", "lt", "lte")
_MISSING = object()


def split_path(text: str) -> tuple[str, ...]:
    return tuple(p for p in re.split(r"\.(?![^\[]*\])", text.strip()) if p != "") if text.strip() else ()


def expand(obj: Any, parts: tuple[str, ...], at: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every (concrete path, value) that ``parts`` reaches; missing keys yield nothing."""
    if not parts:
        yield at, obj
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(obj, list):
            for i, v in enumerate(obj):
                yield from expand(v, rest, (*at, i))
        elif isinstance(obj, Mapping):
            for k, v in obj.items():
                yield from expand(v, rest, (*at, k))
        return
    if isinstance(obj, Mapping):
        if head in obj:
            yield from expand(obj[head], rest, (*at, head))
        return
    if isinstance(obj, list) and head.lstrip("-").isdigit():
        i = int(head)
        if -len(obj) <= i < len(obj):
            yield from expand(obj[i], rest, (*at, i))


def _num(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, bool):
        return a.lower() == str(b).lower()
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (a == b and type(a) is type(b))
    if (isinstance(a, str) and isinstance(b, int | float)) or (
        isinstance(b, str) and isinstance(a, int | float)
    ):
        return str(a) == str(b)
    return bool(a == b)


@dataclass(frozen=True)
class Outcome:
    holds: bool
    path: Path | None = None
    value: Any = None


class Condition:
    """A compiled condition; validated when built so a bad rule fails once, with its location."""

    def __init__(self, spec: Any, where: str) -> None:
        if not isinstance(spec, Mapping):
            raise RuleError(f"{where}: a condition must be a mapping, got {type(spec).__name__}")
        self.where = where
        keys = set(spec)
        self.children: list[Condition] = []
        if keys & {"any", "all"}:
            (self.op,) = tuple(keys & {"any", "all"})
            items = spec[self.op]
            if not isinstance(items, list) or not items:
                raise RuleError(f"{where}: '{self.op}' needs a non-empty list of conditions")
            self.children = [Condition(c, f"{where}.{self.op}[{i}]") for i, c in enumerate(items)]
            return
        if "not" in keys:
            self.op = "not"
            self.children = [Condition(spec["not"], f"{where}.not")]
            return
        if "path" not in spec:
            raise RuleError(f"{where}: a condition needs 'path' (or any/all/not)")
        ops = [k for k in _LEAF_OPS if k in spec]
        if len(ops) != 1:
            raise RuleError(f"{where}: give exactly one of {', '.join(_LEAF_OPS)}")
        self.op = ops[0]
        self.arg = spec[self.op]
        self.parts = split_path(str(spec["path"]))
        if self.op == "regex":
            try:
                self.pattern = re.compile(str(self.arg))
            except re.error as exc:
                raise RuleError(f"{where}: bad regex {self.arg!r}: {exc}") from None
        if self.op in ("in", "not_in") and not isinstance(self.arg, list):
            raise RuleError(f"{where}: '{self.op}' needs a list")
        if self.op in ("gt", "gte", "lt", "lte") and _num(self.arg) is None:
            raise RuleError(f"{where}: '{self.op}' needs a number")

    def test(self, body: Any) -> Outcome:
        if self.op == "all":
            last = Outcome(True)
            for c in self.children:
                last = c.test(body)
                if not last.holds:
                    return Outcome(False, last.path, last.value)
            return Outcome(True, last.path, last.value)
        if self.op == "any":
            first: Outcome | None = None
            for c in self.children:
                got = c.test(body)
                if got.holds:
                    return got
                first = first or got
            return Outcome(False, first.path if first else None, first.value if first else None)
        if self.op == "not":
            got = self.children[0].test(body)
            return Outcome(not got.holds, got.path, got.value)
        matches = list(expand(body, self.parts))
        if self.op == "exists":
            want = bool(self.arg)
            present = [(p, v) for p, v in matches if v is not None]
            if want:
                return Outcome(
                    bool(present),
                    present[0][0] if present else tuple(self.parts),
                    present[0][1] if present else None,
                )
            return Outcome(
                not present, present[0][0] if present else None, present[0][1] if present else None
            )
        if self.op in ("not_equals", "not_in"):
            if not matches:
                return Outcome(True)
            for p, v in matches:
                if not self._leaf(v):
                    return Outcome(False, p, v)
            return Outcome(True, matches[0][0], matches[0][1])
        for p, v in matches:
            if self._leaf(v):
                return Outcome(True, p, v)
        return Outcome(
            False, matches[0][0] if matches else tuple(self.parts), matches[0][1] if matches else None
        )

    def _leaf(self, v: Any) -> bool:
        op, arg = self.op, self.arg
        if op == "equals":
            return _eq(v, arg)
        if op == "not_equals":
            return not _eq(v, arg)
        if op == "in":
            return any(_eq(v, a) for a in arg)
        if op == "not_in":
            return not any(_eq(v, a) for a in arg)
        if op == "regex":
            return (
                v is not None
                and not isinstance(v, dict | list)
                and bool(self.pattern.search(str(v).lower() if False else str(v)))
            )
        if op == "contains":
            if isinstance(v, list):
                return any(_eq(x, arg) for x in v)
            if isinstance(v, str):
                return str(arg) in v
            if isinstance(v, Mapping):
                return arg in v
            return False
        n, a = _num(v), _num(arg)
        if n is None or a is None:
            return False
        return {"gt": n > a, "gte": n >= a, "lt": n < a, "lte": n <= a}[op]


@dataclass(frozen=True)
class Selector:
    file_types: frozenset[str]
    types: tuple[str, ...]
    name: re.Pattern[str] | None = None

    def matches(self, res: Resource) -> bool:
        if self.file_types and res.file_type not in self.file_types:
            return False
        if self.types and not any(t == res.type or fnmatch.fnmatchcase(res.type, t) for t in self.types):
            return False
        return not (self.name and not self.name.search(res.name))


def selector(spec: Any, where: str) -> Selector:
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        raise RuleError(f"{where}: 'resource' must be a mapping (file_type, type, name)")

    def listed(key: str) -> tuple[str, ...]:
        v = spec.get(key)
        if v is None:
            return ()
        return tuple(str(x) for x in (v if isinstance(v, list) else [v]))

    name = spec.get("name")
    try:
        pattern = re.compile(str(name)) if name else None
    except re.error as exc:
        raise RuleError(f"{where}: bad name regex: {exc}") from None
    return Selector(frozenset(listed("file_type")), listed("type"), pattern)


class DeclarativeCheck:
    """A check whose logic is a condition: ``deny`` (report when it holds) or ``require``."""

    def __init__(
        self, meta: CheckMeta, select: Selector, condition: Condition, mode: str, message: str = ""
    ) -> None:
        self.meta = meta
        self.select = select
        self.condition = condition
        self.mode = mode
        self.message = message

    def applies_to(self, resource: Resource) -> bool:
        return self.select.matches(resource)

    def evaluate(self, resource: Resource, project: Project) -> Iterable[Violation]:
        got = self.condition.test(resource.body)
        failed = got.holds if self.mode == "deny" else not got.holds
        if failed:
            path = got.path
            yield Violation(self.message or self.meta.title, path=path, value=got.value)


def build_declarative(meta: CheckMeta, spec: Mapping[str, Any], where: str) -> DeclarativeCheck:
    modes = [m for m in ("deny", "require") if m in spec]
    if len(modes) != 1:
        raise RuleError(f"{where}: give exactly one of 'deny' or 'require'")
    mode = modes[0]
    sel_spec = spec.get("resource")
    if sel_spec is None:
        sel_spec = {"file_type": sorted(meta.file_types), "type": sorted(meta.types)}
    return DeclarativeCheck(
        meta,
        selector(sel_spec, f"{where}.resource"),
        Condition(spec[mode], f"{where}.{mode}"),
        mode,
        str(spec.get("message") or ""),
    )


__all__ = [
    "Condition",
    "DeclarativeCheck",
    "Selector",
    "build_declarative",
    "expand",
    "selector",
    "split_path",
]
