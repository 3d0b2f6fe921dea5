"""The extractor interface: one parsing logic per class, cheap selection, a stream to parse.

The runner walks the tree once. For each file it asks the extractors whose ``file_names`` or
``file_suffixes`` match (or that declare neither) whether they ``wants()`` it — by path, size and mode
only, never by reading. A wanted file is opened once and handed to ``extract()``. Bad input raises
:class:`~bastion.errors.ExtractError`; the runner turns it into an :class:`~bastion.model.Unknown` and
marks the plugin "partial". Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import BinaryIO, ClassVar, Protocol, runtime_checkable

from packageurl import PackageURL

from bastion.errors import ExtractError
from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.model import Ecosystem, FileRef, Location, OsInfo, Package, PluginId
from bastion.targets.base import FileTree

__all__ = [
    "ExtractContext",
    "ExtractError",
    "Extractor",
    "make_package",
    "make_purl",
]


@dataclass
class ExtractContext:
    """What an extractor may use besides the stream: the read-only tree (for sibling files), the
    detected OS, the limits, and ``warn`` for a non-fatal problem (it becomes an ``Unknown``)."""

    tree: FileTree
    os: OsInfo | None = None
    limits: Limits = DEFAULT_LIMITS
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def warn(self, path: str, reason: str) -> None:
        self.warnings.append((path, reason))


@runtime_checkable
class Extractor(Protocol):
    plugin: ClassVar[PluginId]
    #: The ecosystem of the packages it produces (None if it produces several).
    ecosystem: ClassVar[Ecosystem | None]
    #: Exact base names the extractor may want (fast dispatch). Empty: see ``file_suffixes``.
    file_names: ClassVar[frozenset[str]]
    #: Base-name suffixes it may want (``.jar``, ``.deps.json``). If both are empty, ``wants()`` is asked
    #: for every regular file (binaries found by mode, for example), so keep it cheap.
    file_suffixes: ClassVar[tuple[str, ...]]

    def wants(self, entry: FileRef) -> bool:
        """Path, size and mode only: no I/O, no regex."""
        ...

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        """Parse one file. ``stream`` is seekable. Raise ExtractError(reason) for bad input."""
        ...

    # Optional, for installed-package layouts whose dependencies live in other files (site-packages,
    # node_modules, conda-meta): ``dependency_scope(path) -> (home, lookup)`` says where the package
    # found at ``path`` lives and where, nearest first, its dependency names are looked up. The runner
    # resolves ``Package.dependencies`` through it (see ``runner.finalize``).


def make_purl(
    type_: str,
    name: str,
    version: str | None,
    *,
    namespace: str | None = None,
    qualifiers: dict[str, str] | None = None,
    subpath: str | None = None,
) -> str:
    """A canonical purl string (packageurl-python does the encoding)."""
    quals = {k: v for k, v in (qualifiers or {}).items() if v}
    return PackageURL(
        type=type_,
        namespace=namespace,
        name=name,
        version=version or None,
        qualifiers=quals or None,
        subpath=subpath,
    ).to_string()


#: purl type per ecosystem, for the common case where the purl is type/name@version.
PURL_TYPES: dict[Ecosystem, str] = {
    Ecosystem.PYPI: "pypi",
    Ecosystem.NPM: "npm",
    Ecosystem.GO: "golang",
    Ecosystem.CRATES_IO: "cargo",
    Ecosystem.MAVEN: "maven",
    Ecosystem.RUBYGEMS: "gem",
    Ecosystem.PACKAGIST: "composer",
    Ecosystem.NUGET: "nuget",
    Ecosystem.PUB: "pub",
    Ecosystem.HEX: "hex",
    Ecosystem.SWIFT: "swift",
    Ecosystem.CONAN: "conan",
    Ecosystem.CONDA: "conda",
    Ecosystem.COCOAPODS: "cocoapods",
    Ecosystem.DEBIAN: "deb",
    Ecosystem.UBUNTU: "deb",
    Ecosystem.ALPINE: "apk",
    Ecosystem.WOLFI: "apk",
    Ecosystem.CHAINGUARD: "apk",
    Ecosystem.GENERIC: "generic",
}


def make_package(
    ecosystem: Ecosystem,
    name: str,
    version: str,
    entry: FileRef,
    plugin: PluginId,
    *,
    purl: str | None = None,
    namespace: str | None = None,
    qualifiers: dict[str, str] | None = None,
    **fields: object,
) -> Package:
    """Build a Package found in ``entry`` with a purl derived from the ecosystem when not given.

    ``fields`` are passed to :class:`~bastion.model.Package` (``direct``, ``dev``, ``licenses``,
    ``dependencies``, ``source_name``, ``source_version``, ``metadata``).
    """
    if purl is None:
        ptype = PURL_TYPES.get(ecosystem, "generic")
        purl = make_purl(ptype, name, version, namespace=namespace, qualifiers=qualifiers)
    location = Location(path=entry.path, layer=entry.layer_digest)
    return Package(
        name=name,
        version=version,
        ecosystem=ecosystem,
        purl=purl,
        locations=(location,),
        found_by=plugin.name,
        **fields,  # type: ignore[arg-type]
    )


ExtractorFactory = Callable[[], Extractor]
