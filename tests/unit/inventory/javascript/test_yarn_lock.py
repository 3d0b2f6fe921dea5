"""yarn.lock: yarn 1 (own format, own parser) and yarn Berry (YAML)."""

from __future__ import annotations

import io
from functools import partial

import pytest

from bastion.errors import ExtractError
from bastion.inventory.base import ExtractContext
from bastion.inventory.javascript.yarn_lock import YarnLockExtractor, parse_v1
from bastion.model import FileRef, Package
from bastion.targets.directory import DirectoryTree

from .conftest import JS_FIXTURES, expected, rows, run_extractor

ROOT = JS_FIXTURES / "yarn-lock"
PLUGIN = "javascript/yarn-lock"
P = partial(expected, PLUGIN)
YARNPKG = "https://registry.yarnpkg.com"


def lines(packages: list[Package]) -> list[int | None]:
    return [p.locations[0].line for p in packages]


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("yarn.lock", True),
        ("web/yarn.lock", True),
        ("yarn.lock.orig", False),
        (".yarnrc.yml", False),
        # shipped inside an installed package: its own dev setup, not what is installed
        ("node_modules/uri-js/yarn.lock", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert YarnLockExtractor().wants(FileRef(path)) is wanted


def test_v1_happy_matches_trivy() -> None:
    """Trivy's yarn_happy.lock: the same 18 packages, start lines and edges as its parse_testcase.go."""
    packages, warnings = run_extractor(YarnLockExtractor(), ROOT, "v1-happy.lock")
    assert rows(packages, "v1-happy.lock", PLUGIN) == [
        ("@babel/helper-regex", "7.4.4", None, None, ("lodash@4.17.11",)),
        ("ansi-regex", "2.1.1", None, None, ()),
        ("ansi-regex", "3.0.0", None, None, ()),
        ("asap", "2.0.6", None, None, ()),
        ("inherits", "2.0.3", None, None, ()),
        ("is-fullwidth-code-point", "2.0.0", None, None, ()),
        ("js-tokens", "4.0.0", None, None, ()),
        ("jquery", "3.4.1", None, None, ()),
        ("lodash", "4.17.11", None, None, ()),
        ("promise", "8.0.3", None, None, ("asap@2.0.6",)),
        ("safe-buffer", "5.1.2", None, None, ()),
        ("safer-buffer", "2.1.2", None, None, ()),
        ("statuses", "1.5.0", None, None, ()),
        ("string-width", "2.1.1", None, None, ("is-fullwidth-code-point@2.0.0", "strip-ansi@4.0.0")),
        ("strip-ansi", "3.0.1", None, None, ("ansi-regex@2.1.1",)),
        ("strip-ansi", "4.0.0", None, None, ("ansi-regex@3.0.0",)),
        ("whatwg-fetch", "3.0.0", None, None, ()),
        ("wide-align", "1.1.3", None, None, ("string-width@2.1.1",)),
    ]
    assert lines(packages) == [4, 11, 16, 21, 26, 31, 36, 41, 46, 51, 58, 63, 68, 73, 82, 89, 96, 101]
    assert packages[0].metadata == {
        "resolved": f"{YARNPKG}/@babel/helper-regex/-/helper-regex-7.4.4.tgz#a47e02bc91fb259d2e6727c2a30013e3ac13c4a2",
        "integrity": "sha512-Y5nuB/kESmR3tKjU8Nkn1wMGEx1tjJX076HBMeL3XLQCu6vA/YRzuTW0bbb+qRnXvQGn+d6Rx953yffl8vEy7Q==",
    }
    assert warnings == []


ASAP = P(
    "v1-local.lock", "asap", "2.0.6", "pkg:npm/asap@2.0.6", line=5,
    meta={"resolved": f"{YARNPKG}/asap/-/asap-2.0.6.tgz#e50347611d7e690943208bbdafebcbc2fb866d46", "integrity": "sha1-5QNHYR1+aQlDIIu9r+vLwvuGbUY="},
)  # fmt: skip
JQUERY_341 = {
    "resolved": f"{YARNPKG}/jquery/-/jquery-3.4.1.tgz#714f1f8d9dde4bdfa55764ba37ef214630d80ef2",
    "integrity": "sha512-36+AdBzCL+y6qjw5Tx7HgzeGCzC81MDDgaUP8ld2zhx58HdqXGoBd+tHdrBMiyjGQs0Hxs/MLZTu/eHNJJuWPw==",
}
PROMISE_803 = {
    "resolved": f"{YARNPKG}/promise/-/promise-8.0.3.tgz#f592e099c6cddc000d538ee7283bb190452b0bf6",
    "integrity": "sha512-HeRDUL1RJiLhyA0/grn+PTShlBAcLuh/1BJGtrvjwbvRDCTLLMEz9rOGCV+R3vHY4MixIuoMEd9Yq/XvsTPcjw==",
}

CASES = [
    # a git dependency is kept, with the commit in "resolved"
    (
        "v1-git.lock",
        [P("v1-git.lock", "mapbox-gl-feature-drag-and-drop", "1.1.1", "pkg:npm/mapbox-gl-feature-drag-and-drop@1.1.1", line=5,
           meta={"resolved": "git+https://github.com/jrd/mapbox-gl-feature-drag-and-drop.git#538b1126e0d15210e91b4a34ffc223b4fec1ef87"})],
        [],
    ),
    # file: packages are local code: not reported
    (
        "v1-local.lock",
        [
            ASAP,
            P("v1-local.lock", "jquery", "3.4.1", "pkg:npm/jquery@3.4.1", line=10, meta=JQUERY_341),
            P("v1-local.lock", "promise", "8.0.3", "pkg:npm/promise@8.0.3", deps=("asap@2.0.6",), line=15, meta=PROMISE_803),
        ],
        [],
    ),
    (
        "v1-bad-protocol.lock",
        [P("v1-bad-protocol.lock", "jquery", "3.4.1", "pkg:npm/jquery@3.4.1", line=4, meta=JQUERY_341)],
        [("v1-bad-protocol.lock", "line 1: unknown protocol 'unsupported' in 'asap@unsupported:~2.0.6'; skipped")],
    ),
    # npm can write yarn.lock files too: every key and value quoted
    (
        "v1-written-by-npm.lock",
        [P("v1-written-by-npm.lock", "jquery", "3.6.0", "pkg:npm/jquery@3.6.0", line=1, meta={
            "resolved": "https://npm.pkg-mirror.example/jquery/-/jquery-3.6.0.tgz",
            "integrity": "sha512-JVzAR/AjBvVt2BmYhxRCSYysDsPcssdmTFnzyLEts9qNwmjmu4JTAMYubEfwVOSwpQ1I1sKKFcxhZCI2buerfw==",
        })],
        [],
    ),
    # Berry: the workspace entry names the direct dependencies; its package.json is absent, so dev is unknown
    (
        "berry-protocol-deps.lock",
        [
            P("berry-protocol-deps.lock", "debug", "4.3.4", "pkg:npm/debug@4.3.4", direct=True, deps=("ms@2.1.2",), line=16, meta={
                "checksum": "cedbec45298dd5c501d01b92b119cd3faebe5438c3917ff11ae1bff86a6c722930ac9c8659792824013168ba6db7c4668225d845c633fbdafbbf902a6389f736"}),
            P("berry-protocol-deps.lock", "ms", "2.1.2", "pkg:npm/ms@2.1.2", direct=False, line=28, meta={
                "checksum": "a437714e2f90dbf881b5191d35a6db792efbca5badf112f87b9e1c712aace4b4b9b742dd6537f3edf90fd6f684de897cec230abde57e87883766712ddda297cc"}),
        ],
        [],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("rel", "want", "warnings"), CASES, ids=[c[0] for c in CASES])
def test_extract(rel: str, want: list, warnings: list) -> None:
    packages, got_warnings = run_extractor(YarnLockExtractor(), ROOT, rel)
    assert packages == want
    assert got_warnings == warnings


def test_berry_happy_matches_trivy() -> None:
    """Trivy's yarn_v2_happy.lock: Trivy's 16 packages and start lines, plus fsevents, whose only entry
    is a builtin patch of fsevents@2.1.3 (the patched package is installed, so it is reported)."""
    packages, warnings = run_extractor(YarnLockExtractor(), ROOT, "berry-happy.lock")
    got = rows(packages, "berry-happy.lock", PLUGIN)
    assert [(n, v, deps) for n, v, _, _, deps in got] == [
        ("@types/color-name", "1.1.1", ()),
        ("abbrev", "1.1.1", ()),
        ("ansi-styles", "3.2.1", ("color-convert@1.9.3",)),
        ("ansi-styles", "4.2.1", ("@types/color-name@1.1.1", "color-convert@2.0.1")),
        ("assert-plus", "1.0.0", ()),
        ("async", "3.2.0", ()),
        ("color-convert", "1.9.3", ("color-name@1.1.3",)),
        ("color-convert", "2.0.1", ("color-name@1.1.4",)),
        ("color-name", "1.1.3", ()),
        ("color-name", "1.1.4", ()),
        ("fsevents", "2.1.3", ("node-gyp@7.1.0",)),
        ("ipaddr.js", "1.9.1", ()),
        ("js-tokens", "4.0.0", ()),
        ("loose-envify", "1.4.0", ("js-tokens@4.0.0",)),
        ("node-gyp", "7.1.0", ()),
        ("once", "1.4.0", ("wrappy@1.0.2",)),
        ("wrappy", "1.0.2", ()),
    ]
    assert lines(packages) == [8, 15, 22, 31, 41, 48, 63, 72, 81, 88, 95, 104, 111, 118, 129, 138, 147]
    assert packages[10].metadata["patched"] == "true"
    # "code@workspace:." depends on async only; the rest of this hand-trimmed lock is unreachable
    assert [(n, d) for n, _, d, _, _ in got if d is not None] == [("async", True)]
    assert warnings == []


WORKSPACE_ROWS = [
    ("ansi-regex", "5.0.1", False, False, ()),
    ("debug", "4.3.4", True, False, ("ms@2.1.2",)),
    ("emoji-regex", "8.0.0", False, False, ()),
    ("is-fullwidth-code-point", "3.0.0", False, False, ()),
    ("is-number", "7.0.0", True, True, ()),
    ("is-number", "6.0.0", False, True, ()),
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
]


def test_berry_workspaces() -> None:
    """Written by yarn 4.18 for a monorepo: each workspace's package.json splits dev from prod."""
    packages, warnings = run_extractor(YarnLockExtractor(), ROOT / "berry-workspaces", "yarn.lock")
    members = [
        ("@mono/app", "1.0.0", None, None, ("@mono/lib@1.0.0", "ms@2.0.0")),
        ("@mono/lib", "1.0.0", None, None, ("debug@4.3.4",)),
    ]
    assert rows(packages, "yarn.lock", PLUGIN) == members + WORKSPACE_ROWS
    assert [p.metadata for p in packages[:2]] == [
        {"workspace": "packages/app"},
        {"workspace": "packages/lib"},
    ]
    assert warnings == []


def test_v1_workspaces_root_manifest_only() -> None:
    """Written by yarn 1.22 for the same monorepo. The lock does not list workspaces, and the
    members' package.json files are not found without listing directories: what only they declare
    stays unknown (None), everything the root declares is decided."""
    packages, warnings = run_extractor(YarnLockExtractor(), ROOT / "v1-workspaces", "yarn.lock")
    unknown = {"debug", "is-odd", "ms@2.0.0", "ms@2.1.2", "is-number@6.0.0"}
    want = []
    for name, version, direct, dev, deps in WORKSPACE_ROWS:
        if name in unknown or f"{name}@{version}" in unknown:
            direct, dev = None, None
        want.append((name, version, direct, dev, deps))
    assert sorted(rows(packages, "yarn.lock", PLUGIN)) == sorted(want)
    assert warnings == []


def test_v1_parser_handles_quotes_escapes_and_nesting() -> None:
    text = (
        "# yarn lockfile v1\n\n"
        '"@scope/a@^1.0.0", "@scope/a@~1.0":\n'
        '  version "1.0.2"\n'
        '  resolved "https://r/a.tgz#\\"quoted\\""\n'
        "  dependencies:\n"
        '    "b" "^2.0.0"\n'
        '    c ">= 1 < 2"\n'
        "  optionalDependencies:\n"
        '    d "*"\n'
        "\n"
        "b@^2.0.0:\n"
        '  version "2.1.0"\n'
    )
    entries = parse_v1(text, "yarn.lock")
    assert [(e.descriptors, e.line) for e in entries] == [
        (["@scope/a@^1.0.0", "@scope/a@~1.0"], 3),
        (["b@^2.0.0"], 12),
    ]
    assert entries[0].fields == {
        "version": "1.0.2",
        "resolved": 'https://r/a.tgz#"quoted"',
        "dependencies": {"b": "^2.0.0", "c": ">= 1 < 2"},
        "optionalDependencies": {"d": "*"},
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('# yarn lockfile v1\n\nfoo@^1.0.0:\n  version "1.0.0\n', r"yarn.lock:4: unterminated string"),
        ("# yarn lockfile v1\n  version 1.0.0\n", r"yarn.lock:2: indented line before any entry"),
        ("# yarn lockfile v1\nfoo@^1.0.0\n", r"yarn.lock:2: expected 'descriptor\[, descriptor\]:'"),
        ('{"not": "yarn"}\n', "neither a yarn 1 lockfile nor a yarn Berry"),
        ('__metadata:\n  version: 6\n"a@npm:1": [\n', "invalid YAML"),
    ],
)
def test_bad_lockfiles(text: str, message: str) -> None:
    ctx = ExtractContext(tree=DirectoryTree(ROOT))
    data = text.encode()
    with pytest.raises(ExtractError, match=message):
        YarnLockExtractor().extract(FileRef("yarn.lock", len(data)), io.BytesIO(data), ctx)


def test_berry_alias_patch_and_local_protocols(tmp_path) -> None:
    (tmp_path / "yarn.lock").write_text(
        "__metadata:\n  version: 8\n  cacheKey: 10c0\n\n"
        '"app@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "app@workspace:."\n'
        '  dependencies:\n    sw: "npm:string-width@^4.2.0"\n    resolve: "patch:resolve@npm%3A^1.20.0#~builtin<compat/resolve>"\n'
        '    local: "link:./local"\n  languageName: unknown\n  linkType: soft\n\n'
        '"local@link:./local::locator=app%40workspace%3A.":\n  version: 0.0.0-use.local\n'
        '  resolution: "local@link:./local::locator=app%40workspace%3A."\n  languageName: node\n  linkType: soft\n\n'
        '"resolve@npm:^1.20.0":\n  version: 1.22.8\n  resolution: "resolve@npm:1.22.8"\n  languageName: node\n  linkType: hard\n\n'
        '"resolve@patch:resolve@npm%3A^1.20.0#~builtin<compat/resolve>":\n  version: 1.22.8\n'
        '  resolution: "resolve@patch:resolve@npm%3A1.22.8#~builtin<compat/resolve>::version=1.22.8&hash=c3c19d"\n'
        "  languageName: node\n  linkType: hard\n\n"
        '"sw@npm:string-width@^4.2.0":\n  version: 4.2.3\n  resolution: "string-width@npm:4.2.3"\n  languageName: node\n  linkType: hard\n'
    )
    (tmp_path / "package.json").write_text(
        '{"name": "app", "dependencies": {"sw": "npm:string-width@^4.2.0"}, "devDependencies": {"resolve": "^1.20.0"}}'
    )
    packages, warnings = run_extractor(YarnLockExtractor(), tmp_path, "yarn.lock")
    # the patch entry folds into the npm package it patches; the alias reports the real name
    assert [(p.name, p.version, p.direct, p.dev) for p in packages] == [
        ("resolve", "1.22.8", True, True),
        ("string-width", "4.2.3", True, False),
    ]
    assert warnings == []
