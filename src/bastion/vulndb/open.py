"""Open the vulnerability database for a scan: find it, install the bundled snapshot, refresh, warn.

``open_for_scan`` (what ``bastion scan`` calls):

1. the database file is ``--db`` / ``BASTION_DB``, else ``<cache dir>/db/vuln.db`` (``--cache-dir``,
   ``BASTION_CACHE_DIR``, else the platform's user cache directory);
2. when there is no database yet, the **bundled offline snapshot** shipped inside the package is
   installed there (a fresh offline machine gets real findings with no update); when the cache
   directory cannot be written, the snapshot is used from a temporary file;
3. unless ``--offline`` / ``BASTION_OFFLINE=1`` or ``--skip-db-update``, a database older than
   ``BASTION_DB_UPDATE_HOURS`` (24) is updated from the official sources (or ``BASTION_DB_MIRROR``);
   a failed attempt is reported, remembered for an hour, and the existing data is used;
4. data older than ``BASTION_DB_MAX_AGE_DAYS`` (7) gives a warning with its age.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from bastion.vulndb.base import DbCorruptError, DbError
from bastion.vulndb.config import DbConfig, load_config
from bastion.vulndb.store import SqliteStore

__all__ = ["age_days", "open_for_scan", "resolve_db_path"]

_RETRY_SECONDS = 3600


class _Console(Protocol):
    """What the notices need of a console (rich.console.Console fits)."""

    def print(self, *objects: Any) -> None: ...


def resolve_db_path(cache_dir: Path | None = None, db: Path | None = None) -> Path:
    return load_config(cache_dir=cache_dir, db=db).path


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def age_days(store: SqliteStore, now: datetime | None = None) -> float | None:
    """Days since the database was built (its data fetched)."""
    built = _parse_time(store.built)
    if built is None:
        return None
    return ((now or datetime.now(UTC)) - built).total_seconds() / 86400


def install_snapshot(path: Path) -> bool:
    """:func:`bastion.vulndb.update.install_snapshot`, imported only when a snapshot is needed."""
    from bastion.vulndb.update import install_snapshot as install

    return install(path)


def _notice(console: _Console | None, quiet: bool, text: str, style: str = "yellow") -> None:
    if console is not None and not quiet:
        console.print(f"[{style}]notice:[/] {text}" if style == "yellow" else f"[{style}]warning:[/] {text}")


def _try_update(cfg: DbConfig, console: _Console | None, quiet: bool) -> None:
    marker = cfg.path.with_name(cfg.path.name + ".last-attempt")
    try:
        if marker.exists() and datetime.now(UTC).timestamp() - marker.stat().st_mtime < _RETRY_SECONDS:
            return
        marker.touch()
    except OSError:
        pass
    from bastion.vulndb.update import update_db  # the updater (sources, ingest) only when updating

    _notice(
        console,
        quiet,
        f"updating the vulnerability database from {cfg.mirror or 'the official sources'} (skip with --skip-db-update)",
    )
    try:
        update_db(
            cfg.path,
            sources=cfg.sources,
            mirror=cfg.mirror,
            settings=cfg.settings(),
            timeout=min(cfg.timeout, 30.0),
        )
    except DbError as exc:
        _notice(
            console, quiet, f"database update failed, using the existing data: {exc.message}", style="red"
        )


def open_for_scan(
    cache_dir: Path | None = None,
    quiet: bool = False,
    console: _Console | None = None,
    *,
    offline: bool = False,
    skip_update: bool = False,
    db: Path | None = None,
    now: datetime | None = None,
) -> SqliteStore:
    cfg = load_config(cache_dir=cache_dir, db=db, offline=offline)
    path = cfg.path
    if not path.exists():
        try:
            installed = install_snapshot(path)
        except OSError as exc:
            tmp = Path(tempfile.mkdtemp(prefix="bastion-db-")) / "vuln.db"
            _notice(
                console,
                quiet,
                f"{path.parent}: cannot write ({exc.strerror or exc}); using the bundled snapshot from {tmp}",
            )
            installed = install_snapshot(tmp)
            path = tmp
        if not installed:
            raise DbError(
                f"{path}: no vulnerability database, and this build has no bundled snapshot",
                hint="run `bastion db update`",
            )
        _notice(console, quiet, f"installed the bundled offline vulnerability snapshot at {path}")
    try:
        store = SqliteStore(path)
    except DbCorruptError as exc:
        _notice(
            console,
            quiet,
            f"{exc.message}; falling back to the bundled snapshot (run `bastion db update` to rebuild)",
            style="red",
        )
        tmp = Path(tempfile.mkdtemp(prefix="bastion-db-")) / "vuln.db"
        if not install_snapshot(tmp):
            raise
        store = SqliteStore(tmp)
    age = age_days(store, now)
    if (
        not cfg.offline
        and not skip_update
        and path == cfg.path
        and age is not None
        and age * 24 >= cfg.update_hours
    ):
        store.close()
        _try_update(cfg, console, quiet)
        store = SqliteStore(path)
        age = age_days(store, now)
    if age is not None and age > cfg.max_age_days:
        _notice(
            console,
            quiet,
            f"vulnerability data is {age:.0f} days old (built {store.built}); run `bastion db update` "
            f"(warning threshold: BASTION_DB_MAX_AGE_DAYS={cfg.max_age_days:g})",
        )
    return store
