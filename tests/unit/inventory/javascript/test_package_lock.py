"""package-lock.json / npm-shrinkwrap.json, lockfile versions 1, 2 and 3."""

from __future__ import annotations

import io
import json
from functools import partial

import pytest

from bastion.errors import ExtractError
from bastion.inventory import javascript, python
from bastion.inventory.base import ExtractContext
from bastion.inventory.javascript.package_lock import PackageLockExtractor
from bastion.inventory.runner import run_extractors, want_fn
from bastion.model import FileRef
from bastion.targets.directory import DirectoryTree

from .conftest import JS_FIXTURES, expected, rows, run_extractor

ROOT = JS_FIXTURES / "package-lock"
PLUGIN = "javascript/package-lock"
MIRROR = "https://npm.pkg-mirror.example"


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("package-lock.json", True),
        ("app/npm-shrinkwrap.json", True),
        ("node_modules/.package-lock.json", False),  # npm's hidden lockfile: node_modules is read directly
        ("package.json", False),
        ("package-lock.json.bak", False),
        ("node_modules/some-pkg/package-lock.json", False),
        ("node_modules/some-pkg/npm-shrinkwrap.json", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert PackageLockExtractor().wants(FileRef(path)) is wanted


# Trivy's expected list for package-lock_v1.json (npm/parse_testcase.go, npmV1Pkgs): name@version,
# dev. Their relationship is "unknown" for v1 too (no package.json beside the lock).
TRIVY_V1 = {
    ("@babel/helper-string-parser", "7.19.4", False), ("asap", "2.0.6", False), ("body-parser", "1.18.3", False),
    ("bytes", "3.0.0", False), ("content-type", "1.0.5", False), ("debug", "2.5.2", True), ("debug", "2.6.9", False),
    ("depd", "1.1.2", False), ("ee-first", "1.1.1", False), ("encodeurl", "1.0.2", False),
    ("escape-html", "1.0.3", False), ("finalhandler", "1.1.1", False), ("http-errors", "1.6.3", False),
    ("iconv-lite", "0.4.23", False), ("inherits", "2.0.3", False), ("media-typer", "0.3.0", False),
    ("mime-db", "1.52.0", False), ("mime-types", "2.1.35", False), ("ms", "0.7.2", True), ("ms", "1.0.0", False),
    ("ms", "2.0.0", False), ("on-finished", "2.3.0", False), ("parseurl", "1.3.3", False), ("promise", "8.3.0", False),
    ("qs", "6.5.2", False), ("raw-body", "2.3.3", False), ("safer-buffer", "2.1.2", False),
    ("setprototypeof", "1.1.0", False), ("statuses", "1.4.0", False), ("type-is", "1.6.18", False),
    ("unpipe", "1.0.0", False),
}  # fmt: skip
BODY_PARSER_DEPS = (
    "bytes@3.0.0", "content-type@1.0.5", "debug@2.6.9", "depd@1.1.2", "http-errors@1.6.3", "iconv-lite@0.4.23",
    "on-finished@2.3.0", "qs@6.5.2", "raw-body@2.3.3", "type-is@1.6.18",
)  # fmt: skip


@pytest.mark.parametrize("rel", ["v1.json", "v2.json", "v3.json"])
def test_same_project_in_three_lockfile_versions(rel: str) -> None:
    """Trivy's v1/v2/v3 fixtures lock one project; each gives Trivy's package list and edges."""
    packages, warnings = run_extractor(PackageLockExtractor(), ROOT, rel)
    got = rows(packages, rel, PLUGIN)
    assert {(name, version, dev) for name, version, _, dev, _ in got} == TRIVY_V1
    edges = {(n, v): d for n, v, _, _, d in got}
    assert edges[("body-parser", "1.18.3")] == BODY_PARSER_DEPS
    assert edges[("debug", "2.5.2")] == ("ms@0.7.2",)  # the nested copy, not the hoisted ms@2.0.0
    assert edges[("promise", "8.3.0")] == ("asap@2.0.6",)
    direct = {(n, v) for n, v, d, _, _ in got if d}
    if rel == "v1.json":  # no root entry and no package.json: nothing says what is direct
        assert {d for _, _, d, _, _ in got} == {None}
    else:
        assert direct == {
            ("@babel/helper-string-parser", "7.19.4"), ("body-parser", "1.18.3"), ("debug", "2.5.2"),
            ("finalhandler", "1.1.1"), ("ms", "1.0.0"), ("promise", "8.3.0"),
        }  # fmt: skip
    assert warnings == []


def test_v2_entry_is_complete() -> None:
    packages, _ = run_extractor(PackageLockExtractor(), ROOT, "v3.json")
    debug = next(p for p in packages if (p.name, p.version) == ("debug", "2.5.2"))
    assert debug == expected(
        PLUGIN,
        "v3.json",
        "debug",
        "2.5.2",
        "pkg:npm/debug@2.5.2",
        direct=True,
        dev=True,
        deps=("ms@0.7.2",),
        meta={
            "resolved": f"{MIRROR}/debug/-/debug-2.5.2.tgz",
            "integrity": "sha512-iHrIBaTK1JzBz5WvitFmZGaTCO/mHiU3NKi8UKjh7rU2JboIbVMZU7pFSCpvc2NxfkrvyaQ5zfdNRJnft/TcoQ==",
        },
    )


P = partial(expected, PLUGIN)


@pytest.mark.parametrize(
    ("rel", "want", "warnings"),
    [
        (
            "v3-legacy-licenses.json",
            [
                ("tv4", "1.3.0", True, False, ()),
                ("pause-stream", "0.0.11", True, False, ()),
                ("mustache", "2.3.2", True, False, ()),
            ],
            [],
        ),
        # a workspace's own node_modules resolves first; link targets are first-party and not reported
        (
            "v3-workspace.json",
            [
                # workspace members are reported as workspace packages; function1 (folder func1) has no
                # version, so its version is "" (syft and trivy list it too)
                ("function1", "", None, None, ("nested_func@1.0.0",)),
                ("nested_func", "1.0.0", None, None, ("debug@2.6.9",)),
                ("debug", "2.6.9", True, False, ("ms@2.0.0",)),
                ("debug", "2.5.2", True, False, ("ms@0.7.2",)),
                ("ms", "0.7.2", False, False, ()),
                ("ms", "2.0.0", False, False, ()),
            ],
            [],
        ),
        # workspace members declare dependencies even when the root does not
        (
            "v3-no-root-deps-field.json",
            [
                ("func1", "1.0.0", None, None, ("debug@2.6.9",)),
                ("debug", "2.6.9", True, False, ("ms@2.0.0",)),
                ("ms", "2.0.0", False, False, ()),
            ],
            [],
        ),
        (
            "v3-broken-link.json",
            [("func1", "1.0.0", None, None, ())],
            [("v3-broken-link.json", "packages['node_modules/func1']: a link without 'resolved'; skipped")],
        ),
        # bundled copies inside a dev dependency stay dev; the same name@version at the top is prod
        (
            "v3-same-dev-and-non-dev.json",
            [
                ("fsevents", "1.2.9", True, True, ("node-pre-gyp@0.12.0",)),
                ("minimist", "0.0.8", False, True, ()),
                ("mkdirp", "0.5.1", False, True, ("minimist@0.0.8",)),
                ("node-pre-gyp", "0.12.0", False, True, ("mkdirp@0.5.1",)),
                ("minimist", "0.0.8", True, False, ()),
            ],
            [],
        ),
        # peer dependencies are installed (npm >= 7) and are edges
        (
            "v3-peer.json",
            [
                ("mustache", "2.3.2", False, False, ()),
                ("lodash", "4.17.21", True, False, ()),
                ("triple-beam", "1.4.1", False, False, ()),
                ("winston", "3.17.0", False, False, ("triple-beam@1.4.1",)),
                ("winston-mail", "2.0.0", True, False, ("mustache@2.3.2", "winston@3.17.0")),
            ],
            [],
        ),
    ],
)
def test_v3_scenarios(rel: str, want: list, warnings: list) -> None:
    packages, got_warnings = run_extractor(PackageLockExtractor(), ROOT, rel)
    assert rows(packages, rel, PLUGIN) == want
    assert got_warnings == warnings


def test_legacy_license_shapes() -> None:
    packages, _ = run_extractor(PackageLockExtractor(), ROOT, "v3-legacy-licenses.json")
    assert [p.licenses for p in packages] == [("Public Domain", "MIT"), ("MIT", "Apache2"), ("MIT",)]


def test_flags_in_metadata() -> None:
    packages, _ = run_extractor(PackageLockExtractor(), ROOT, "v3-same-dev-and-non-dev.json")
    assert packages[1] == P(
        "v3-same-dev-and-non-dev.json",
        "minimist",
        "0.0.8",
        "pkg:npm/minimist@0.0.8",
        direct=False,
        dev=True,
        licenses=("MIT",),
        meta={"inBundle": "true"},
    )


def test_npm_10_workspaces_and_alias() -> None:
    """Written by npm 10: workspaces (packages/*), an npm: alias, devDependencies in a workspace."""
    root = ROOT / "workspaces-alias"
    packages, warnings = run_extractor(PackageLockExtractor(), root, "package-lock.json")
    assert rows(packages, "package-lock.json", PLUGIN) == [
        ("ansi-regex", "5.0.1", False, False, ()),
        ("debug", "4.3.4", True, False, ("ms@2.1.2",)),
        ("ms", "2.1.2", False, False, ()),
        ("emoji-regex", "8.0.0", False, False, ()),
        ("is-fullwidth-code-point", "3.0.0", False, False, ()),
        ("is-number", "7.0.0", True, True, ()),
        ("is-odd", "3.0.1", True, True, ("is-number@6.0.0",)),
        ("is-number", "6.0.0", False, True, ()),
        ("ms", "2.1.3", True, False, ()),
        # "string-width-cjs": "npm:string-width@^4.2.0" is reported as the real package
        ("string-width", "4.2.3", True, False, ("emoji-regex@8.0.0", "is-fullwidth-code-point@3.0.0", "strip-ansi@6.0.1")),
        ("strip-ansi", "6.0.1", False, False, ("ansi-regex@5.0.1",)),
        # the workspace members, with their own edges (app -> lib is a workspace link)
        ("@mono/app", "1.0.0", None, None, ("@mono/lib@1.0.0", "ms@2.0.0")),
        ("ms", "2.0.0", True, False, ()),
        ("@mono/lib", "1.0.0", None, None, ("debug@4.3.4",)),
    ]  # fmt: skip
    assert packages[-1].metadata == {"workspace": "packages/lib"}
    assert warnings == []


def test_v1_with_package_json_marks_direct(tmp_path) -> None:
    lock = (ROOT / "v1.json").read_bytes()
    (tmp_path / "package-lock.json").write_bytes(lock)
    (tmp_path / "package.json").write_text(
        json.dumps(
            {
                "dependencies": {"finalhandler": "1.1.1", "body-parser": "1.18.3"},
                "devDependencies": {"debug": "2.5.2"},
            }
        )
    )
    packages, _ = run_extractor(PackageLockExtractor(), tmp_path, "package-lock.json")
    direct = sorted({(p.name, p.version) for p in packages if p.direct})
    assert direct == [("body-parser", "1.18.3"), ("debug", "2.5.2"), ("finalhandler", "1.1.1")]
    assert all(p.direct is not None for p in packages)


def test_v1_aliases_git_and_local(tmp_path) -> None:
    lock = {
        "lockfileVersion": 1,
        "dependencies": {
            "lodash-old": {
                "version": "npm:lodash@4.17.10",
                "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.10.tgz",
            },
            "left-pad": {"version": "github:stevemao/left-pad#5b6a4b9", "from": "github:stevemao/left-pad"},
            "mylib": {"version": "file:../mylib"},
            "user": {"version": "1.0.0", "requires": {"lodash-old": "npm:lodash@4.17.10"}},
        },
    }
    data = json.dumps(lock).encode()
    ctx = ExtractContext(tree=DirectoryTree(tmp_path))
    packages = PackageLockExtractor().extract(FileRef("package-lock.json", len(data)), io.BytesIO(data), ctx)
    got = [(p.name, p.version, p.dependencies, p.metadata.get("resolved")) for p in packages]
    assert got == [
        ("lodash", "4.17.10", (), "https://registry.npmjs.org/lodash/-/lodash-4.17.10.tgz"),
        ("left-pad", "", (), "github:stevemao/left-pad#5b6a4b9"),
        ("user", "1.0.0", ("lodash@4.17.10",), None),
    ]
    assert ctx.warnings == []


def test_edges_resolve_to_ids_in_the_runner() -> None:
    run = run_extractors(DirectoryTree(ROOT / "workspaces-alias"), [PackageLockExtractor()])
    ids = {p.id: (p.name, p.version) for p in run.inventory.packages}
    debug = next(p for p in run.inventory.packages if p.name == "debug")
    assert [ids[d] for d in debug.dependencies] == [("ms", "2.1.2")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[]", "top level is not an object"),
        (b'{"name": "x"}', "no 'packages', 'dependencies' or 'lockfileVersion'"),
        (b'{"lockfileVersion": 3, "packages": {', "invalid JSON"),
    ],
)
def test_not_a_lockfile(data: bytes, message: str) -> None:
    ctx = ExtractContext(tree=DirectoryTree(ROOT))
    with pytest.raises(ExtractError, match=message):
        PackageLockExtractor().extract(FileRef("package-lock.json", len(data)), io.BytesIO(data), ctx)


def test_sibling_manifests_are_materialised_for_images() -> None:
    """Targets that unpack only wanted files (images) must also unpack the manifests read beside
    lockfiles; the runner's want_fn includes every extractor's companion files."""
    want = want_fn([cls() for cls in (*python.EXTRACTORS, *javascript.EXTRACTORS)])
    for path in (
        "app/package.json",
        "pyproject.toml",
        "svc/Pipfile",
        "yarn.lock",
        "packages/lib/package.json",
    ):
        assert want(FileRef(path)), path
    assert not want(FileRef("app/tsconfig.json"))


def test_workspace_member_without_version() -> None:
    """Trivy's package-lock_v3_with_workspace.json: the member linked as node_modules/function1 has no
    version; syft and trivy both report it, and so does bastion (found by bench/compare_inventory.py)."""
    packages, _ = run_extractor(PackageLockExtractor(), ROOT, "v3-workspace.json")
    assert packages[0] == P(
        "v3-workspace.json",
        "function1",
        "",
        "pkg:npm/function1",
        licenses=("ISC",),
        deps=("nested_func@1.0.0",),
        meta={"workspace": "functions/func1"},
    )
