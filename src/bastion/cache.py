"""Where bastion keeps caches (image blobs, the vulnerability database, compiled rule databases).

One rule everywhere: the explicit directory (``--cache-dir``), else ``BASTION_CACHE_DIR``, else the
user cache directory (platformdirs: ``~/.cache/bastion`` on Linux).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def cache_root(explicit: Path | str | None = None, env: Mapping[str, str] | None = None) -> Path:
    if explicit:
        return Path(explicit)
    environ = os.environ if env is None else env
    if environ.get("BASTION_CACHE_DIR"):
        return Path(environ["BASTION_CACHE_DIR"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("bastion", appauthor=False))
