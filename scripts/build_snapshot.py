#!/usr/bin/env python3
"""Build the bundled offline vulnerability snapshot: ``src/bastion/vulndb/data/snapshot.db.zst``.

    .venv/bin/python scripts/build_snapshot.py [--from ../shared/vulndata] [--out PATH]

It runs the normal ``bastion db update`` code against a mirror directory (every source: all OSV
ecosystems present, Debian tracker JSON, Alpine secdb, KEV, EPSS when present) into a fresh
database, marks it as a snapshot, rewrites absolute mirror paths to ``vulndata/…``, compacts it and
compresses it with zstd level 19. A fresh offline machine installs it on first scan
(:mod:`bastion.vulndb.open`). Rebuild and commit it when the shared data changes.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

import zstandard

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from bastion.vulndb.store import SqliteStore  # noqa: E402
from bastion.vulndb.update import update_db  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="mirror", type=Path, default=REPO.parent / "shared" / "vulndata")
    ap.add_argument(
        "--out", type=Path, default=REPO / "src" / "bastion" / "vulndb" / "data" / "snapshot.db.zst"
    )
    ap.add_argument("--level", type=int, default=19)
    args = ap.parse_args(argv)
    mirror: Path = args.mirror.resolve()
    with tempfile.TemporaryDirectory(prefix="bastion-snapshot-") as tmp:
        db = Path(tmp) / "vuln.db"
        summary = update_db(db, mirror=mirror, log=lambda m: print(m, file=sys.stderr))  # noqa: T201
        conn = sqlite3.connect(db)
        prefix = str(mirror)
        conn.execute("UPDATE sources SET location = replace(location, ?, 'vulndata')", (prefix,))
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('origin', 'bundled snapshot')")
        conn.commit()
        conn.execute("VACUUM")
        conn.close()
        with SqliteStore(db) as store:
            counts = store.counts()
            sources = {s.name: s.records for s in store.sources()}
        raw = db.read_bytes()
        data = zstandard.ZstdCompressor(level=args.level).compress(raw)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(data)
    print(  # noqa: T201
        json.dumps(
            {
                "out": str(args.out),
                "db_bytes": len(raw),
                "zst_bytes": len(data),
                "revision": summary.revision,
                "counts": counts,
                "sources": sources,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
