"""poetry.lock, Pipfile.lock, uv.lock, pdm.lock, pylock.toml and conda-meta: one table per format.

Small fixtures are compared as complete Package objects; the larger real lockfiles as complete rows
of (name, version, direct, dev, dependencies), with purls and locations checked for every package.
"""

from __future__ import annotations

from functools import partial

import pytest

from bastion.errors import ExtractError
from bastion.inventory.python import (
    CondaMetaExtractor,
    PdmLockExtractor,
    PipfileLockExtractor,
    PoetryLockExtractor,
    PylockExtractor,
    UvLockExtractor,
)
from bastion.inventory.runner import run_extractors
from bastion.model import Ecosystem, FileRef, Package
from bastion.targets.directory import DirectoryTree

from .conftest import PY_FIXTURES, expected, run_extractor

Row = tuple[str, str, bool | None, bool | None, tuple[str, ...]]


def rows(packages: list[Package], rel: str, plugin: str) -> list[Row]:
    for p in packages:  # the parts every row shares are checked here once
        assert p.purl == (
            f"pkg:pypi/{p.name.lower()}@{p.version}" if p.version else f"pkg:pypi/{p.name.lower()}"
        )
        assert [loc.path for loc in p.locations] == [rel] and p.found_by == plugin
        assert p.ecosystem is Ecosystem.PYPI
    return [(p.name, p.version, p.direct, p.dev, p.dependencies) for p in packages]


# -- wants() ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("extractor", "path", "wanted"),
    [
        (PoetryLockExtractor, "poetry.lock", True),
        (PoetryLockExtractor, "svc/poetry.lock", True),
        (PoetryLockExtractor, "poetry.lock.orig", False),
        (PoetryLockExtractor, "venv/lib/python3.12/site-packages/pkg/poetry.lock", False),
        (UvLockExtractor, "node_modules/x/uv.lock", False),
        (PylockExtractor, "site-packages/x/pylock.toml", False),
        (PipfileLockExtractor, "Pipfile.lock", True),
        (PipfileLockExtractor, "pipfile.lock", False),
        (PipfileLockExtractor, "Pipfile", False),
        (UvLockExtractor, "uv.lock", True),
        (UvLockExtractor, "a/b/uv.lock", True),
        (UvLockExtractor, "uv.lock.json", False),
        (PdmLockExtractor, "pdm.lock", True),
        (PdmLockExtractor, "pdm.toml", False),
        (PylockExtractor, "pylock.toml", True),
        (PylockExtractor, "pylock.dev.toml", True),
        (PylockExtractor, "pylock.a.b.toml", False),
        (PylockExtractor, "pyproject.toml", False),
        (CondaMetaExtractor, "opt/conda/conda-meta/numpy-1.26.0-py311h_0.json", True),
        (CondaMetaExtractor, "conda-meta/libffi-3.4.2-h8ffe710_5.json", True),
        (CondaMetaExtractor, "opt/conda/conda-meta/history", False),
        (CondaMetaExtractor, "opt/conda/conda-meta/sub/x.json", False),
        (CondaMetaExtractor, "opt/conda/pkgs/numpy/info/index.json", False),
    ],
)
def test_wants(extractor: type, path: str, wanted: bool) -> None:
    assert extractor().wants(FileRef(path)) is wanted


# -- poetry.lock -----------------------------------------------------------------------------------
POETRY = PY_FIXTURES / "poetry-lock"
FLASK_DEPS = ("click", "itsdangerous", "jinja2", "werkzeug")
PYTEST_DEPS = ("atomicwrites", "attrs", "colorama", "more-itertools", "packaging", "pluggy", "py", "wcwidth")


