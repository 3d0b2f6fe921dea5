"""bun.lock (Bun >= 1.2 text lockfile, JSONC)."""

from __future__ import annotations

import io

import pytest

from bastion.errors import ExtractError
from bastion.inventory.base import ExtractContext
from bastion.inventory.javascript.bun_lock import BunLockExtractor, jsonc_to_json
from bastion.model import FileRef
from bastion.targets.directory import DirectoryTree

from .conftest import JS_FIXTURES, expected, rows, run_extractor

ROOT = JS_FIXTURES / "bun-lock"
PLUGIN = "javascript/bun-lock"


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("bun.lock", True),
        ("x/bun.lock", True),
        ("bun.lockb", False),
        ("bun.lock.json", False),
        ("a/node_modules/b/bun.lock", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert BunLockExtractor().wants(FileRef(path)) is wanted


def test_dev_optional_peer_matches_trivy() -> None:
    """Trivy's bun_happy.lock: the same six packages, relationships, dev flags and lines."""
    packages, warnings = run_extractor(BunLockExtractor(), ROOT, "dev-optional-peer.lock")
    assert rows(packages, "dev-optional-peer.lock", PLUGIN) == [
        ("@types/bun", "1.2.13", True, True, ("bun-types@1.2.13",)),
        ("@types/node", "22.15.18", False, True, ("undici-types@6.21.0",)),
        ("bun-types", "1.2.13", False, True, ("@types/node@22.15.18",)),
        ("typescript", "5.8.3", True, False, ()),
        ("undici-types", "6.21.0", False, False, ()),
        ("zod", "3.24.4", True, False, ("undici-types@6.21.0",)),
    ]
    assert [p.locations[0].line for p in packages] == [18, 20, 22, 24, 26, 28]
    assert packages[4] == expected(
        PLUGIN,
        "dev-optional-peer.lock",
        "undici-types",
        "6.21.0",
        "pkg:npm/undici-types@6.21.0",
        direct=False,
        dev=False,
        line=26,
    )
    assert warnings == []


def test_workspaces_trivy() -> None:
    packages, _ = run_extractor(BunLockExtractor(), ROOT, "workspaces.lock")
    # the workspace members are reported too (as Trivy does), with their own edges
    assert rows(packages, "workspaces.lock", PLUGIN) == [
        ("my-app", "1.0.0", None, None, ("lodash@4.17.21",)),
        ("my-lib", "1.0.0", None, None, ("chalk@5.0.1",)),
        ("chalk", "5.0.1", True, False, ()),
        ("lodash", "4.17.21", True, False, ()),
    ]


def test_bad_version() -> None:
    with pytest.raises(ExtractError, match=r"'lockfileVersion' is 'not-a-number'; expected an integer"):
        run_extractor(BunLockExtractor(), ROOT, "bad-version.lock")


@pytest.mark.parametrize(
    ("text", "json_text"),
    [
        ('{"a": [1, 2,],}', '{"a": [1, 2]}'),
        ('{"a": "x // not a comment", // comment\n "b": 1}', '{"a": "x // not a comment", \n "b": 1}'),
        ('{/* c */ "a": "\\"}", }', '{ "a": "\\"}" }'),
        ('{"a": 1,\n}', '{"a": 1\n}'),
    ],
)
def test_jsonc(text: str, json_text: str) -> None:
    assert jsonc_to_json(text, "bun.lock") == json_text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"lockfileVersion": 1, "packages": {"a": ["a@1.0.0}}', "unterminated string"),
        ('{"lockfileVersion": 1, "packages": {"a": ["a@1.0.0\\"]}}', "unterminated string"),
        ('{"lockfileVersion": 1,,}', "invalid JSON"),
        ("[1, 2]", "top level is not an object"),
    ],
)
def test_bad_json(text: str, message: str) -> None:
    ctx = ExtractContext(tree=DirectoryTree(ROOT))
    data = text.encode()
    with pytest.raises(ExtractError, match=message):
        BunLockExtractor().extract(FileRef("bun.lock", len(data)), io.BytesIO(data), ctx)


def test_git_and_nested_copies(tmp_path) -> None:
    (tmp_path / "bun.lock").write_text(
        '{\n  "lockfileVersion": 1,\n  "workspaces": {"": {"name": "app", "dependencies": {"a": "^1", "gh": "github:o/gh"}}},\n'
        '  "packages": {\n'
        '    "a": ["a@1.0.0", "", {"dependencies": {"b": "^2"}}, "sha512-x"],\n'
        '    "a/b": ["b@2.0.0", "", {}, "sha512-y"],\n'
        '    "b": ["b@1.0.0", "", {}, "sha512-z"],\n'
        '    "gh": ["gh@github:o/gh#abc123", {}, "o-gh-abc123"],\n'
        "  }\n}\n"
    )
    packages, warnings = run_extractor(BunLockExtractor(), tmp_path, "bun.lock")
    assert [(p.name, p.version, p.direct, p.dependencies, p.metadata.get("resolved")) for p in packages] == [
        ("a", "1.0.0", True, ("b@2.0.0",), None),  # the nested copy wins over the hoisted b@1.0.0
        ("b", "2.0.0", False, (), None),
        ("b", "1.0.0", False, (), None),
        ("gh", "", True, (), "github:o/gh#abc123"),
    ]
    assert warnings == []
