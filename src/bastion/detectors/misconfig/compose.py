"""docker compose files: one :class:`Resource` per service (``service/<name>``)."""

from __future__ import annotations

from typing import Any

from bastion.detectors.misconfig._yaml import YamlDoc
from bastion.detectors.misconfig.base import Resource

COMPOSE_NAMES = frozenset({"docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"})
_SERVICE_KEYS = frozenset(
    {
        "image",
        "build",
        "ports",
        "volumes",
        "environment",
        "command",
        "depends_on",
        "networks",
        "restart",
        "privileged",
        "cap_add",
        "network_mode",
        "entrypoint",
        "env_file",
        "expose",
        "healthcheck",
        "user",
        "deploy",
        "container_name",
        "pid",
        "security_opt",
        "labels",
    }
)


def looks_like_compose(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    services = doc.get("services")
    if not isinstance(services, dict) or not services:
        return False
    return any(isinstance(s, dict) and _SERVICE_KEYS.intersection(s) for s in services.values())


def resources_from_doc(doc: YamlDoc, path: str) -> list[Resource]:
    out: list[Resource] = []
    services = doc.value.get("services") if isinstance(doc.value, dict) else None
    if not isinstance(services, dict):
        return out
    for name, svc in services.items():
        if not isinstance(svc, dict):
            continue
        prefix = ("services", name)
        lines = {p[2:]: v for p, v in doc.lines.items() if p[:2] == prefix}
        start, end = doc.lines.get(prefix, (None, None))
        out.append(
            Resource(
                file_type="compose",
                type="service",
                name=str(name),
                address=f"service/{name}",
                body=svc,
                path=path,
                line=start,
                end_line=end,
                provider="docker",
                lines=lines,
                meta={"scope": path},
            )
        )
    return out