def _flask_lock(direct: dict[str, bool] | None, pluggy_dev: bool) -> list[Row]:
    def d(name: str) -> bool | None:
        return None if direct is None else direct.get(name, False)

    return [
        ("atomicwrites", "1.4.1", d("atomicwrites"), True, ()),
        ("attrs", "25.1.0", d("attrs"), True, ()),
        ("click", "8.1.8", d("click"), False, ("colorama",)),
        ("colorama", "0.4.6", d("colorama"), False, ()),
        ("flask", "1.0.3", d("flask"), False, FLASK_DEPS),
        ("itsdangerous", "2.2.0", d("itsdangerous"), False, ()),
        ("jinja2", "3.1.5", d("jinja2"), False, ("markupsafe",)),
        ("markupsafe", "3.0.2", d("markupsafe"), False, ()),
        ("more-itertools", "10.6.0", d("more-itertools"), True, ()),
        ("packaging", "24.2", d("packaging"), True, ()),
        ("pluggy", "0.13.1", d("pluggy"), pluggy_dev, ()),
        ("py", "1.11.0", d("py"), True, ()),
        ("pytest", "5.4.3", d("pytest"), True, PYTEST_DEPS),
        ("wcwidth", "0.2.13", d("wcwidth"), True, ()),
        ("werkzeug", "3.1.3", d("werkzeug"), False, ("markupsafe",)),
    ]


@pytest.mark.parametrize(
    ("root", "rel", "want"),
    [
        # lock 1.x: category = "main" | "dev" (this fixture puts pluggy in main)
        (POETRY, "category-v1.lock", _flask_lock(None, pluggy_dev=False)),
        # lock 2.1: groups = ["main", "dev"] -> prod
        (POETRY, "groups-v2.lock", _flask_lock(None, pluggy_dev=False)),
        # lock 2.0 (Poetry 1.5-1.8) records neither: dev by reachability from pyproject's groups
        (
            POETRY / "no-groups-with-pyproject",
            "poetry.lock",
            _flask_lock({"flask": True, "pytest": True}, pluggy_dev=True),
        ),
        (POETRY, "one-package.lock", [("pypi", "2.1", None, False, ())]),
    ],
    ids=["category-v1", "groups-v2", "no-groups-with-pyproject", "one-package"],
)
def test_poetry_lock(root, rel: str, want: list[Row]) -> None:
    packages, warnings = run_extractor(PoetryLockExtractor(), root, rel)
    assert rows(packages, rel, "python/poetry-lock") == want
    assert warnings == []


def test_poetry_dependency_edges_resolve_in_the_runner() -> None:
    run = run_extractors(DirectoryTree(POETRY / "no-groups-with-pyproject"), [PoetryLockExtractor()])
    by_id = {p.id: p.name for p in run.inventory.packages}
    flask = next(p for p in run.inventory.packages if p.name == "flask")
    assert sorted(by_id[d] for d in flask.dependencies) == sorted(FLASK_DEPS)


# -- Pipfile.lock ----------------------------------------------------------------------------------
PIPENV = PY_FIXTURES / "pipfile-lock"
P_PIPENV = partial(expected, "python/pipfile-lock")


def test_pipfile_lock_without_pipfile() -> None:
    rel = "default-only.lock"
    packages, warnings = run_extractor(PipfileLockExtractor(), PIPENV, rel)
    assert packages == [
        P_PIPENV(rel, "certifi", "2019.3.9", "pkg:pypi/certifi@2019.3.9", dev=False),
        P_PIPENV(rel, "chardet", "3.0.4", "pkg:pypi/chardet@3.0.4", dev=False),
        P_PIPENV(rel, "idna", "2.8", "pkg:pypi/idna@2.8", dev=False),
        P_PIPENV(rel, "pyyaml", "5.1", "pkg:pypi/pyyaml@5.1", dev=False, meta={"index": "pypi"}),
        P_PIPENV(rel, "requests", "2.21.0", "pkg:pypi/requests@2.21.0", dev=False, meta={"index": "pypi"}),
        P_PIPENV(rel, "urllib3", "1.24.2", "pkg:pypi/urllib3@1.24.2", dev=False),
    ]
    assert warnings == []


def test_pipfile_lock_with_pipfile() -> None:
    """Written by pipenv 2025 for the Pipfile next to it: requests in [packages], pytest in [dev-packages]."""
    packages, warnings = run_extractor(PipfileLockExtractor(), PIPENV / "with-pipfile", "Pipfile.lock")
    assert rows(packages, "Pipfile.lock", "python/pipfile-lock") == [
        ("certifi", "2026.10.19.post1", False, False, ()),
        ("charset-normalizer", "3.5.3", False, False, ()),
        ("idna", "3.20", False, False, ()),
        ("requests", "2.31.0", True, False, ()),
        ("urllib3", "2.8.0", False, False, ()),
        ("iniconfig", "2.3.1", False, True, ()),
        ("packaging", "26.4", False, True, ()),
        ("pluggy", "1.7.0", False, True, ()),
        ("pytest", "8.3.4", True, True, ()),
    ]
    assert packages[3].metadata == {"markers": "python_version >= '3.7'", "index": "pypi"}
    assert warnings == []


