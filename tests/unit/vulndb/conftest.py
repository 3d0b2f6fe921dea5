from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bastion.vulndb.store import SqliteStore
from bastion.vulndb.update import update_db
from tests._support.vulndb import build_mirror


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    return build_mirror(tmp_path / "mirror")


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("vulndb")
    mirror = build_mirror(root / "mirror")
    db = root / "vuln.db"
    update_db(db, mirror=mirror)
    return db


@pytest.fixture
def store(fixture_db: Path) -> Iterator[SqliteStore]:
    with SqliteStore(fixture_db) as s:
        yield s
