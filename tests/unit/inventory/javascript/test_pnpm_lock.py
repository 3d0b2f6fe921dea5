"""pnpm-lock.yaml: lockfile versions 5.x, 6.x and 9.x, single projects and workspaces."""

from __future__ import annotations

import io

import pytest

from bastion.errors import ExtractError
from bastion.inventory.base import ExtractContext
from bastion.inventory.javascript.pnpm_lock import PnpmLockExtractor, parse_dep_path
from bastion.model import FileRef
from bastion.targets.directory import DirectoryTree

from .conftest import JS_FIXTURES, expected, rows, run_extractor

ROOT = JS_FIXTURES / "pnpm-lock"
PLUGIN = "javascript/pnpm-lock"


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("pnpm-lock.yaml", True),
        ("apps/web/pnpm-lock.yaml", True),
        ("pnpm-workspace.yaml", False),
        ("pnpm-lock.yml", False),
        ("node_modules/x/pnpm-lock.yaml", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert PnpmLockExtractor().wants(FileRef(path)) is wanted


@pytest.mark.parametrize(
    ("path", "major", "want"),
    [
        ("/lodash/4.17.21", 5, ("lodash", "4.17.21")),
        ("/@babel/core/7.21.8", 5, ("@babel/core", "7.21.8")),
        ("/@babel/helper/7.21.5_@babel+core@7.21.8", 5, ("@babel/helper", "7.21.5")),
        ("registry.npmjs.org/ms/2.1.3", 5, ("ms", "2.1.3")),
        ("/lodash@4.17.21", 6, ("lodash", "4.17.21")),
        ("/@babel/helper@7.21.5(@babel/core@7.21.8)", 6, ("@babel/helper", "7.21.5")),
        ("jest-config@30.0.3(@types/node@24.0.7)(babel-plugin-macros@3.1.0)", 9, ("jest-config", "30.0.3")),
        ("@scope/pkg@1.0.0-beta.1", 9, ("@scope/pkg", "1.0.0-beta.1")),
        ("github.com/user/repo/abc123", 5, None),
        ("file:packages/a", 9, None),
    ],
)
def test_parse_dep_path(path: str, major: int, want: tuple[str, str] | None) -> None:
    assert parse_dep_path(path, major) == want


SMALL = [
    ("asap", "2.0.6", False, False, ()),
    ("jquery", "3.6.0", True, False, ()),
    ("promise", "8.1.0", True, False, ("asap@2.0.6",)),
]


@pytest.mark.parametrize(
    ("rel", "want"),
    [
        ("v5-normal.yaml", SMALL),
        ("v6-normal.yaml", SMALL),
        # tarballs (name/version fields) are kept; file:package1 is a local directory whose own
        # dependency (asynckit) counts as declared by first-party code
        (
            "v6-archives.yaml",
            [
                ("asynckit", "0.4.0", True, False, ()),
                ("ms", "2.1.2", False, False, ()),
                ("is-negative", "2.0.1", True, False, ()),
                ("debug", "4.3.4", True, False, ("ms@2.1.2",)),
                ("lodash", "4.17.21", True, False, ()),
            ],
        ),
        # pnpm >= 10: the first YAML document is pnpm's own env lockfile, not the project's
        ("v9-env-document.yaml", [("is-number", "7.0.0", True, False, ())]),
        # one version, two peer variants: two nodes with different edges and dev status
        (
            "v9-peer-variants.yaml",
            [
                ("jest-config", "30.0.3", True, False, ("jest-runner@30.0.3",)),
                ("jest-pnp-resolver", "1.2.3", False, True, ("jest-resolve@27.5.1",)),
                ("jest-pnp-resolver", "1.2.3", False, False, ("jest-resolve@30.0.2",)),
                ("jest-resolve", "27.5.1", False, True, ("jest-pnp-resolver@1.2.3",)),
                ("jest-resolve", "30.0.2", False, False, ("jest-pnp-resolver@1.2.3",)),
                ("jest-runner", "27.5.1", True, True, ("jest-pnp-resolver@1.2.3",)),
                ("jest-runner", "30.0.3", False, False, ("jest-pnp-resolver@1.2.3",)),
            ],
        ),
    ],
)
def test_lockfiles(rel: str, want: list) -> None:
    packages, warnings = run_extractor(PnpmLockExtractor(), ROOT, rel)
    assert rows(packages, rel, PLUGIN) == want
    assert warnings == []


def test_v5_dev_flags() -> None:
    packages, _ = run_extractor(PnpmLockExtractor(), ROOT, "v5-dev.yaml")
    assert len(packages) == 85
    got = {(p.name, p.version): (p.direct, p.dev) for p in packages}
    assert got[("react", "18.1.0")] == (True, False)
    assert got[("mocha", "10.0.0")] == (True, True)
    assert got[("ansi-colors", "4.1.1")] == (False, True)
    assert got[("@babel/runtime", "7.18.3")] == (False, False)


def test_v9_importers_tarballs_and_local() -> None:
    """Trivy's pnpm-lock_v9.yaml: two importers, tarball and file: dependencies, no dev flags."""
    packages, warnings = run_extractor(PnpmLockExtractor(), ROOT, "v9-importers.yaml")
    assert rows(packages, "v9-importers.yaml", PLUGIN) == [
        ("@babel/helper-string-parser", "7.24.1", True, False, ()),
        ("asap", "2.0.6", False, False, ()),
        ("asynckit", "0.4.0", True, False, ()),  # a dependency of the local file:package1
        ("await-sleep", "0.0.1", True, True, ()),
        ("debug", "4.3.4", False, False, ("ms@2.0.0",)),
        ("debug", "4.3.5", True, False, ("ms@2.1.2",)),  # the tarball, version from its own field
        ("ee-first", "1.1.1", False, False, ()),
        ("encodeurl", "1.0.2", False, False, ()),
        ("escape-html", "1.0.3", False, False, ()),
        ("finalhandler", "1.1.1", True, False, ("debug@4.3.4", "encodeurl@1.0.2", "escape-html@1.0.3", "on-finished@2.3.0", "parseurl@1.3.3", "statuses@1.4.0", "unpipe@1.0.0")),
        ("is-negative", "2.0.1", True, False, ()),
        ("jquery", "3.6.0", True, True, ()),
        ("lodash", "4.17.21", True, True, ()),  # file:foo/bar/lodash.tgz: a vendored tarball, kept
        ("ms", "2.0.0", True, False, ()),  # a root devDependency, but also reached from prod finalhandler
        ("ms", "2.1.2", False, False, ()),
        ("on-finished", "2.3.0", True, False, ("ee-first@1.1.1",)),
        ("parseurl", "1.3.3", False, False, ()),
        ("promise", "8.1.0", True, False, ("asap@2.0.6",)),
        ("sleep-utils", "1.0.3", True, False, ()),
        ("statuses", "1.4.0", False, False, ()),
        ("unpipe", "1.0.0", False, False, ()),
    ]  # fmt: skip
    assert packages[1] == expected(
        PLUGIN,
        "v9-importers.yaml",
        "asap",
        "2.0.6",
        "pkg:npm/asap@2.0.6",
        direct=False,
        dev=False,
        meta={
            "optional": "true",
            "integrity": "sha512-BSHWgDSAiKs50o2Re8ppvp3seVHXSRM44cdSsT9FfNEUUZLOGWVCsiWaRPWM1Znn+mqZ1OfVZ3z3DWEzSp7hRA==",
        },
    )
    assert warnings == []


def test_v9_cycle_terminates() -> None:
    packages, _ = run_extractor(PnpmLockExtractor(), ROOT, "v9-cycle.yaml")
    deps = {p.name: p.dependencies for p in packages}
    assert "browserslist@4.23.0" in deps["update-browserslist-db"]
    assert "update-browserslist-db@1.0.16" in deps["browserslist"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("packages: {}\n", "no usable 'lockfileVersion'"),
        ("lockfileVersion: banana\n", "no usable 'lockfileVersion'"),
        ("- a\n- b\n", "a document is not a mapping"),
        ("", "empty document"),
        ("lockfileVersion: '9.0'\npackages: [\n", "invalid YAML"),
    ],
)
def test_bad_lockfiles(text: str, message: str) -> None:
    ctx = ExtractContext(tree=DirectoryTree(ROOT))
    data = text.encode()
    with pytest.raises(ExtractError, match=message):
        PnpmLockExtractor().extract(FileRef("pnpm-lock.yaml", len(data)), io.BytesIO(data), ctx)