# -- uv.lock ---------------------------------------------------------------------------------------
UV = PY_FIXTURES / "uv-lock"


def test_uv_lock_trivy_normal() -> None:
    """Trivy's uv_normal.lock; Trivy's expected list (parse_testcase.go) agrees on every dev and
    direct flag. The root project itself (virtual source) is not reported."""
    packages, warnings = run_extractor(UvLockExtractor(), UV, "dev-and-extras.lock")
    httpx_deps = ("anyio@4.7.0", "certifi@2024.12.14", "httpcore@1.0.7", "idna@3.10", "socksio@1.0.0")
    pytest_deps = (
        "colorama@0.4.6",
        "exceptiongroup@1.2.2",
        "iniconfig@2.0.0",
        "packaging@24.2",
        "pluggy@1.5.0",
        "tomli@2.2.1",
    )
    assert rows(packages, "dev-and-extras.lock", "python/uv-lock") == [
        ("anyio", "4.7.0", False, False, ("exceptiongroup@1.2.2", "idna@3.10", "sniffio@1.3.1", "typing-extensions@4.12.2")),
        ("certifi", "2024.12.14", False, False, ()),
        ("charset-normalizer", "3.4.0", False, False, ()),
        ("colorama", "0.4.6", False, True, ()),
        ("exceptiongroup", "1.2.2", False, False, ()),
        ("h11", "0.14.0", False, False, ()),
        ("httpcore", "1.0.7", False, False, ("certifi@2024.12.14", "h11@0.14.0")),
        ("httpx", "0.28.1", True, False, httpx_deps),
        ("idna", "3.10", False, False, ()),
        ("iniconfig", "2.0.0", False, True, ()),
        ("orjson", "3.10.12", True, False, ()),
        ("packaging", "24.2", False, True, ()),
        ("pluggy", "1.5.0", False, True, ()),
        ("pytest", "8.3.4", True, True, pytest_deps),
        ("requests", "2.32.0", True, False, ("certifi@2024.12.14", "charset-normalizer@3.4.0", "idna@3.10", "urllib3@2.2.3")),
        ("sniffio", "1.3.1", False, False, ()),
        ("socksio", "1.0.0", False, False, ()),
        ("tomli", "2.2.1", False, True, ()),
        ("typing-extensions", "4.12.2", False, False, ()),
        ("urllib3", "2.2.3", False, False, ()),
    ]  # fmt: skip
    assert warnings == []


@pytest.mark.parametrize(
    ("rel", "want"),
    [
        ("multiple-roots.lock", [("asyncio", "3.4.3", True, False, ())]),
        # no local project in the lock: nothing says what is direct or dev
        ("without-root.lock", [("asyncio", "3.4.3", None, None, ())]),
    ],
)
def test_uv_lock_roots(rel: str, want: list[Row]) -> None:
    packages, _ = run_extractor(UvLockExtractor(), UV, rel)
    assert rows(packages, rel, "python/uv-lock") == want


