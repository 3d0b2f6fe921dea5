"""pip requirements files: pins, unpinned entries, extras, markers, hashes, includes, direct references."""

from __future__ import annotations

import io
from functools import partial

import pytest

from bastion.inventory.base import ExtractContext
from bastion.inventory.python.requirements_txt import RequirementsTxtExtractor, logical_lines, strip_comment
from bastion.inventory.runner import run_extractors
from bastion.model import FileRef
from bastion.targets.directory import DirectoryTree

from .conftest import PY_FIXTURES, expected, run_extractor

ROOT = PY_FIXTURES / "requirements-txt"
P = partial(expected, "python/requirements-txt")
HASH_A = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
HASH_B = "sha256:486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7"


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("requirements.txt", True),
        ("app/requirements-dev.txt", True),
        ("requirements_test.txt", True),
        ("dev-requirements.txt", True),
        ("requirements/base.txt", True),
        ("src/requirements/prod.txt", True),
        ("constraints.txt", True),
        ("constraints-py311.txt", True),
        ("requirements.in", False),  # pip-tools input, reached through -r when included
        ("requirements.txt.bak", False),
        ("docs/notes.txt", False),
        ("foo.egg-info/requires.txt", False),
        ("LICENSE.txt", False),
        (".venv/lib/python3.11/site-packages/pkg/requirements.txt", False),
        ("usr/lib/python3/dist-packages/pkg/requirements-dev.txt", False),
        ("node_modules/node-gyp/gyp/requirements.txt", False),
        # pip's own list of the packages it vendors: real code inside site-packages
        (".venv/lib/python3.11/site-packages/pip/_vendor/vendor.txt", True),
        ("vendor.txt", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert RequirementsTxtExtractor().wants(FileRef(path)) is wanted


def _flask_pins(rel: str, lines: tuple[int, ...]) -> list:
    names = [("click", "8.0.0"), ("Flask", "2.0.0"), ("itsdangerous", "2.0.0"), ("Jinja2", "3.0.0")]
    names += [("MarkupSafe", "2.0.0"), ("Werkzeug", "2.0.0")]
    return [
        P(rel, n, v, f"pkg:pypi/{n.lower()}@{v}", direct=True, line=line)
        for (n, v), line in zip(names, lines, strict=False)
    ]


CASES = [
    ("pins.txt", _flask_pins("pins.txt", (1, 2, 3, 4, 5, 6)), []),
    # "#" starts a comment at a line start or after a space; "Jinja2==3.0.0#comment" is kept leniently
    (
        "comments.txt",
        [
            P("comments.txt", "click", "8.0.0", "pkg:pypi/click@8.0.0", direct=True, line=4),
            P("comments.txt", "Flask", "2.0.0", "pkg:pypi/flask@2.0.0", direct=True, line=5),
            P("comments.txt", "Jinja2", "3.0.0", "pkg:pypi/jinja2@3.0.0", direct=True, line=6),
            P("comments.txt", "MarkupSafe", "2.0.0", "pkg:pypi/markupsafe@2.0.0", direct=True, line=7),
        ],
        [],
    ),
    (
        "spaces.txt",
        [
            P("spaces.txt", "click", "8.0.0", "pkg:pypi/click@8.0.0", direct=True, line=1),
            P("spaces.txt", "Flask", "2.0.0", "pkg:pypi/flask@2.0.0", direct=True, line=2),
            P("spaces.txt", "itsdangerous", "2.0.0", "pkg:pypi/itsdangerous@2.0.0", direct=True, line=3),
            P("spaces.txt", "Jinja2", "3.0.0", "pkg:pypi/jinja2@3.0.0", direct=True, line=5),
        ],
        [],
    ),
    # backslash continuations join --hash options; the package keeps the line it starts on
    (
        "hashes.txt",
        [
            P("hashes.txt", "FooProject", "1.2", "pkg:pypi/fooproject@1.2", direct=True, meta={"hashes": f"{HASH_A},{HASH_B}"}, line=1),
            P("hashes.txt", "Jinja2", "3.0.0", "pkg:pypi/jinja2@3.0.0", direct=True, meta={"hashes": f"{HASH_A},{HASH_B}"}, line=4),
        ],
        [],
    ),
    (
        "extras.txt",
        [
            P("extras.txt", "pyjwt", "2.1.0", "pkg:pypi/pyjwt@2.1.0", direct=True, meta={"extras": "crypto"}, line=1),
            P("extras.txt", "celery", "4.4.7", "pkg:pypi/celery@4.4.7", direct=True, meta={"extras": "pytest,redis"}, line=2),
        ],
        [],
    ),
    # anything but ==/=== is reported unpinned: version "" and the specifier as the constraint
    (
        "unpinned-markers.txt",
        [
            P("unpinned-markers.txt", "keyring", "", "pkg:pypi/keyring", direct=True, meta={"constraint": ">=4.1.1"}, line=1),
            P("unpinned-markers.txt", "coverage", "", "pkg:pypi/coverage", direct=True, meta={"constraint": "!=3.5"}, line=2),
            P("unpinned-markers.txt", "Mopidy-Dirble", "", "pkg:pypi/mopidy-dirble", direct=True, meta={"constraint": "~=1.1"}, line=3),
            P("unpinned-markers.txt", "Django", "2.3.4", "pkg:pypi/django@2.3.4", direct=True, line=4),
            P("unpinned-markers.txt", "SomeProject", "5.4", "pkg:pypi/someproject@5.4", direct=True, meta={"markers": 'python_version < "3.8"'}, line=5),
            P("unpinned-markers.txt", "numpyNew", "", "pkg:pypi/numpynew", direct=True, meta={"markers": 'sys_platform == "win32"'}, line=6),
            P("unpinned-markers.txt", "numpy", "", "pkg:pypi/numpy", direct=True, meta={"constraint": ">=3.4.1", "markers": 'sys_platform == "win32"'}, line=7),
            P("unpinned-markers.txt", "requests", "", "pkg:pypi/requests", direct=True, meta={"constraint": "<3,>=2.31.0"}, line=8),
        ],
        [],
    ),
    (
        "no-version.txt",
        [
            P("no-version.txt", "Flask", "2.0.0", "pkg:pypi/flask@2.0.0", direct=True, line=1),
            P("no-version.txt", "pandas", "", "pkg:pypi/pandas", direct=True, line=2),
        ],
        [("no-version.txt", "line 3: not a requirement: '>=1.0.0'")],
    ),
    ("utf16le.txt", [P("utf16le.txt", "attrs", "20.3.0", "pkg:pypi/attrs@20.3.0", direct=True, line=1)], []),
    # template placeholders are not requirements: each line is reported, none is dropped silently
    (
        "templating.txt",
        [],
        [
            ("templating.txt", "line 1: not a requirement: \"%ifcookiecutter.command_line_interface|lower=='click'-%}\""),
            ("templating.txt", "line 2: not a requirement: \"foo|bar=='1.2.4'\""),
            ("templating.txt", "line 3: not a requirement: 'foo{bar}==%%'"),
            ("templating.txt", "line 4: not a requirement: 'foo,bar&&foobar==1.2.3'"),
            ("templating.txt", "line 5: not a requirement: \"foo=='invalid-version'\""),
        ],
    ),
    # "-e ." and "./vendor/localpkg" are the project itself / local code, not dependencies
    (
        "direct-references.txt",
        [
            P("direct-references.txt", "click", "", "pkg:pypi/click", direct=True, meta={"url": "git+https://github.com/pallets/click.git@8.1.7#egg=click", "editable": "true"}, line=3),
            P("direct-references.txt", "requests", "", "pkg:pypi/requests", direct=True, meta={"url": "git+https://github.com/psf/requests.git@v2.31.0#egg=requests"}, line=4),
            P("direct-references.txt", "pip", "", "pkg:pypi/pip", direct=True, meta={"url": "https://github.com/pypa/pip/archive/22.0.2.zip"}, line=5),
            P("direct-references.txt", "attrs", "23.1.0", "pkg:pypi/attrs@23.1.0", direct=True, meta={"url": "https://files.pythonhosted.org/packages/f0/eb/fcb708c7bf5056045e9e98f62b93bd7467eb718b0202e7698eb11d66416c/attrs-23.1.0-py3-none-any.whl"}, line=6),
            P("direct-references.txt", "six", "1.16.0", "pkg:pypi/six@1.16.0", direct=True, meta={"url": "https://files.pythonhosted.org/packages/ad/cc/9d8e74b4e8f1d1b4e6f8b47d4ffb8e2a8e8d7bd6d0d5b5f5f1a9a6a7b2a1c1/six-1.16.0-py2.py3-none-any.whl"}, line=7),
        ],
        [],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("rel", "want", "warnings"), CASES, ids=[c[0] for c in CASES])
def test_extract(rel: str, want: list, warnings: list) -> None:
    packages, got_warnings = run_extractor(RequirementsTxtExtractor(), ROOT, rel)
    assert packages == want
    assert got_warnings == warnings


def test_includes_constraints_and_cycles() -> None:
    """-r is followed relative to the including file, -c pins unpinned entries, cycles are cut."""
    root = ROOT / "includes"
    packages, warnings = run_extractor(RequirementsTxtExtractor(), root, "requirements.txt")
    django_hash = "sha256:8e0f1c2c2786b5c0e39fe1afce24c926040fad47c8ea8ad30aaf1188df29fc41"
    assert packages == [
        P("requirements/base.txt", "Django", "4.2.7", "pkg:pypi/django@4.2.7", direct=True, meta={"hashes": django_hash, "included_from": "requirements.txt"}, line=1),
        P("requirements/base.txt", "sqlparse", "0.4.4", "pkg:pypi/sqlparse@0.4.4", direct=True, meta={"included_from": "requirements.txt"}, line=4),
        P("requirements.txt", "requests", "2.31.0", "pkg:pypi/requests@2.31.0", direct=True, meta={"pinned_by": "constraints.txt", "constraint": ">=2.31", "extras": "socks", "markers": 'python_version >= "3.8"'}, line=5),
    ]  # fmt: skip
    # urllib3 is only constrained, never required: constraints install nothing
    assert warnings == [("requirements.txt", "line 7: requirements file missing.txt not found in the tree")]


def test_included_file_scanned_twice_merges_in_the_runner() -> None:
    run = run_extractors(DirectoryTree(ROOT / "includes"), [RequirementsTxtExtractor()])
    got = sorted((p.name, p.version, p.path, p.locations[0].line) for p in run.inventory.packages)
    # requirements/base.txt is read on its own and through the include: one package each;
    # constraints.txt is itself a wanted file and lists its pins (direct unknown)
    assert got == [
        ("Django", "4.2.7", "requirements/base.txt", 1),
        ("requests", "2.31.0", "constraints.txt", 1),
        ("requests", "2.31.0", "requirements.txt", 5),
        ("sqlparse", "0.4.4", "requirements/base.txt", 4),
        ("urllib3", "2.0.7", "constraints.txt", 2),
    ]
    assert {(s.name, s.files) for s in run.statuses} == {("python/requirements-txt", 3)}
    assert [u.reason for u in run.inventory.unknowns] == [
        "line 7: requirements file missing.txt not found in the tree",
        "line 7: requirements file missing.txt not found in the tree",
    ]


def test_constraints_file_on_its_own() -> None:
    packages, _ = run_extractor(RequirementsTxtExtractor(), ROOT / "includes", "constraints.txt")
    assert [(p.name, p.version, p.direct) for p in packages] == [
        ("requests", "2.31.0", None),
        ("urllib3", "2.0.7", None),
    ]


@pytest.mark.parametrize(
    ("line", "stripped"),
    [
        ("flask==2.0 # web", "flask==2.0 "),
        ("# all comment", ""),
        ("git+https://x/y.git#egg=z", "git+https://x/y.git#egg=z"),
        ("a==1\t#tab", "a==1\t"),
        (" " * 100_000 + "x", " " * 100_000 + "x"),
    ],
)
def test_strip_comment(line: str, stripped: str) -> None:
    assert strip_comment(line) == stripped


def test_logical_lines_join_continuations() -> None:
    text = "a==1 \\\n  --hash=sha256:x\nb==2\n# c \\\nd==3\\"
    assert list(logical_lines(text)) == [
        (1, "a==1    --hash=sha256:x"),
        (3, "b==2"),
        (4, "# c \\"),
        (5, "d==3"),
    ]


def test_include_outside_tree_and_remote_are_reported() -> None:
    data = b"-r ../../etc/passwd\n-r https://example.com/r.txt\n-r /abs/r.txt\nflask==2.0\n"
    ctx = ExtractContext(tree=DirectoryTree(ROOT))
    pkgs = list(
        RequirementsTxtExtractor().extract(FileRef("requirements.txt", len(data)), io.BytesIO(data), ctx)
    )
    assert [p.name for p in pkgs] == ["flask"]
    assert [w[1] for w in ctx.warnings] == [
        "line 1: requirements file ../../etc/passwd is outside the scanned tree",
        "line 2: remote requirements file https://example.com/r.txt is not fetched",
        "line 3: absolute requirements path /abs/r.txt is not followed",
    ]


def test_pip_vendor_list() -> None:
    """pip 26.3's _vendor/vendor.txt: the packages vendored into pip, pinned (indented lines too)."""
    root = ROOT / "pip-vendor"
    packages, warnings = run_extractor(RequirementsTxtExtractor(), root, "pip/_vendor/vendor.txt")
    got = [(p.name, p.version, p.direct, p.metadata, p.locations[0].line) for p in packages]
    assert got[:2] == [
        ("CacheControl", "0.14.4", None, {"vendored_by": "pip"}, 1),
        ("distlib", "0.4.4", None, {"vendored_by": "pip"}, 2),
    ]
    assert [p.name for p in packages] == [
        "CacheControl", "distlib", "distro", "msgpack", "packaging", "platformdirs", "pyproject-hooks", "requests",
        "certifi", "idna", "urllib3", "rich", "pygments", "resolvelib", "setuptools", "tomli", "tomli-w", "truststore",
    ]  # fmt: skip
    assert warnings == []
