"""Kubernetes manifests (multi-document YAML or JSON, ``List`` kinds, rendered Helm output).

Each object becomes one :class:`Resource` addressed ``Kind/namespace/name`` (``Kind/name`` for
cluster-scoped kinds). ``# Source:`` comments that ``helm template`` writes before each document are
kept in ``meta["helm_source"]``. Helpers here give checks the pod spec and containers of every
workload kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bastion.detectors.misconfig._yaml import YamlDoc
from bastion.detectors.misconfig.base import Path, Resource

#: kind → path of the pod spec inside the object
POD_SPEC_PATHS: dict[str, Path] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "PodTemplate": ("template", "spec"),
    "DeploymentConfig": ("spec", "template", "spec"),
}
WORKLOADS = frozenset(POD_SPEC_PATHS)
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "ClusterRole",
        "ClusterRoleBinding",
        "StorageClass",
        "CustomResourceDefinition",
        "PriorityClass",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "APIService",
        "IngressClass",
        "RuntimeClass",
        "PodSecurityPolicy",
        "CSIDriver",
        "VolumeAttachment",
    }
)
IGNORE_ANNOTATION = "bastion.dev/ignore"
_SOURCE = re.compile(r"^#\s*Source:\s*(\S.*?)\s*$")


def looks_like_kubernetes(doc: Any) -> bool:
    return (
        isinstance(doc, dict) and isinstance(doc.get("apiVersion"), str) and isinstance(doc.get("kind"), str)
    )


def _relines(lines: dict[Path, tuple[int, int]], prefix: Path) -> dict[Path, tuple[int, int]]:
    if not prefix:
        return lines
    k = len(prefix)
    return {p[k:]: v for p, v in lines.items() if p[:k] == prefix}


def _helm_sources(text: str) -> list[tuple[int, str]]:
    out = []
    for number, row in enumerate(text.splitlines(), 1):
        if row.startswith("#"):
            m = _SOURCE.match(row)
            if m:
                out.append((number, m.group(1)))
    return out


def resources_from_docs(docs: list[YamlDoc], path: str, text: str) -> list[Resource]:
    sources = _helm_sources(text) if "# Source:" in text else []
    out: list[Resource] = []
    for doc in docs:
        objects: list[tuple[Any, Path]] = []
        value = doc.value
        if not looks_like_kubernetes(value):
            continue
        if value["kind"].endswith("List") and isinstance(value.get("items"), list):
            objects.extend(
                (item, ("items", i)) for i, item in enumerate(value["items"]) if looks_like_kubernetes(item)
            )
        else:
            objects.append((value, ()))
        source = None
        for line, src in sources:
            if line <= doc.line:
                source = src
        for obj, prefix in objects:
            out.append(make_resource(obj, path, _relines(doc.lines, prefix), source))
    return out


def make_resource(
    obj: dict[str, Any], path: str, lines: dict[Path, tuple[int, int]], source: str | None = None
) -> Resource:
    kind = obj["kind"]
    raw_meta = obj.get("metadata")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    name = str(meta.get("name") or meta.get("generateName") or "unnamed")
    namespace = meta.get("namespace")
    if kind in CLUSTER_SCOPED:
        address = f"{kind}/{name}"
    else:
        address = f"{kind}/{namespace or 'default'}/{name}"
    start, end = lines.get((), (None, None))
    res = Resource(
        file_type="kubernetes",
        type=kind,
        name=name,
        address=address,
        body=obj,
        path=path,
        line=start,
        end_line=end,
        provider="kubernetes",
        lines=lines,
        meta={"namespace": namespace, "helm_source": source, "scope": "cluster"},
    )
    annotations = [meta.get("annotations")]
    spec_path = POD_SPEC_PATHS.get(kind)
    if spec_path:
        annotations.append(obj_get(obj, (*spec_path[:-1], "metadata", "annotations")))
    for ann in annotations:
        if isinstance(ann, dict) and isinstance(ann.get(IGNORE_ANNOTATION), str):
            for rule in re.split(r"[,\s]+", ann[IGNORE_ANNOTATION]):
                if rule:
                    res.ignores[rule.upper()] = f"annotation {IGNORE_ANNOTATION}"
    return res


def obj_get(obj: Any, path: Path) -> Any:
    cur = obj
    for key in path:
        if isinstance(cur, dict):
            cur = cur.get(key)
        elif isinstance(cur, list) and isinstance(key, int) and 0 <= key < len(cur):
            cur = cur[key]
        else:
            return None
    return cur


def pod_spec(res: Resource) -> tuple[Path, dict[str, Any]] | None:
    spec_path = POD_SPEC_PATHS.get(res.type)
    if spec_path is None:
        return None
    spec = obj_get(res.body, spec_path)
    if not isinstance(spec, dict):
        return None
    return spec_path, spec


def pod_metadata(res: Resource) -> tuple[Path, dict[str, Any]]:
    spec_path = POD_SPEC_PATHS.get(res.type, ("spec",))
    meta_path: Path = ("metadata",) if res.type == "Pod" else (*spec_path[:-1], "metadata")
    got = obj_get(res.body, meta_path)
    return meta_path, got if isinstance(got, dict) else {}


def containers(res: Resource, *, init: bool = True) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(path, container) for containers, initContainers and ephemeralContainers."""
    found = pod_spec(res)
    if found is None:
        return
    spec_path, spec = found
    groups = ("containers", "initContainers", "ephemeralContainers") if init else ("containers",)
    for group in groups:
        items = spec.get(group)
        if isinstance(items, list):
            for i, c in enumerate(items):
                if isinstance(c, dict):
                    yield (*spec_path, group, i), c


def container_name(c: dict[str, Any]) -> str:
    return str(c.get("name") or "?")


__all__ = [
    "CLUSTER_SCOPED",
    "POD_SPEC_PATHS",
    "WORKLOADS",
    "container_name",
    "containers",
    "looks_like_kubernetes",
    "make_resource",
    "pod_metadata",
    "pod_spec",
    "resources_from_docs",
]
