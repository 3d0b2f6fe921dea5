"""One monorepo (two workspaces, an npm: alias, a nested version, dev dependencies in a workspace)
locked by npm 10, yarn 4, pnpm 9 and bun 1.x: every lockfile must give the same inventory."""

from __future__ import annotations

import pytest

from bastion.inventory.javascript import (
    BunLockExtractor,
    PackageLockExtractor,
    PnpmLockExtractor,
    YarnLockExtractor,
)

from .conftest import JS_FIXTURES, run_extractor

WANT = {
    # name, version, direct, dev, dependencies
    ("ansi-regex", "5.0.1", False, False, ()),
    ("debug", "4.3.4", True, False, ("ms@2.1.2",)),
    ("emoji-regex", "8.0.0", False, False, ()),
    ("is-fullwidth-code-point", "3.0.0", False, False, ()),
    ("is-number", "6.0.0", False, True, ()),
    ("is-number", "7.0.0", True, True, ()),
    ("is-odd", "3.0.1", True, True, ("is-number@6.0.0",)),
    ("ms", "2.0.0", True, False, ()),
    ("ms", "2.1.2", False, False, ()),
    ("ms", "2.1.3", True, False, ()),
    (
        "string-width",
        "4.2.3",
        True,
        False,
        ("emoji-regex@8.0.0", "is-fullwidth-code-point@3.0.0", "strip-ansi@6.0.1"),
    ),
    ("strip-ansi", "6.0.1", False, False, ("ansi-regex@5.0.1",)),
    # the workspace members themselves (first-party; direct/dev do not apply)
    ("@mono/app", "1.0.0", None, None, ("@mono/lib@1.0.0", "ms@2.0.0")),
    ("@mono/lib", "1.0.0", None, None, ("debug@4.3.4",)),
}


@pytest.mark.parametrize(
    ("extractor", "folder", "lockfile"),
    [
        (PackageLockExtractor, "package-lock/workspaces-alias", "package-lock.json"),
        (YarnLockExtractor, "yarn-lock/berry-workspaces", "yarn.lock"),
        (PnpmLockExtractor, "pnpm-lock/workspaces-alias", "pnpm-lock.yaml"),
        (BunLockExtractor, "bun-lock/workspaces-alias", "bun.lock"),
    ],
)
def test_same_inventory(extractor: type, folder: str, lockfile: str) -> None:
    packages, warnings = run_extractor(extractor(), JS_FIXTURES / folder, lockfile)
    assert {(p.name, p.version, p.direct, p.dev, p.dependencies) for p in packages} == WANT
    assert len(packages) == len(WANT)
    assert warnings == []
