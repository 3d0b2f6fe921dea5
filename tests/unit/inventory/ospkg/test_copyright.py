"""Debian copyright files → licenses (DEP-5 License fields and /usr/share/common-licenses references)."""

from __future__ import annotations

import pytest

from bastion.inventory.ospkg._copyright import licenses_from_copyright, spdx_from_debian


@pytest.mark.parametrize(
    ("debian", "spdx"),
    [
        ("GPL-2", "GPL-2.0-only"),
        ("GPL-2+", "GPL-2.0-or-later"),
        ("GPL-3.0+", "GPL-3.0-or-later"),
        ("gpl-1+", "GPL-1.0-or-later"),
        ("LGPL-2.1", "LGPL-2.1-only"),
        ("LGPL-2.1+", "LGPL-2.1-or-later"),
        ("LGPL-2", "LGPL-2.0-only"),
        ("AGPL-3+", "AGPL-3.0-or-later"),
        ("GFDL-1.3", "GFDL-1.3-only"),
        ("GFDL-NIV-1.3", "GFDL-1.3-no-invariants-only"),
        ("GFDL-3", "GFDL-3"),  # no such version: kept as written
        ("GPL-4+", "GPL-4+"),
        ("BSD-3-clause", "BSD-3-Clause"),
        ("BSD-2-clause-NetBSD", "BSD-2-Clause-NetBSD"),
        ("BSD-3-clause-Aaron-D-Gifford", "BSD-3-clause-Aaron-D-Gifford"),
        ("Expat", "MIT"),
        ("Artistic", "Artistic-1.0-Perl"),
        ("Apache-2.0", "Apache-2.0"),
        ("zlib", "Zlib"),
        ("public-domain", "public-domain"),
        ("GPL-3+ with Bison exception", "GPL-3+ with Bison exception"),
    ],
)
def test_spdx_from_debian(debian: str, spdx: str) -> None:
    assert spdx_from_debian(debian) == spdx


def test_dep5_fields_and_common_licenses() -> None:
    text = (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "\n"
        "Files: *\n"
        "Copyright: 1999 Someone\n"
        "License: GPL-2+ or Artistic\n"
        "\n"
        "Files: lib/*\n"
        "License: BSD-3-clause and Expat, zlib\n"
        "\n"
        "License: GPL-2+\n"
        " On Debian systems the full text is in /usr/share/common-licenses/GPL-2.\n"
        "License:\n"
        "License: GPL-3+ with Bison exception\n"
    )
    assert licenses_from_copyright(text) == (
        "GPL-2.0-or-later",
        "Artistic-1.0-Perl",
        "BSD-3-Clause",
        "MIT",
        "Zlib",
        "GPL-3+ with Bison exception",
        "GPL-2.0-only",
    )


def test_prose_copyright_file() -> None:
    text = (
        "This is the Debian prepackaged version of GNU foo.\n"
        "You should have received a copy of the GNU General Public License\n"
        "along with this program; see `/usr/share/common-licenses/GPL'.\n"
        "The manual is under /usr/share/common-licenses/GFDL-1.3.\n"
    )
    assert licenses_from_copyright(text) == ("GPL", "GFDL-1.3-only")
    assert licenses_from_copyright("") == ()
