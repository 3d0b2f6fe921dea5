"""Operating-system detection from release files.

``etc/os-release`` (or ``usr/lib/os-release``; the tree resolves the usual symlink inside the root)
decides when it names a distribution. Without it the distribution-specific files are tried:
``etc/alpine-release``, the rpm family's ``etc/*-release`` files (``system-release`` is Amazon's),
``etc/SuSE-release``, ``etc/lsb-release`` and ``etc/debian_version``.

``family`` is a lowercase os-release ``ID`` with historic spellings normalised (``redhat`` → ``rhel``,
``amazon`` → ``amzn``, ``opensuse`` → ``opensuse-leap`` …); ``version`` is ``VERSION_ID`` as published.
When a release file has no ``VERSION_ID`` (Debian testing, some Ubuntu builds) a known codename
supplies it. Google's distroless images (a dpkg ``status.d/`` directory instead of a ``status`` file,
or their own os-release) are Debian with ``distroless=True``.
"""

from __future__ import annotations

import re
import shlex

from bastion.model import FileRef, FileType, OsInfo
from bastion.targets.base import FileNotInTreeError, FileTree, read_bytes

__all__ = [
    "RELEASE_FILES",
    "detect_os",
    "normalize_family",
    "parse_os_release",
    "wants_release_file",
]

_READ_LIMIT = 64 * 1024

_OS_RELEASE = ("etc/os-release", "usr/lib/os-release")
#: rpm-family release files, most specific first (a CentOS image also has a redhat-release link).
_RPM_RELEASE = (
    "etc/system-release",  # Amazon Linux (other rpm distributions link it to their own file)
    "etc/oracle-release",
    "etc/rocky-release",
    "etc/almalinux-release",
    "etc/centos-release",
    "etc/fedora-release",
    "etc/redhat-release",
)
#: Every file :func:`detect_os` may read; targets that materialise files selectively must keep these.
RELEASE_FILES: frozenset[str] = frozenset(
    {
        *_OS_RELEASE,
        *_RPM_RELEASE,
        "etc/alpine-release",
        "etc/debian_version",
        "etc/SuSE-release",
        "etc/lsb-release",
    }
)

#: Historic or vendor spellings of os-release IDs → the ID bastion uses.
_FAMILY_ALIASES = {
    "redhat": "rhel",
    "red hat": "rhel",
    "alma": "almalinux",
    "amazon": "amzn",
    "amazonlinux": "amzn",
    "oracle": "ol",
    "oraclelinux": "ol",
    "suse": "sles",
    "opensuse": "opensuse-leap",  # Leap 42.x and 15.0 used ID=opensuse
    "rockylinux": "rocky",
    "centos-stream": "centos",
}

UBUNTU_CODENAMES = {
    "trusty": "14.04",
    "xenial": "16.04",
    "bionic": "18.04",
    "focal": "20.04",
    "groovy": "20.10",
    "hirsute": "21.04",
    "impish": "21.10",
    "jammy": "22.04",
    "kinetic": "22.10",
    "lunar": "23.04",
    "mantic": "23.10",
    "noble": "24.04",
    "oracular": "24.10",
    "plucky": "25.04",
    "questing": "25.10",
}
#: Debian codenames → release numbers (distro-info-data debian.csv).
DEBIAN_CODENAMES = {
    "buzz": "1.1",
    "rex": "1.2",
    "bo": "1.3",
    "hamm": "2.0",
    "slink": "2.1",
    "potato": "2.2",
    "woody": "3.0",
    "sarge": "3.1",
    "etch": "4",
    "lenny": "5",
    "squeeze": "6",
    "wheezy": "7",
    "jessie": "8",
    "stretch": "9",
    "buster": "10",
    "bullseye": "11",
    "bookworm": "12",
    "trixie": "13",
    "forky": "14",
    "duke": "15",
}

# "<name> release <version> (<codename>)", e.g. "Rocky Linux release 9.3 (Blue Onyx)".
_RPM_RELEASE_RE = re.compile(r"^(?P<name>.+?)\s+release\s+(?P<version>[0-9][0-9.]*)")
_RPM_NAMES = (
    ("red hat enterprise linux", "rhel"),
    ("centos", "centos"),
    ("rocky linux", "rocky"),
    ("almalinux", "almalinux"),
    ("fedora", "fedora"),
    ("oracle linux", "ol"),
    ("amazon linux", "amzn"),
)


def normalize_family(os_id: str) -> str:
    family = os_id.strip().lower()
    return _FAMILY_ALIASES.get(family, family)


_RELEASE_NAMES = frozenset(path.rpartition("/")[2] for path in RELEASE_FILES)


def wants_release_file(entry: FileRef) -> bool:
    """True for the files :func:`detect_os` reads, at the top or in a nested root filesystem.

    Targets that materialise only the files a scan wants (images) must keep these for the OS to be
    detected; a basename test rejects almost every entry before any suffix test.
    """
    path = entry.path
    if entry.name not in _RELEASE_NAMES:
        return False
    return path in RELEASE_FILES or any(path.endswith("/" + rel) for rel in RELEASE_FILES)


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value lines with shell quoting, as os-release(5) specifies."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        try:
            parts = shlex.split(value, posix=True)
        except ValueError:
            parts = [value.strip().strip("\"'")]
        out[key.strip()] = " ".join(parts) if parts else ""
    return out


def _read_text(tree: FileTree, path: str) -> str | None:
    try:
        data = read_bytes(tree, path, _READ_LIMIT)
    except FileNotInTreeError:
        return None
    return data.decode("utf-8", "replace")