def test_uv_lock_written_by_uv() -> None:
    """uv 0.9 for pyproject.toml beside it: runtime deps, an optional extra and a PEP 735 dev group."""
    packages, _ = run_extractor(UvLockExtractor(), UV / "with-groups-extras", "uv.lock")
    flask = (
        "blinker@1.9.0",
        "click@8.5.1",
        "itsdangerous@2.2.0",
        "jinja2@3.1.6",
        "markupsafe@3.0.4",
        "werkzeug@3.1.9",
    )
    assert rows(packages, "uv.lock", "python/uv-lock") == [
        ("blinker", "1.9.0", False, False, ()),
        ("certifi", "2026.10.19.post1", False, False, ()),
        ("charset-normalizer", "3.5.3", False, False, ()),
        ("click", "8.5.1", False, False, ()),
        ("colorama", "0.4.6", False, True, ()),
        ("flask", "3.1.3", False, False, flask),
        ("flask-cors", "4.0.0", True, False, ("flask@3.1.3",)),
        ("idna", "3.20", False, False, ()),
        ("iniconfig", "2.3.1", False, True, ()),
        ("itsdangerous", "2.2.0", False, False, ()),
        ("jinja2", "3.1.6", False, False, ("markupsafe@3.0.4",)),
        ("markupsafe", "3.0.4", False, False, ()),
        ("packaging", "26.4", False, True, ()),
        ("pluggy", "1.7.0", False, True, ()),
        ("pytest", "8.3.4", True, True, ("colorama@0.4.6", "iniconfig@2.3.1", "packaging@26.4", "pluggy@1.7.0")),
        ("pyyaml", "6.0.1", True, False, ()),
        ("requests", "2.31.0", True, False, ("certifi@2026.10.19.post1", "charset-normalizer@3.5.3", "idna@3.20", "urllib3@2.8.0")),
        ("urllib3", "2.8.0", False, False, ()),
        ("werkzeug", "3.1.9", False, False, ("markupsafe@3.0.4",)),
    ]  # fmt: skip


# -- pdm.lock --------------------------------------------------------------------------------------
PDM = PY_FIXTURES / "pdm-lock"
P_PDM = partial(expected, "python/pdm-lock", "pdm.lock")


def test_pdm_lock_with_groups() -> None:
    packages, warnings = run_extractor(PdmLockExtractor(), PDM / "groups-4.5", "pdm.lock")
    assert packages == [
        P_PDM("annotated-types", "0.7.0", "pkg:pypi/annotated-types@0.7.0", direct=True, dev=False),
        P_PDM("cfgv", "3.5.0", "pkg:pypi/cfgv@3.5.0", direct=True, dev=True),
        P_PDM("colorama", "0.4.6", "pkg:pypi/colorama@0.4.6", direct=False, dev=True),
        P_PDM("coverage", "7.14.1", "pkg:pypi/coverage@7.14.1", direct=True, dev=True),
        # the coverage[toml] entry: same package, merged with the plain one by the runner
        P_PDM(
            "coverage", "7.14.1", "pkg:pypi/coverage@7.14.1", direct=True, dev=True, meta={"extras": "toml"}
        ),
    ]
    assert warnings == []


def test_pdm_lock_4_4_dev_by_reachability() -> None:
    packages, _ = run_extractor(PdmLockExtractor(), PDM / "no-groups-4.4", "pdm.lock")
    assert rows(packages, "pdm.lock", "python/pdm-lock") == [
        ("aiocache", "0.12.2", True, False, ()),
        ("mypy", "1.7.1", True, True, ("mypy-extensions", "typing-extensions")),
        ("mypy-extensions", "1.0.0", False, True, ()),
        ("python-mpd2", "3.1.0", True, False, ()),
        ("typing-extensions", "4.8.0", False, True, ()),
    ]


# -- pylock.toml -----------------------------------------------------------------------------------
PYLOCK = PY_FIXTURES / "pylock"


def test_pylock_trivy_fixture() -> None:
    packages, warnings = run_extractor(PylockExtractor(), PYLOCK, "markers-and-deps.toml")
    assert rows(packages, "markers-and-deps.toml", "python/pylock") == [
        ("attrs", "25.4.0", None, None, ()),
        ("certifi", "2025.10.5", None, None, ()),
        ("charset-normalizer", "3.4.3", None, None, ()),
        ("idna", "3.10", None, None, ()),
        ("requests", "2.32.5", None, None, ()),
        ("urllib3", "2.5.0", None, None, ()),
        ("spam", "1.0.0", None, None, ()),
        ("spam", "1.1.0", None, None, ()),
        # one package, two environments: the runner merges them with both edges
        ("ham", "3.0.0", None, None, ("spam@1.0.0",)),
        ("ham", "3.0.0", None, None, ("spam@1.1.0",)),
    ]
    assert packages[6].metadata == {"markers": "sys_platform == 'linux'"}
    assert warnings == []


