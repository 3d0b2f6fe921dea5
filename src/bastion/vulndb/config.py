"""Where the database lives and which sources feed it: explicit values, then environment, then defaults.

=============================  ============================================  ======================
setting                        environment                                   default
=============================  ============================================  ======================
database file                  ``BASTION_DB`` (``--db``)                     ``<cache>/db/vuln.db``
cache directory                ``BASTION_CACHE_DIR`` (``--cache-dir``)       platformdirs user cache
sources                        ``BASTION_DB_SOURCES`` (comma-separated)      osv,debian,alpine,kev,epss
OSV ecosystems (online)        ``BASTION_DB_OSV_ECOSYSTEMS``                 see ``sources/osv.py``
Alpine branches (online)       ``BASTION_DB_ALPINE_BRANCHES``                v3.12 … v3.22, edge
mirror for updates             ``BASTION_DB_MIRROR`` (``--from``)            official URLs
warn when data is older than   ``BASTION_DB_MAX_AGE_DAYS``                   7 days
auto-update on scan after      ``BASTION_DB_UPDATE_HOURS``                   24 hours
never use the network          ``BASTION_OFFLINE=1`` (``--offline``)         off
=============================  ============================================  ======================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bastion.cache import cache_root
from bastion.errors import UsageError

__all__ = ["DbConfig", "load_config"]


@dataclass(frozen=True)
class DbConfig:
    path: Path
    sources: tuple[str, ...]
    osv_ecosystems: tuple[str, ...] = ()
    alpine_branches: tuple[str, ...] = ()
    mirror: str | None = None
    max_age_days: float = 7.0
    update_hours: float = 24.0
    offline: bool = False
    timeout: float = 60.0

    def settings(self) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.osv_ecosystems:
            out["osv.ecosystems"] = list(self.osv_ecosystems)
        if self.alpine_branches:
            out["alpine.branches"] = list(self.alpine_branches)
        return out


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{name}={raw!r}: expected a number") from None
    if value < 0:
        raise UsageError(f"{name}={raw!r}: expected a number >= 0")
    return value


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    return cache_root(env=env)


def load_config(
    *,
    cache_dir: Path | None = None,
    db: Path | None = None,
    mirror: str | None = None,
    offline: bool | None = None,
    env: Mapping[str, str] | None = None,
) -> DbConfig:
    env = os.environ if env is None else env
    from bastion.vulndb.sources import DEFAULT_SOURCES

    if db is None and env.get("BASTION_DB"):
        db = Path(env["BASTION_DB"])
    if db is None:
        db = (cache_dir or default_cache_dir(env)) / "db" / "vuln.db"
    sources = _split(env.get("BASTION_DB_SOURCES")) or DEFAULT_SOURCES
    return DbConfig(
        path=db.expanduser(),
        sources=sources,
        osv_ecosystems=_split(env.get("BASTION_DB_OSV_ECOSYSTEMS")),
        alpine_branches=_split(env.get("BASTION_DB_ALPINE_BRANCHES")),
        mirror=mirror if mirror is not None else (env.get("BASTION_DB_MIRROR") or None),
        max_age_days=_number(env, "BASTION_DB_MAX_AGE_DAYS", 7.0),
        update_hours=_number(env, "BASTION_DB_UPDATE_HOURS", 24.0),
        offline=bool(offline) or env.get("BASTION_OFFLINE", "").strip().lower() in ("1", "true", "yes"),
    )
