"""Installed distributions: *.dist-info/METADATA, *.egg-info/PKG-INFO, *.egg-info files."""

from __future__ import annotations

import io
from functools import partial

import pytest

from bastion.errors import ExtractError
from bastion.inventory.base import ExtractContext
from bastion.inventory.python.dist_info import DistInfoExtractor
from bastion.model import FileRef
from bastion.targets.directory import DirectoryTree

from .conftest import PY_FIXTURES, expected, run_extractor

ROOT = PY_FIXTURES / "dist-info"


def P(rel: str, *args: object, **kw: object):
    return partial(expected, "python/dist-info", rel)(*args, **kw)


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA", True),
        (".venv/lib/python3.11/site-packages/Flask-2.0.0.dist-info/METADATA", True),
        ("usr/lib/python3.9/site-packages/setuptools-52.0.0-py3.9.egg-info/PKG-INFO", True),
        ("usr/lib/python3/dist-packages/distlib-0.3.1.egg-info", True),
        ("site-packages/foo-1.0-py3.8.egg/EGG-INFO/PKG-INFO", True),
        ("src/mypkg.egg-info/PKG-INFO", True),
        ("foo-1.0/PKG-INFO", False),  # an sdist's PKG-INFO: not installed
        ("docs/METADATA", False),
        ("requests-2.31.0.dist-info/RECORD", False),
        ("requests-2.31.0.dist-info/METADATA.bak", False),
        ("METADATA", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert DistInfoExtractor().wants(FileRef(path)) is wanted


CASES = [
    ("license-expression.METADATA", [P("license-expression.METADATA", "iniconfig", "2.0.0", "pkg:pypi/iniconfig@2.0.0", licenses=("MIT",), meta={"license_files": "LICENSE"})]),
    (
        "license-classifiers.METADATA",
        [
            P(
                "license-classifiers.METADATA",
                "pyphen",
                "0.14.0",
                "pkg:pypi/pyphen@0.14.0",
                licenses=(
                    "GNU General Public License v2 or later (GPLv2+)",
                    "GNU Lesser General Public License v2 or later (LGPLv2+)",
                    "Mozilla Public License 1.1 (MPL 1.1)",
                ),
            )
        ],
    ),
    # Requires-Dist entries that only apply with an extra are not edges of a plain install
    (
        "requires-dist.METADATA",
        [
            P(
                "requires-dist.METADATA",
                "asyncssh",
                "2.14.2",
                "pkg:pypi/asyncssh@2.14.2",
                licenses=("Eclipse Public License v2.0",),
                deps=("cryptography", "typing-extensions"),
                meta={"license_files": "LICENSE"},
            )
        ],
    ),
    ("egg-info-file.egg-info", [P("egg-info-file.egg-info", "distlib", "0.3.1", "pkg:pypi/distlib@0.3.1", licenses=("Python license",))]),
    # "License: UNKNOWN" is not a licence
    ("unknown-license.PKG-INFO", [P("unknown-license.PKG-INFO", "setuptools", "51.3.3", "pkg:pypi/setuptools@51.3.3")]),
    # the declared spelling is kept; the purl is PEP 503 normalised; a non-UTF-8 body is never read
    ("non-utf8-description.PKG-INFO", [P("non-utf8-description.PKG-INFO", "Unidecode", "0.4.1", "pkg:pypi/unidecode@0.4.1")]),
    ("trailing-space-name.METADATA", [P("trailing-space-name.METADATA", "simple", "0.1.0", "pkg:pypi/simple@0.1.0")]),
    ("license-file-only.METADATA", [P("license-file-only.METADATA", "networkx", "3.0", "pkg:pypi/networkx@3.0", meta={"license_files": "LICENSE.txt"})]),
]  # fmt: skip


@pytest.mark.parametrize(("rel", "want"), CASES, ids=[c[0] for c in CASES])
def test_extract(rel: str, want: list) -> None:
    packages, warnings = run_extractor(DistInfoExtractor(), ROOT, rel)
    assert packages == want
    assert warnings == []


def test_not_metadata_is_an_extract_error() -> None:
    with pytest.raises(ExtractError, match=r"not-metadata.json: line 1 is not a 'Key: value' header"):
        run_extractor(DistInfoExtractor(), ROOT, "not-metadata.json")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Metadata-Version: 2.1\nVersion: 1.0\n\n", "no Name header"),
        (b"Metadata-Version: 2.1\nName: x\n\nVersion: 1.0\n", "no Version header"),  # body is not headers
        (b"", "no Name header"),
        (b"Name: x\nSummary: " + b"a" * (300 * 1024) + b"\n", "longer than"),
    ],
)
def test_bad_metadata(data: bytes, message: str) -> None:
    ctx = ExtractContext(tree=DirectoryTree(ROOT))
    with pytest.raises(ExtractError, match=message):
        DistInfoExtractor().extract(FileRef("x.dist-info/METADATA", len(data)), io.BytesIO(data), ctx)


def test_continuation_lines_and_crlf() -> None:
    data = b"Metadata-Version: 2.1\r\nName: demo\r\nVersion: 1.0\r\nLicense: BSD\r\n        3-clause\r\n\r\nbody\r\n"
    ctx = ExtractContext(tree=DirectoryTree(ROOT))
    (pkg,) = DistInfoExtractor().extract(
        FileRef("demo-1.0.dist-info/METADATA", len(data)), io.BytesIO(data), ctx
    )
    assert (pkg.name, pkg.version, pkg.licenses) == ("demo", "1.0", ())  # multi-line License: licence text