def test_pylock_exported_by_uv() -> None:
    packages, _ = run_extractor(PylockExtractor(), PYLOCK, "uv-export.toml")
    assert len(packages) == 19
    colorama = next(p for p in packages if p.name == "colorama")
    assert colorama == expected(
        "python/pylock",
        "uv-export.toml",
        "colorama",
        "0.4.6",
        "pkg:pypi/colorama@0.4.6",
        meta={"index": "https://pypi.org/simple", "markers": "sys_platform == 'win32'"},
    )


def test_pylock_dependency_groups_mark_dev(tmp_path) -> None:
    (tmp_path / "pylock.toml").write_text(
        'lock-version = "1.0"\ncreated-by = "pdm"\ndependency-groups = ["dev"]\ndefault-groups = ["default"]\n'
        '[[packages]]\nname = "requests"\nversion = "2.32.3"\n'
        '[[packages]]\nname = "pytest"\nversion = "8.3.4"\nmarker = "\'dev\' in dependency_groups"\n'
        '[[packages]]\nname = "mylib"\n[packages.directory]\npath = "."\neditable = true\n'
    )
    packages, _ = run_extractor(PylockExtractor(), tmp_path, "pylock.toml")
    assert [(p.name, p.version, p.dev) for p in packages] == [
        ("requests", "2.32.3", False),
        ("pytest", "8.3.4", True),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('created-by = "x"\n', "no 'lock-version'"),
        ('lock-version = "2.0"\n', "lock-version '2.0' is not supported"),
        ('lock-version = "1.0"\npackages = "x"\n', "'packages' is not an array"),
    ],
)
def test_pylock_rejects_other_documents(tmp_path, text: str, message: str) -> None:
    (tmp_path / "pylock.toml").write_text(text)
    with pytest.raises(ExtractError, match=message):
        run_extractor(PylockExtractor(), tmp_path, "pylock.toml")


def test_pylock_not_toml() -> None:
    with pytest.raises(ExtractError, match=r"not-toml.toml: invalid TOML"):
        run_extractor(PylockExtractor(), PYLOCK, "not-toml.toml")


# -- conda-meta ------------------------------------------------------------------------------------
CONDA = PY_FIXTURES / "conda-meta"


def test_conda_meta() -> None:
    root = CONDA / "env"
    libffi, _ = run_extractor(CondaMetaExtractor(), root, "conda-meta/libffi-3.4.2-h8ffe710_5.json")
    python, _ = run_extractor(CondaMetaExtractor(), root, "conda-meta/python-3.12.7-hce54a09_0_cpython.json")
    conda = partial(expected, "python/conda-meta", ecosystem=Ecosystem.CONDA)
    assert libffi == [
        conda(
            "conda-meta/libffi-3.4.2-h8ffe710_5.json",
            "libffi",
            "3.4.2",
            "pkg:conda/libffi@3.4.2?build=h8ffe710_5&channel=conda-forge&subdir=win-64",
            licenses=("MIT",),
            deps=("vc", "vs2015_runtime"),
            meta={
                "build": "h8ffe710_5",
                "channel": "conda-forge",
                "subdir": "win-64",
                "url": "https://conda.anaconda.org/conda-forge/win-64/libffi-3.4.2-h8ffe710_5.tar.bz2",
            },
        )
    ]
    # requested_spec "python=3.12": the user asked for it
    (py,) = python
    assert (py.name, py.version, py.direct, py.licenses) == ("python", "3.12.7", True, ())
    assert py.dependencies[:3] == ("bzip2", "libexpat", "libffi")


def test_conda_edges_resolve_within_the_environment_only_by_file() -> None:
    """Edges point at other files of the environment; the runner resolves references per file, so
    cross-file conda edges are dropped there (see docs: a known limitation)."""
    run = run_extractors(DirectoryTree(CONDA / "env"), [CondaMetaExtractor()])
    assert sorted(p.name for p in run.inventory.packages) == ["libffi", "python"]
    assert run.inventory.unknowns == ()


def test_conda_meta_invalid_json() -> None:
    with pytest.raises(ExtractError, match=r"broken-1.0-0.json: invalid JSON"):
        run_extractor(CondaMetaExtractor(), CONDA / "not-json", "conda-meta/broken-1.0-0.json")
