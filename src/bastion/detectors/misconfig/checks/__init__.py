"""Built-in checks: metadata is data (``*.yaml`` beside this file); logic is either a declarative
condition (``deny``/``require``, see :mod:`bastion.detectors.misconfig.rules`) or a function named by
``impl: <module>.<function>`` in one of :data:`IMPL_MODULES`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from types import ModuleType
from typing import Any

import yaml

from bastion.detectors.misconfig.base import (
    Check,
    CheckMeta,
    Project,
    Resource,
    RuleError,
    Violation,
    check_meta_applies,
)
from bastion.detectors.misconfig.checks import aws, cloud, docker, k8s
from bastion.detectors.misconfig.kubernetes import WORKLOADS
from bastion.detectors.misconfig.rules import build_declarative
from bastion.model import ComplianceRef, Severity

#: ``impl: name.function`` → module. Explicit, so nothing registers itself on import.
IMPL_MODULES: dict[str, ModuleType] = {"k8s": k8s, "docker": docker, "aws": aws, "cloud": cloud}
DATA_FILES = ("kubernetes.yaml", "docker.yaml", "aws.yaml", "azure.yaml", "gcp.yaml")
#: short keys used in the data files → framework names in findings
FRAMEWORKS: dict[str, str] = {
    "cis_docker": "CIS Docker Benchmark v1.6.0",
    "cis_k8s": "CIS Kubernetes Benchmark v1.8.0",
    "pss": "Pod Security Standards",
    "nsa": "NSA/CISA Kubernetes Hardening Guide v1.2",
    "cis_aws": "CIS AWS Foundations Benchmark v3.0.0",
    "cis_azure": "CIS Microsoft Azure Foundations Benchmark v2.0.0",
    "cis_gcp": "CIS Google Cloud Platform Foundation Benchmark v2.0.0",
    "nist": "NIST SP 800-53 rev5",
    "pci": "PCI DSS 4.0",
}
TYPE_GROUPS: dict[str, frozenset[str]] = {"workloads": WORKLOADS}

Impl = Callable[[Resource, Project], Iterable[Violation]]


class FunctionCheck:
    """A built-in (or plugin) check backed by a function."""

    def __init__(self, meta: CheckMeta, fn: Impl) -> None:
        self.meta = meta
        self.fn = fn

    def applies_to(self, resource: Resource) -> bool:
        return check_meta_applies(self.meta, resource)

    def evaluate(self, resource: Resource, project: Project) -> Iterable[Violation]:
        return self.fn(resource, project)


def compliance_refs(spec: Any, where: str) -> tuple[ComplianceRef, ...]:
    if spec is None:
        return ()
    if not isinstance(spec, Mapping):
        raise RuleError(f"{where}: compliance must map a framework to control ids")
    out = []
    for key, controls in spec.items():
        framework = FRAMEWORKS.get(str(key), str(key))
        for control in controls if isinstance(controls, list) else [controls]:
            out.append(ComplianceRef(framework=framework, control=str(control)))
    return tuple(out)


def meta_from(
    entry: Mapping[str, Any], defaults: Mapping[str, Any], where: str, source: str = "builtin"
) -> CheckMeta:
    merged = {**defaults, **entry}
    for key in ("id", "title", "severity"):
        if not merged.get(key):
            raise RuleError(f"{where}: missing '{key}'")
    try:
        severity = Severity.parse(str(merged["severity"]))
    except ValueError:
        raise RuleError(f"{where}: unknown severity {merged['severity']!r}") from None
    types: set[str] = set()
    raw_types = merged.get("types") or []
    for t in raw_types if isinstance(raw_types, list) else [raw_types]:
        types |= TYPE_GROUPS.get(str(t), {str(t)})
    ft = merged.get("file_types") or []
    return CheckMeta(
        id=str(merged["id"]),
        title=str(merged["title"]),
        severity=severity,
        description=str(merged.get("description") or "").strip(),
        remediation=str(merged.get("remediation") or "").strip(),
        references=tuple(str(r) for r in merged.get("references") or ()),
        compliance=compliance_refs(merged.get("compliance"), where),
        file_types=frozenset(str(x) for x in (ft if isinstance(ft, list) else [ft])),
        types=frozenset(types),
        provider=str(merged.get("provider") or ""),
        source=source,
    )


def build_check(
    entry: Mapping[str, Any], defaults: Mapping[str, Any], where: str, source: str = "builtin"
) -> Check:
    meta = meta_from(entry, defaults, where, source)
    if "impl" in entry:
        mod_name, _, fn_name = str(entry["impl"]).partition(".")
        module = IMPL_MODULES.get(mod_name)
        fn = getattr(module, fn_name, None) if module else None
        if not callable(fn):
            raise RuleError(f"{where}: impl {entry['impl']!r} does not name a check function")
        return FunctionCheck(meta, fn)
    return build_declarative(meta, entry, where)


@functools.cache
def builtin_checks() -> tuple[Check, ...]:
    out: list[Check] = []
    seen: set[str] = set()
    base = resources.files(__package__)
    for name in DATA_FILES:
        doc = yaml.load(
            base.joinpath(name).read_text(encoding="utf-8"),
            Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader),
        )
        defaults = doc.get("defaults") or {}
        for i, entry in enumerate(doc.get("checks") or ()):
            check = build_check(entry, defaults, f"{name}: checks[{i}] ({entry.get('id')})")
            if check.meta.id in seen:
                raise RuleError(f"{name}: duplicate check id {check.meta.id}")
            seen.add(check.meta.id)
            out.append(check)
    return tuple(out)


__all__ = ["FRAMEWORKS", "IMPL_MODULES", "FunctionCheck", "build_check", "builtin_checks", "meta_from"]
