"""pip requirements files: ``requirements.txt``, ``requirements-dev.txt``, ``dev-requirements.txt``,
``requirements/*.txt`` and ``constraints*.txt``; also ``<pkg>/_vendor/vendor.txt``, pip's list of the
packages it vendors (reported with ``direct=None`` and ``metadata["vendored_by"]``).

Every requirement a file declares is a direct dependency. A requirement pinned with ``==``/``===`` (no
wildcard) gets that version; anything else is reported *unpinned*: version ``""`` and the specifier in
``metadata["constraint"]`` (when a ``-c`` constraints file pins it, the constraint's version is used and
``metadata["pinned_by"]`` names that file). ``-r`` includes are followed through the tree relative to the
including file (bounded depth, cycles cut); their packages carry the included file's location.
Extras, environment markers, ``--hash`` values and direct URLs are kept in ``metadata``.
A line that is not a requirement becomes a warning naming the line, never a silent drop.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import BinaryIO, ClassVar
from urllib.parse import unquote, urlsplit

from packaging.requirements import InvalidRequirement, Requirement

from bastion.fs.parsing import decode_text
from bastion.inventory._lockfile import read_stream, vendored
from bastion.inventory.base import ExtractContext
from bastion.inventory.python._common import canon, pypi_package
from bastion.model import Ecosystem, FileRef, Location, Package, PluginId
from bastion.targets.base import FileNotInTreeError, read_bytes

#: How deep ``-r``/``-c`` includes are followed.
MAX_INCLUDE_DEPTH = 16
#: A logical line longer than this is not a requirement (and would only slow the parser down).
MAX_LINE = 64 * 1024

_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
_URL_PREFIXES = (*_VCS_PREFIXES, "http://", "https://", "file:", "ftp://")
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar")


def decode_requirements(data: bytes, path: str) -> str:
    """UTF-16 (with BOM, as Windows editors write it) or UTF-8/Latin-1."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    return decode_text(data, path)


def strip_comment(line: str) -> str:
    """pip's rule: ``#`` starts a comment at the line start or after whitespace. Linear, no regex."""
    start = 0
    while True:
        i = line.find("#", start)
        if i < 0:
            return line
        if i == 0 or line[i - 1] in " \t":
            return line[:i]
        start = i + 1


def logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """(first physical line number, joined line) with backslash continuations joined."""
    buf: list[str] = []
    first = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not buf:
            first = number
        if line.endswith("\\") and not line.lstrip().startswith("#"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        yield first, " ".join(buf)
        buf = []
    if buf:
        yield first, " ".join(buf)


@dataclass
class Entry:
    """One parsed requirement line."""

    name: str
    version: str
    line: int
    constraint: str = ""
    extras: tuple[str, ...] = ()
    marker: str = ""
    url: str = ""
    hashes: tuple[str, ...] = ()
    editable: bool = False


@dataclass
class _Walk:
    ctx: ExtractContext
    root: FileRef
    seen: set[str] = field(default_factory=set)
    found: list[tuple[FileRef, Entry]] = field(default_factory=list)
    #: canonical name → (pinned version, constraints file path)
    pins: dict[str, tuple[str, str]] = field(default_factory=dict)


def _split_options(line: str) -> tuple[str, list[str]]:
    """Split ``req --hash=a --hash b`` into the requirement text and its per-requirement options."""
    i = line.find(" --")
    if i < 0:
        i = line.find("\t--")
    if i < 0:
        return line.strip(), []
    return line[:i].strip(), line[i:].split()


def _hashes(options: list[str]) -> tuple[str, ...]:
    out = []
    it = iter(options)
    for tok in it:
        if tok.startswith("--hash="):
            out.append(tok[len("--hash=") :])
        elif tok == "--hash":
            out.append(next(it, ""))
    return tuple(h for h in out if h)


def _egg_name(url: str) -> str | None:
    """``#egg=name`` of a URL (``name-1.0`` style fragments lose their version)."""
    fragment = urlsplit(url).fragment
    for part in fragment.split("&"):
        key, _, value = part.partition("=")
        if key == "egg" and value:
            name = value.split("[", 1)[0]
            return name
    return None


def _archive_name_version(url: str) -> tuple[str, str] | None:
    """Name and version from a wheel or sdist file name at the end of a URL or path."""
    base = posixpath.basename(unquote(urlsplit(url).path))
    if base.endswith(".whl"):
        parts = base[:-4].split("-")
        if len(parts) >= 5:
            return parts[0], parts[1]
        return None
    for suffix in _ARCHIVE_SUFFIXES:
        if base.endswith(suffix):
            stem = base[: -len(suffix)]
            name, sep, version = stem.rpartition("-")
            if sep and name and version[:1].isdigit():
                return name, version
    return None


def _pinned(req: Requirement) -> str:
    """The exact version of ``==``/``===`` pins without wildcards, else ""."""
    for spec in req.specifier:
        if spec.operator in ("==", "===") and "*" not in spec.version:
            return spec.version
    return ""


def parse_requirement(text: str, line: int) -> Entry | None:
    """One requirement (PEP 508, ``name @ url``, a bare VCS/archive URL with ``#egg=``) or None."""
    editable = False
    if text.startswith(("-e ", "--editable ", "--editable=", "-e\t")):
        editable = True
        text = text.split("=", 1)[1] if text.startswith("--editable=") else text.split(None, 1)[1]
        text = text.strip()
    req_text, options = _split_options(text)
    hashes = _hashes(options)
    if req_text.startswith(_URL_PREFIXES) or req_text.startswith((".", "/")):
        return _url_requirement(req_text, line, hashes, editable)
    try:
        req = Requirement(req_text)
    except InvalidRequirement:
        if req_text.endswith(_ARCHIVE_SUFFIXES):  # a local archive: "downloads/foo-1.0.tar.gz"
            return _url_requirement(req_text, line, hashes, editable)
        # Lenient: "Jinja2==3.0.0#comment" (pip itself would refuse; Trivy and users expect the pin).
        if "#" not in req_text:
            return None
        try:
            req = Requirement(req_text.split("#", 1)[0].strip())
        except InvalidRequirement:
            return None
    version = _pinned(req)
    url = req.url or ""
    if url and not version:
        archive = _archive_name_version(url)
        if archive and canon(archive[0]) == canon(req.name):
            version = archive[1]
    return Entry(
        name=req.name,
        version=version,
        line=line,
        constraint="" if version else str(req.specifier),
        extras=tuple(sorted(req.extras)),
        marker=str(req.marker) if req.marker is not None else "",
        url=url,
        hashes=hashes,
        editable=editable,
    )


def _url_requirement(text: str, line: int, hashes: tuple[str, ...], editable: bool) -> Entry | None:
    """A bare VCS/archive URL or path: named by ``#egg=`` or by a wheel/sdist file name."""
    url, _, marker = text.partition(";")
    url, marker = url.strip(), marker.strip()
    egg = _egg_name(url)
    archive = _archive_name_version(url)
    if egg:
        version = archive[1] if archive and canon(archive[0]) == canon(egg) else ""
        return Entry(egg, version, line, url=url, marker=marker, hashes=hashes, editable=editable)
    if archive:
        return Entry(archive[0], archive[1], line, url=url, marker=marker, hashes=hashes, editable=editable)
    return None


def _option(line: str, short: str, long: str) -> str | None:
    """The value of ``-r x`` / ``-rx`` / ``--requirement x`` / ``--requirement=x``, or None."""
    for flag in (long + "=", long + " ", long + "\t", short + " ", short + "\t"):
        if line.startswith(flag):
            return line[len(flag) :].strip()
    if line.startswith(short) and len(line) > len(short) and not line.startswith(short + "-"):
        return line[len(short) :].strip()
    return None


class RequirementsTxtExtractor:
    plugin: ClassVar[PluginId] = PluginId("python/requirements-txt", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.PYPI
    file_names: ClassVar[frozenset[str]] = frozenset()
    file_suffixes: ClassVar[tuple[str, ...]] = (".txt",)

    def wants(self, entry: FileRef) -> bool:
        name = entry.name
        if not name.endswith(".txt"):
            return False
        if _vendor_list(entry.path):
            return True  # pip/_vendor/vendor.txt: what pip vendors, pinned
        if vendored(entry.path):
            return False
        if "requirements" in name or name.startswith("constraints"):
            return True
        parent = entry.path[: -len(name) - 1]
        return parent == "requirements" or parent.endswith("/requirements")

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        walk = _Walk(ctx, entry)
        vendored_by = _vendor_list(entry.path)
        is_constraints = entry.name.startswith("constraints")
        self._parse(walk, entry, read_stream(stream, entry, ctx), depth=0, constraints=False)
        out: list[Package] = []
        for ref, item in walk.found:
            metadata: dict[str, str] = {}
            version = item.version
            if not version and not item.url:
                pin = walk.pins.get(canon(item.name))
                if pin is not None:
                    version = pin[0]
                    metadata["pinned_by"] = pin[1]
            if not item.version and item.constraint:
                metadata["constraint"] = item.constraint
            if item.extras:
                metadata["extras"] = ",".join(item.extras)
            if item.marker:
                metadata["markers"] = item.marker
            if item.url:
                metadata["url"] = item.url
            if item.hashes:
                metadata["hashes"] = ",".join(item.hashes)
            if item.editable:
                metadata["editable"] = "true"
            if ref.path != entry.path:
                metadata["included_from"] = entry.path
            if vendored_by:
                metadata["vendored_by"] = vendored_by
            pkg = pypi_package(
                ref,
                self.plugin,
                item.name,
                version,
                direct=None if is_constraints or vendored_by else True,
                metadata=metadata,
            )
            location = Location(path=ref.path, layer=ref.layer_digest, line=item.line)
            out.append(_with_location(pkg, location))
        return out

    # -- parsing -------------------------------------------------------------------------------
    def _parse(self, walk: _Walk, ref: FileRef, data: bytes, *, depth: int, constraints: bool) -> None:
        walk.seen.add(ref.path)
        text = decode_requirements(data, ref.path)
        for number, raw in logical_lines(text):
            line = strip_comment(raw).strip()
            if not line:
                continue
            if len(line) > MAX_LINE:
                walk.ctx.warn(
                    ref.path, f"line {number}: longer than {MAX_LINE} characters; not a requirement"
                )
                continue
            include = _option(line, "-r", "--requirement")
            if include is not None:
                self._include(walk, ref, include, number, depth, constraints=constraints)
                continue
            constraint_file = _option(line, "-c", "--constraint")
            if constraint_file is not None:
                self._include(walk, ref, constraint_file, number, depth, constraints=True)
                continue
            if line.startswith("-") and not line.startswith(("-e", "--editable")):
                continue  # a global option (index URLs, --require-hashes, --pre, -i …): no package
            item = parse_requirement(line, number)
            if item is None:
                if line.startswith(("-e", "--editable", ".", "/")):
                    continue  # "-e .", "./libs/x": a local project, not a dependency from an index
                walk.ctx.warn(ref.path, f"line {number}: not a requirement: {line[:120]!r}")
                continue
            if constraints:  # a -c file: pins versions, installs nothing by itself
                if item.version:
                    walk.pins.setdefault(canon(item.name), (item.version, ref.path))
                continue
            walk.found.append((ref, item))

    def _include(
        self, walk: _Walk, ref: FileRef, target: str, number: int, depth: int, *, constraints: bool
    ) -> None:
        kind = "constraints" if constraints else "requirements"
        if target.startswith(("http://", "https://")):
            walk.ctx.warn(ref.path, f"line {number}: remote {kind} file {target} is not fetched")
            return
        if target.startswith("/"):
            walk.ctx.warn(ref.path, f"line {number}: absolute {kind} path {target} is not followed")
            return
        parent = posixpath.dirname(ref.path)
        path = posixpath.normpath(posixpath.join(parent, target))
        if path == ".." or path.startswith("../"):
            walk.ctx.warn(ref.path, f"line {number}: {kind} file {target} is outside the scanned tree")
            return
        if path in walk.seen:
            return  # a cycle or a repeated include: already read
        if depth + 1 > MAX_INCLUDE_DEPTH:
            walk.ctx.warn(
                ref.path, f"line {number}: includes nest deeper than {MAX_INCLUDE_DEPTH}; {target} not read"
            )
            return
        try:
            included = walk.ctx.tree.stat(path)
            if included is None or not included.is_file:
                raise FileNotInTreeError(path)
            data = read_bytes(walk.ctx.tree, path, walk.ctx.limits.max_parse_bytes)
        except (FileNotInTreeError, OSError):
            walk.ctx.warn(ref.path, f"line {number}: {kind} file {target} not found in the tree")
            return
        self._parse(walk, included, data, depth=depth + 1, constraints=constraints)


def _vendor_list(path: str) -> str:
    """The vendoring package of ``<pkg>/_vendor/vendor.txt`` (pip's list of vendored pins), or ""."""
    if not path.endswith("/_vendor/vendor.txt"):
        return ""
    head = path[: -len("/_vendor/vendor.txt")]
    return head.rpartition("/")[2]


def _with_location(pkg: Package, location: Location) -> Package:
    return replace(pkg, locations=(location,))
