"""dpkg: ``var/lib/dpkg/status`` and distroless ``var/lib/dpkg/status.d/<package>``.

Both are deb822 control stanzas (``Field: value`` lines, continuation lines start with a space or
tab, blank lines between stanzas). A package is reported when its files are on disk: ``Status``
(``want flag state``) has the state ``installed``, ``unpacked``, ``half-configured``,
``half-installed``, ``triggers-awaited`` or ``triggers-pending``; ``config-files`` and
``not-installed`` stanzas describe removed packages and are skipped. Distroless ``status.d`` files
carry no ``Status`` field; their packages are installed by construction.

``Source: glibc (2.36-9)`` gives the source package and its own version (binNMUs and rebuilt
binaries differ from their source); without a version the binary's version applies, and without
``Source`` the package is its own source. ``Depends`` and ``Pre-Depends`` become dependency edges to
the packages of the same database that satisfy them (directly or through ``Provides``). Licenses
come from the package's ``usr/share/doc/<package>/copyright`` in the same root (:mod:`._copyright`).

File ownership (``info/<package>[:<arch>].list`` or ``.md5sums``, distroless
``status.d/<package>.md5sums``) is not read during extraction, to keep the scan one read of one
file and the results lean: :func:`owned_files` reads it on demand for code that needs it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from typing import BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.inventory.base import ExtractContext, make_package
from bastion.inventory.ospkg._common import decode, os_of, os_purl, read_limited, split_epoch
from bastion.inventory.ospkg._copyright import MAX_COPYRIGHT_BYTES, licenses_from_copyright
from bastion.inventory.ospkg.release import release_for
from bastion.model import Ecosystem, FileRef, Package, PluginId
from bastion.targets.base import FileNotInTreeError, FileTree, read_bytes
from bastion.versions.base import InvalidVersion
from bastion.versions.dpkg import parse_dpkg

__all__ = [
    "DistrolessDpkgExtractor",
    "DpkgStatusExtractor",
    "iter_stanzas",
    "owned_files",
    "parse_relations",
]

#: dpkg states in which the package's files are on disk.
INSTALLED_STATES = frozenset(
    {"installed", "unpacked", "half-configured", "half-installed", "triggers-awaited", "triggers-pending"}
)
#: Largest ``info/*.list`` or ``*.md5sums`` file :func:`owned_files` reads.
_LIST_LIMIT = 16 * 1024 * 1024

_STATUS_SUFFIX = "var/lib/dpkg/status"
_STATUS_D = "var/lib/dpkg/status.d"


def iter_stanzas(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """``(first line number, fields)`` for each deb822 stanza. Field names are lowercased.

    Continuation lines are joined with newlines (a lone ``.`` stays as written); a continuation line
    before any field, or a line without a colon, is ignored. Linear in the input, however many
    continuation lines a field has.
    """
    fields: dict[str, list[str]] = {}
    start = 0
    key: str | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            if fields:
                yield start, {k: "\n".join(v) for k, v in fields.items()}
            fields, key = {}, None
            continue
        if line[0] in " \t":
            if key is not None:
                fields[key].append(line.strip())
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or " " in name.strip():
            key = None
            continue
        if not fields:
            start = lineno
        key = name.strip().lower()
        fields[key] = [value.strip()]
    if fields:
        yield start, {k: "\n".join(v) for k, v in fields.items()}


def parse_relations(value: str) -> list[list[str]]:
    """``a (>= 1) | b:any, c [amd64]`` → ``[["a", "b"], ["c"]]``: package names per alternative group."""
    groups: list[list[str]] = []
    for group in value.replace("\n", " ").split(","):
        names = []
        for alt in group.split("|"):
            token = alt.strip()
            for stop in ("(", "[", "<", " "):
                token = token.split(stop, 1)[0]
            name = token.split(":", 1)[0].strip()
            if name:
                names.append(name)
        if names:
            groups.append(names)
    return groups


def _parse_source(value: str, version: str) -> tuple[str, str]:
    """``glibc (2.36-9)`` → ``("glibc", "2.36-9")``; ``pam`` → ``("pam", version)``."""
    name, _, rest = value.partition("(")
    source_version = rest.split(")", 1)[0].strip() if rest else ""
    return name.strip(), source_version or version


def _licenses(ctx: ExtractContext, base: str, package: str) -> tuple[str, ...]:
    """Licenses named by ``<base>usr/share/doc/<package>/copyright``; () when there is none."""
    path = f"{base}usr/share/doc/{package}/copyright"
    try:
        with ctx.tree.open(path) as fh:
            data = fh.read(MAX_COPYRIGHT_BYTES)
    except (FileNotInTreeError, OSError):
        return ()
    return licenses_from_copyright(decode(data))


class _DpkgBase:
    ecosystem: ClassVar[Ecosystem | None] = None  # Debian or Ubuntu, by the detected OS
    plugin: ClassVar[PluginId]
    #: Read through ``ctx.tree`` (``usr/share/doc/<package>/copyright``): image scans materialise them.
    companion_names: ClassVar[frozenset[str]] = frozenset({"copyright"})

    def _packages(self, text: str, entry: FileRef, ctx: ExtractContext, *, distroless: bool) -> list[Package]:
        db_path = f"{_STATUS_D}/{entry.name}" if distroless else _STATUS_SUFFIX
        release = release_for(os_of(entry, ctx, db_path), "dpkg")
        base = entry.path[: -len(db_path)] if entry.path.endswith(db_path) else ""
        stanzas: list[tuple[int, dict[str, str]]] = []
        parsed = list(iter_stanzas(text))
        if text.strip() and not any("package" in fields for _, fields in parsed):
            what = "a dpkg control stanza" if distroless else "dpkg status stanzas"
            raise ExtractError(f"{entry.path}: expected {what} ('Package: …' lines), found none")
        for lineno, fields in parsed:
            name = fields.get("package", "")
            if not name:
                ctx.warn(entry.path, f"line {lineno}: stanza without a Package field skipped")
                continue
            status = fields.get("status")
            if status is None:
                if not distroless:
                    ctx.warn(entry.path, f"line {lineno}: package {name!r} has no Status field; skipped")
                    continue
                state = "installed"
            else:
                words = status.split()
                if len(words) != 3:
                    ctx.warn(
                        entry.path,
                        f"line {lineno}: package {name!r} has Status {status!r}, expected 'want flag state'",
                    )
                    continue
                state = words[2]
                if state not in INSTALLED_STATES:
                    continue  # config-files, not-installed: removed packages
            version = fields.get("version", "")
            if not version:
                ctx.warn(entry.path, f"line {lineno}: package {name!r} has no Version field; skipped")
                continue
            try:
                parse_dpkg(version)
            except InvalidVersion as exc:
                ctx.warn(entry.path, f"line {lineno}: package {name!r}: {exc.message}; skipped")
                continue
            stanzas.append((lineno, fields))

        # Which installed package satisfies a dependency name: itself, or what Provides it.
        providers: dict[str, str] = {}
        for _, fields in stanzas:
            providers.setdefault(fields["package"], fields["package"])
        for _, fields in stanzas:
            for group in parse_relations(fields.get("provides", "")):
                for virtual in group:
                    providers.setdefault(virtual, fields["package"])

        out = []
        for _, fields in stanzas:
            name, version = fields["package"], fields["version"]
            arch = fields.get("architecture") or None
            source_name, source_version = _parse_source(fields.get("source", "") or name, version)
            deps: dict[str, None] = {}  # ordered set: hostile files may list a million names
            for key in ("pre-depends", "depends"):
                for group in parse_relations(fields.get(key, "")):
                    for alt in group:
                        target = providers.get(alt)
                        if target is not None and target != name:
                            deps.setdefault(target, None)
            metadata = {}
            if arch:
                metadata["arch"] = arch
            epoch, _ = split_epoch(version)
            if epoch:
                metadata["epoch"] = epoch
            if fields.get("multi-arch"):
                metadata["multi_arch"] = fields["multi-arch"]
            state = (fields.get("status") or "install ok installed").split()[2]
            if state != "installed":
                metadata["status"] = state
            out.append(
                make_package(
                    release.ecosystem,
                    name,
                    version,
                    entry,
                    self.plugin,
                    purl=os_purl("deb", release, name, version, arch),
                    source_name=source_name,
                    source_version=source_version,
                    licenses=_licenses(ctx, base, name),
                    dependencies=tuple(deps),
                    metadata=metadata,
                )
            )
        return out


class DpkgStatusExtractor(_DpkgBase):
    """``var/lib/dpkg/status``: the dpkg database of Debian, Ubuntu and their derivatives."""

    plugin: ClassVar[PluginId] = PluginId("os/dpkg", 1)
    file_names: ClassVar[frozenset[str]] = frozenset({"status"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        path = entry.path
        return path == _STATUS_SUFFIX or path.endswith("/" + _STATUS_SUFFIX)

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        text = decode(read_limited(stream, entry, ctx))
        return self._packages(text, entry, ctx, distroless=False)


class DistrolessDpkgExtractor(_DpkgBase):
    """``var/lib/dpkg/status.d/<package>``: one stanza per file, as Google's distroless images ship it.

    ``*.md5sums`` files in the same directory list the package's files and are not stanzas.
    """

    plugin: ClassVar[PluginId] = PluginId("os/dpkg-distroless", 1)
    # status.d files are named after their package, so neither names nor suffixes select them:
    # wants() is asked for every regular file and answers with two string tests.
    file_names: ClassVar[frozenset[str]] = frozenset()
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        path = entry.path
        if "status.d/" not in path or path.endswith(".md5sums"):
            return False
        parent = posixpath.dirname(path)
        return parent == _STATUS_D or parent.endswith("/" + _STATUS_D)

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        text = decode(read_limited(stream, entry, ctx))
        return self._packages(text, entry, ctx, distroless=True)


def owned_files(tree: FileTree, package: str, arch: str | None = None, *, root: str = "") -> tuple[str, ...]:
    """Absolute paths (``/usr/bin/tar``) of what ``package`` installed, as dpkg records it.

    ``info/<package>:<arch>.list`` (multi-arch ``same`` packages) or ``info/<package>.list`` list files
    and directories; without them ``info/<package>[:<arch>].md5sums`` or distroless's
    ``status.d/<package>.md5sums`` list the regular files. ``()`` when the tree holds none of them.
    ``root`` is the root filesystem's folder inside the tree (``""`` for a whole image or ``/``).
    """
    base = f"{root.strip('/')}/" if root.strip("/") else ""
    names = [f"{package}:{arch}", package] if arch else [package]
    for name in names:
        data = _read_optional(tree, f"{base}var/lib/dpkg/info/{name}.list")
        if data is not None:
            lines = (raw.strip() for raw in decode(data).splitlines())
            return tuple(line for line in lines if line.startswith("/") and line != "/.")
    sums = [f"{base}var/lib/dpkg/info/{name}.md5sums" for name in names]
    sums.append(f"{base}{_STATUS_D}/{package}.md5sums")
    for path in sums:
        data = _read_optional(tree, path)
        if data is not None:
            out = []
            for raw in decode(data).splitlines():
                _, _, file = raw.strip().partition("  ")
                if file:
                    out.append("/" + file.lstrip("/"))
            return tuple(out)
    return ()


def _read_optional(tree: FileTree, path: str) -> bytes | None:
    try:
        return read_bytes(tree, path, _LIST_LIMIT)
    except (FileNotInTreeError, OSError):
        return None
