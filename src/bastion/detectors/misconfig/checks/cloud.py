"""Azure, GCP and generic Terraform check logic that is not a plain condition (see azure.yaml,
gcp.yaml, terraform.yaml)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bastion.detectors.misconfig.base import Path, Project, Resource, Violation

Found = Iterator[Violation]
_INTERNET = frozenset({"*", "0.0.0.0/0", "0.0.0.0", "internet", "any", "::/0"})


def _as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [] if v is None else [v]


def _port_in(spec: Any, port: int) -> bool:
    for item in _as_list(spec):
        s = str(item).strip()
        if s == "*":
            return True
        if "-" in s:
            lo, _, hi = s.partition("-")
            if lo.strip().isdigit() and hi.strip().isdigit() and int(lo) <= port <= int(hi):
                return True
        elif s.isdigit() and int(s) == port:
            return True
    return False


def _nsg_rules(res: Resource) -> Iterator[tuple[Path, dict[str, Any]]]:
    if res.type == "azurerm_network_security_rule":
        yield (), res.body
    else:
        for i, r in enumerate(res.body.get("security_rule") or ()):
            if isinstance(r, dict):
                yield ("security_rule", i), r


def _nsg_port(port: int, label: str) -> Any:
    def check(res: Resource, project: Project) -> Found:
        for path, r in _nsg_rules(res):
            if (
                str(r.get("direction", "")).lower() != "inbound"
                or str(r.get("access", "")).lower() != "allow"
            ):
                continue
            sources = [
                str(s).lower()
                for s in _as_list(r.get("source_address_prefix")) + _as_list(r.get("source_address_prefixes"))
            ]
            if not any(s in _INTERNET for s in sources):
                continue
            if str(r.get("protocol", "*")).lower() not in ("*", "tcp"):
                continue
            if _port_in(r.get("destination_port_range"), port) or _port_in(
                r.get("destination_port_ranges"), port
            ):
                yield Violation(
                    f"rule '{r.get('name')}' allows {label} ({port}) from the Internet", path, sources
                )

    return check


nsg_ssh = _nsg_port(22, "SSH")
nsg_rdp = _nsg_port(3389, "RDP")


def storage_public_blobs(res: Resource, project: Project) -> Found:
    b = res.body
    if b.get("allow_blob_public_access") is True:
        yield Violation("storage account allows public blob access", ("allow_blob_public_access",), True)
    elif "allow_blob_public_access" not in b and b.get("allow_nested_items_to_be_public") is not False:
        yield Violation(
            "storage account allows public blob access (allow_nested_items_to_be_public defaults to true)",
            ("allow_nested_items_to_be_public",),
            b.get("allow_nested_items_to_be_public"),
        )


def _firewall_port(port: int, label: str) -> Any:
    def check(res: Resource, project: Project) -> Found:
        b = res.body
        if str(b.get("direction", "INGRESS")).upper() != "INGRESS":
            return
        if not any(str(s) in ("0.0.0.0/0", "::/0") for s in _as_list(b.get("source_ranges"))):
            return
        for i, allow in enumerate(b.get("allow") or ()):
            if not isinstance(allow, dict):
                continue
            proto = str(allow.get("protocol", "")).lower()
            if proto not in ("tcp", "all"):
                continue
            ports = allow.get("ports")
            if proto == "all" or not ports or _port_in(ports, port):
                yield Violation(
                    f"firewall allows {label} ({port}) from 0.0.0.0/0", ("allow", i), ports or proto
                )
                return

    return check


gcp_fw_ssh = _firewall_port(22, "SSH")
gcp_fw_rdp = _firewall_port(3389, "RDP")


def gcp_kms_rotation(res: Resource, project: Project) -> Found:
    period = res.body.get("rotation_period")
    m = re.fullmatch(r"(\d+)(?:\.\d+)?s", str(period)) if period else None
    if not m:
        yield Violation("crypto key has no rotation period", ("rotation_period",), period)
    elif int(m.group(1)) > 90 * 86400:
        yield Violation(
            f"crypto key rotates every {int(m.group(1)) // 86400} days (> 90)", ("rotation_period",), period
        )


def module_unpinned(res: Resource, project: Project) -> Found:
    src = res.body.get("source")
    if not isinstance(src, str) or src.startswith(("./", "../", "/")):
        return
    if (
        src.startswith(("git::", "git@", "github.com/", "bitbucket.org/"))
        or ".git" in src
        or src.startswith(("https://", "http://", "s3::", "gcs::"))
    ):
        if "ref=" not in src:
            yield Violation(f"module source {src} is not pinned to a ref", ("source",), src)
    elif re.fullmatch(r"[\w.-]+(/[\w.-]+){2,3}(//.*)?", src) and not res.body.get("version"):
        yield Violation(f"registry module {src} has no version constraint", ("source",), src)
