"""The pre-commit hook: scan the files being committed (``python -m bastion.cli.commands.precommit``).

pre-commit passes the staged file names (and stashes unstaged changes, so the working tree holds the
staged content). They are copied, with their relative paths, into a temporary directory that is then
scanned like ``bastion scan fs``; the repository's bastion.yaml (if any) is the policy.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from bastion.cli.main import main as bastion_main
from bastion.config import CONFIG_NAMES

MAX_FILE_BYTES = 50 << 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bastion-precommit", description=__doc__)
    parser.add_argument("--scanners", default="secret,misconfig")
    parser.add_argument("--config", default=None)
    parser.add_argument("--severity", default=None)
    parser.add_argument("--exit-code", default="1")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args(argv)
    files = [Path(f) for f in args.files]
    if not files:
        return 0
    config = args.config
    if config is None:
        config = next((name for name in CONFIG_NAMES if Path(name).is_file()), None)
    with tempfile.TemporaryDirectory(prefix="bastion-precommit-") as tmp:
        root = Path(tmp)
        for f in files:
            if f.is_absolute() or ".." in f.parts or f.is_symlink() or not f.is_file():
                continue
            if f.stat().st_size > MAX_FILE_BYTES:
                continue
            dest = root / f
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dest)
        cmd = ["scan", "fs", str(root), "--scanners", args.scanners, "--exit-code", args.exit_code, "--quiet"]
        cmd += ["--config", config] if config else ["--no-config"]
        if args.severity:
            cmd += ["--severity", args.severity]
        return bastion_main(cmd)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
