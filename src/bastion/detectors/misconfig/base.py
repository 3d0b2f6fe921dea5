"""Misconfiguration detection: value types and the check interface.

Every parser turns a file into :class:`Resource` objects (a Kubernetes object, a Terraform resource, a
CloudFormation resource, a compose service, a Dockerfile stage, the image config). A resource has a
plain-data ``body`` (dicts, lists, scalars) and a ``lines`` map from paths inside the body to source
line ranges, so checks look at plain data and evidence still points at the right line.

A check is a small object with ``applies_to(resource)`` and ``evaluate(resource, project)`` yielding
:class:`Violation` values; its metadata (:class:`CheckMeta`) is data (``checks/*.yaml``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from bastion.errors import ExtractError
from bastion.model import ComplianceRef, Severity

#: A path into a resource body: keys and list indexes.
Path = tuple[str | int, ...]


class MisconfigError(ExtractError):
    """A configuration file could not be parsed; the message starts with ``path:line``."""


class RuleError(MisconfigError):
    """A custom rule or plugin check is invalid (reported once, the scan goes on)."""


@dataclass(eq=False)
class Resource:
    """One configuration object of a file, as plain data plus where it came from.

    ``file_type``: dockerfile, kubernetes, compose, terraform, terraform-plan, cloudformation,
    image-config. ``type`` is the object's own type name (``Deployment``, ``aws_s3_bucket``,
    ``AWS::S3::Bucket``, ``service``, ``stage``). ``address`` is what evidence shows
    (``Deployment/prod/web``, ``aws_s3_bucket.data``, ``AWS::S3::Bucket/Logs``, ``service/web``).
    """

    file_type: str
    type: str
    name: str
    address: str
    body: Any
    path: str
    line: int | None = None
    end_line: int | None = None
    provider: str = ""
    #: path inside ``body`` → (first line, last line)
    lines: dict[Path, tuple[int, int]] = field(default_factory=dict)
    #: rule id (upper case, or ``*``) → reason, from inline comments and annotations
    ignores: dict[str, str] = field(default_factory=dict)
    #: Anything a parser wants to keep for checks (Dockerfile instructions, Terraform module dir …).
    meta: dict[str, Any] = field(default_factory=dict)

    def get(self, *path: str | int, default: Any = None) -> Any:
        return dig(self.body, path, default)

    def span(self, path: Path | None) -> tuple[int | None, int | None]:
        """Line range of ``path`` (or its nearest ancestor that has one), else the resource's."""
        if path:
            p = tuple(path)
            while p:
                got = self.lines.get(p)
                if got is not None:
                    return got
                p = p[:-1]
        return self.line, self.end_line


def dig(obj: Any, path: Iterable[str | int], default: Any = None) -> Any:
    cur = obj
    for key in path:
        if isinstance(cur, Mapping):
            if key not in cur:
                return default
            cur = cur[key]
        elif isinstance(cur, list) and isinstance(key, int):
            if not -len(cur) <= key < len(cur):
                return default
            cur = cur[key]
        else:
            return default
    return cur


@dataclass(frozen=True, slots=True)
class Violation:
    """One failed check on one resource. ``path`` locates the offending value inside the body."""

    message: str = ""
    path: Path | None = None
    value: Any = None
    line: int | None = None  # overrides the line found through ``path``
    #: Report against another resource (e.g. the namespace that lacks a NetworkPolicy).
    resource: Resource | None = None


@dataclass(frozen=True, slots=True)
class CheckMeta:
    id: str
    title: str
    severity: Severity
    description: str = ""
    remediation: str = ""
    references: tuple[str, ...] = ()
    compliance: tuple[ComplianceRef, ...] = ()
    file_types: frozenset[str] = frozenset()
    #: resource types this check looks at; empty means every resource of its file types
    types: frozenset[str] = frozenset()
    provider: str = ""
    #: checkov ids that test the same thing (documentation and the side-by-side benchmark)
    checkov: tuple[str, ...] = ()
    source: str = "builtin"  # builtin | custom:<file> | plugin:<entry point>


@runtime_checkable
class Check(Protocol):
    """What every check provides, built-in, declarative custom rule or plugin."""

    meta: CheckMeta

    def applies_to(self, resource: Resource) -> bool: ...

    def evaluate(self, resource: Resource, project: Project) -> Iterable[Violation]: ...


class Project:
    """Every resource parsed in this scan: lets checks look across files (a bucket's separate
    ``aws_s3_bucket_versioning``, namespaces without a NetworkPolicy)."""

    def __init__(self, resources: Iterable[Resource] = ()) -> None:
        self.resources: list[Resource] = list(resources)
        self._by_type: dict[tuple[str, str], list[Resource]] = {}
        for r in self.resources:
            self._by_type.setdefault((r.file_type, r.type), []).append(r)

    def of_type(self, file_type: str, *types: str) -> Iterator[Resource]:
        for t in types:
            yield from self._by_type.get((file_type, t), ())

    def same_module(self, res: Resource, *types: str) -> Iterator[Resource]:
        """Resources of ``types`` from the same Terraform module directory / CloudFormation template."""
        scope = res.meta.get("scope")
        for other in self.of_type(res.file_type, *types):
            if other.meta.get("scope") == scope:
                yield other


def check_meta_applies(meta: CheckMeta, resource: Resource) -> bool:
    if meta.file_types and resource.file_type not in meta.file_types:
        return False
    return not meta.types or resource.type in meta.types


__all__ = [
    "Check",
    "CheckMeta",
    "MisconfigError",
    "Path",
    "Project",
    "Resource",
    "RuleError",
    "Violation",
    "check_meta_applies",
    "dig",
]
