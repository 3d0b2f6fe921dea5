"""Registry credentials and ``WWW-Authenticate`` challenges.

Credentials come, in order, from the explicit options (``--username``/``--password`` or
``BASTION_REGISTRY_USERNAME``/``BASTION_REGISTRY_PASSWORD``), then from the Docker CLI's config
(``$DOCKER_CONFIG/config.json`` or ``~/.docker/config.json``: ``auths`` entries with a base64 ``auth``
field or ``username``/``password``, and ``credHelpers``/``credsStore`` helpers), then from the
containers auth file skopeo and podman write (``$REGISTRY_AUTH_FILE`` or
``$XDG_RUNTIME_DIR/containers/auth.json``).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bastion.targets.image.reference import DOCKER_HUB

_HUB_KEYS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"})


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str
    source: str  # "options", "/root/.docker/config.json", "docker-credential-pass" … (for messages)


@dataclass(frozen=True, slots=True)
class Challenge:
    scheme: str  # "bearer" | "basic"
    params: dict[str, str]


_PARAM_RE = re.compile(r'\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?')


def parse_challenges(header: str) -> list[Challenge]:
    """``Bearer realm="…",service="…",scope="…"`` (one or several challenges) → Challenge values."""
    out: list[Challenge] = []
    rest = header.strip()
    while rest:
        m = re.match(r"([A-Za-z]+)\s*", rest)
        if m is None:
            break
        scheme = m.group(1).lower()
        rest = rest[m.end() :]
        params: dict[str, str] = {}
        while True:
            pm = _PARAM_RE.match(rest)
            if pm is None or (pm.group(2) is None and pm.group(3) is None):
                break
            # stop when the next token is a new scheme, not a parameter
            params[pm.group(1).lower()] = (
                pm.group(2).replace('\\"', '"') if pm.group(2) is not None else pm.group(3)
            )
            rest = rest[pm.end() :]
        out.append(Challenge(scheme, params))
        rest = rest.lstrip(", ")
    return out


def _host_key(key: str) -> str:
    key = key.strip().lower()
    key = re.sub(r"^[a-z]+://", "", key)
    key = key.split("/", 1)[0]
    return DOCKER_HUB if key in _HUB_KEYS else key


def _decode_auth(entry: Mapping[str, Any]) -> tuple[str, str] | None:
    auth = entry.get("auth")
    if isinstance(auth, str) and auth != "":
        try:
            raw = base64.b64decode(auth + "=" * (-len(auth) % 4)).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        user, sep, password = raw.partition(":")
        if sep and user:
            return user, password
    name = entry.get("username")
    secret = entry.get("password")
    if isinstance(name, str) and isinstance(secret, str) and name:
        return name, secret
    return None


def _helper(name: str, registry: str) -> tuple[str, str] | None:
    exe = shutil.which(f"docker-credential-{name}")
    if exe is None:
        return None
    server = "https://index.docker.io/v1/" if registry == DOCKER_HUB else registry
    try:
        proc = subprocess.run(
            [exe, "get"], input=server.encode(), capture_output=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        return None
    user, secret = doc.get("Username"), doc.get("Secret")
    if isinstance(user, str) and isinstance(secret, str) and user and user != "<token>":
        return user, secret
    return None


def _from_file(path: Path, registry: str, *, helpers: bool) -> Credentials | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict):
        return None
    if helpers:
        cred_helpers = doc.get("credHelpers")
        if isinstance(cred_helpers, dict):
            for key, name in cred_helpers.items():
                if _host_key(str(key)) == registry and isinstance(name, str):
                    got = _helper(name, registry)
                    if got:
                        return Credentials(got[0], got[1], f"docker-credential-{name}")
    auths = doc.get("auths")
    if isinstance(auths, dict):
        for key, entry in auths.items():
            if _host_key(str(key)) == registry and isinstance(entry, dict):
                got = _decode_auth(entry)
                if got:
                    return Credentials(got[0], got[1], str(path))
    if helpers:
        store = doc.get("credsStore")
        if isinstance(store, str) and store:
            got = _helper(store, registry)
            if got:
                return Credentials(got[0], got[1], f"docker-credential-{store}")
    return None


def find_credentials(
    registry: str,
    *,
    username: str | None = None,
    password: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Credentials | None:
    """Credentials for ``registry`` (normalised, ``docker.io`` for Docker Hub), or None (anonymous)."""
    if username:
        return Credentials(username, password or "", "options")
    env = os.environ if env is None else env
    registry = _host_key(registry)
    docker_dir = (
        Path(env["DOCKER_CONFIG"])
        if env.get("DOCKER_CONFIG")
        else Path(env.get("HOME", str(Path.home()))) / ".docker"
    )
    found = _from_file(docker_dir / "config.json", registry, helpers=True)
    if found:
        return found
    candidates = []
    if env.get("REGISTRY_AUTH_FILE"):
        candidates.append(Path(env["REGISTRY_AUTH_FILE"]))
    if env.get("XDG_RUNTIME_DIR"):
        candidates.append(Path(env["XDG_RUNTIME_DIR"]) / "containers" / "auth.json")
    for path in candidates:
        found = _from_file(path, registry, helpers=False)
        if found:
            return found
    return None