def _from_os_release(fields: dict[str, str]) -> OsInfo | None:
    family = normalize_family(fields.get("ID", ""))
    if not family:
        return None
    version = fields.get("VERSION_ID", "").strip()
    codename = (fields.get("VERSION_CODENAME") or fields.get("UBUNTU_CODENAME") or "").strip().lower() or None
    if not version and codename:
        version = {"ubuntu": UBUNTU_CODENAMES, "debian": DEBIAN_CODENAMES}.get(family, {}).get(codename, "")
    name = (
        fields.get("PRETTY_NAME") or (f"{fields.get('NAME', '')} {fields.get('VERSION', '')}".strip()) or None
    )
    distroless = (
        "distroless" in fields.get("HOME_URL", "").lower() or fields.get("PRETTY_NAME") == "Distroless"
    )
    return OsInfo(family=family, version=version, name=name, codename=codename, distroless=distroless)


def _from_rpm_release(text: str) -> OsInfo | None:
    line = text.strip().splitlines()[0].strip() if text.strip() else ""
    m = _RPM_RELEASE_RE.match(line)
    if m is None:
        return None
    lowered = m.group("name").lower()
    for prefix, family in _RPM_NAMES:
        if lowered.startswith(prefix):
            return OsInfo(family=family, version=m.group("version"), name=line)
    return None


def _from_suse_release(text: str) -> OsInfo | None:
    """The deprecated ``etc/SuSE-release``: ``SUSE Linux Enterprise Server 12 (x86_64)``, ``VERSION = 12``…"""
    lines = text.strip().splitlines()
    if not lines:
        return None
    kv = {k.strip(): v.strip() for k, _, v in (ln.partition("=") for ln in lines[1:]) if v}
    version = kv.get("VERSION", "")
    if not version:
        return None
    product = lines[0].split("(")[0].strip()  # drop the "(x86_64)" architecture suffix
    family = "opensuse-leap" if product.lower().startswith("opensuse") else "sles"
    patch = kv.get("PATCHLEVEL")
    if patch and "." not in version:
        version = f"{version}.{patch}"
        if patch != "0":
            product = f"{product} SP{patch}"  # as PRETTY_NAME spells it: "… Server 12 SP3"
    return OsInfo(family=family, version=version, name=product)


def _from_lsb_release(text: str) -> OsInfo | None:
    fields = parse_os_release(text)
    family = normalize_family(fields.get("DISTRIB_ID", ""))
    if not family:
        return None
    return OsInfo(
        family=family,
        version=fields.get("DISTRIB_RELEASE", ""),
        name=fields.get("DISTRIB_DESCRIPTION") or None,
        codename=(fields.get("DISTRIB_CODENAME") or "").lower() or None,
    )


def _from_debian_version(text: str) -> OsInfo | None:
    value = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not value:
        return None
    if value[0].isdigit():
        version = value.split(".")[0]
        codename = next((c for c, v in DEBIAN_CODENAMES.items() if v == version), None)
        return OsInfo(family="debian", version=version, name=f"Debian GNU/Linux {value}", codename=codename)
    # testing/unstable: "trixie/sid"
    codename = value.split("/")[0].lower()
    return OsInfo(
        family="debian",
        version=DEBIAN_CODENAMES.get(codename, ""),
        name=f"Debian GNU/Linux {value}",
        codename=codename if codename in DEBIAN_CODENAMES else None,
    )


def _is_distroless_dpkg(tree: FileTree, base: str) -> bool:
    """Google distroless: one file per package in ``status.d/``, no ``status`` file."""
    entry = tree.stat(f"{base}var/lib/dpkg/status.d")
    if entry is None or entry.type is not FileType.DIR:
        return False
    return tree.stat(f"{base}var/lib/dpkg/status") is None


def detect_os(tree: FileTree, root: str = "") -> OsInfo | None:
    """The distribution of the root filesystem at ``root`` inside the tree (``""``: the tree itself).

    None when no release file says.
    """
    base = f"{root.strip('/')}/" if root.strip("/") else ""
    info = _detect(tree, base)
    if info is None:
        return None
    if info.family == "debian":
        if not info.version:
            # Debian testing/sid os-release carries no VERSION_ID; debian_version may.
            text = _read_text(tree, f"{base}etc/debian_version")
            fallback = _from_debian_version(text) if text else None
            if fallback is not None and fallback.version:
                info = OsInfo(
                    info.family,
                    fallback.version,
                    info.name,
                    info.codename or fallback.codename,
                    info.distroless,
                )
        if not info.distroless and _is_distroless_dpkg(tree, base):
            info = OsInfo(info.family, info.version, info.name, info.codename, True)
    return info


def _detect(tree: FileTree, base: str) -> OsInfo | None:
    for path in _OS_RELEASE:
        text = _read_text(tree, base + path)
        if text is None:
            continue
        info = _from_os_release(parse_os_release(text))
        if info is not None:
            return info
    text = _read_text(tree, f"{base}etc/alpine-release")
    if text and text.strip():
        version = text.strip().splitlines()[0].strip()
        branch = ".".join(version.split(".")[:2])
        return OsInfo(family="alpine", version=version, name=f"Alpine Linux v{branch}")
    for path in _RPM_RELEASE:
        text = _read_text(tree, base + path)
        if text:
            info = _from_rpm_release(text)
            if info is not None:
                return info
    text = _read_text(tree, f"{base}etc/SuSE-release")
    if text:
        info = _from_suse_release(text)
        if info is not None:
            return info
    text = _read_text(tree, f"{base}etc/lsb-release")
    if text:
        info = _from_lsb_release(text)
        if info is not None:
            return info
    text = _read_text(tree, f"{base}etc/debian_version")
    if text:
        return _from_debian_version(text)
    return None
