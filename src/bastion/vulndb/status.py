"""Human-readable state of the vulnerability database (``bastion version``, ``bastion db status``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bastion.vulndb.base import DbError
from bastion.vulndb.config import load_config
from bastion.vulndb.open import age_days
from bastion.vulndb.store import SqliteStore
from bastion.vulndb.update import snapshot_resource

__all__ = ["describe_db"]


def describe_db(cache_dir: Path | None = None, db: Path | None = None, now: datetime | None = None) -> str:
    """One or two lines: where the database is, its revision, age and size."""
    path = load_config(cache_dir=cache_dir, db=db).path
    if not path.exists():
        bundled = (
            "a bundled offline snapshot will be installed on first scan"
            if snapshot_resource().is_file()
            else "run `bastion db update`"
        )
        return f"vulnerability db: not installed at {path} ({bundled})"
    try:
        with SqliteStore(path) as store:
            counts = store.counts()
            age = age_days(store, now or datetime.now(UTC))
            sources = store.sources()
            origin = store.meta().get("origin", "update")
            return (
                f"vulnerability db: {path}\n"
                f"  revision {store.revision()}, built {store.built} ({_age(age)}, from {origin}); "
                f"{counts['advisories']} advisories, {counts['packages']} packages, {len(sources)} sources"
            )
    except DbError as exc:
        return f"vulnerability db: {path}: {exc.message}"


def _age(age: float | None) -> str:
    if age is None:
        return "age unknown"
    if age < 1:
        return f"{age * 24:.1f} hours ago"
    return f"{age:.1f} days ago"
