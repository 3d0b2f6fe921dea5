"""The target interface: where bytes come from.

A :class:`Target` describes itself (an :class:`~bastion.model.ArtifactRef`) and opens into a
:class:`FileTree`, a read-only view of files that owns unpacking, caching and cleanup. Plugins never
touch the real filesystem; they only see :class:`~bastion.model.FileRef` entries and streams.

Images have layers. ``FileTree.walk()`` is the *squashed* view (what a container would see);
``FileTree.walk_all()`` also yields every file a later layer deleted or replaced, with
``visible=False``, so content detectors can report a secret that was "removed" in a later layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import BinaryIO, Protocol, runtime_checkable

from bastion.errors import TargetError
from bastion.model import ArtifactRef, FileRef, Inventory, LayerInfo, ScanError

#: Decides which files' contents a scan needs. Targets that must unpack (images) materialise only
#: the files it accepts; directory targets ignore it. None means "every regular file".
WantFn = Callable[[FileRef], bool]


class FileNotInTreeError(TargetError):
    """A path is not in the tree, or its content was not materialised."""


@runtime_checkable
class FileTree(Protocol):
    def walk(self) -> Iterator[FileRef]:
        """Entries of the squashed view in a deterministic order (parents before children)."""
        ...

    def walk_all(self) -> Iterator[FileRef]:
        """Every entry of every layer, bottom layer first; shadowed entries have ``visible=False``.

        For trees without layers this is the same as :meth:`walk`.
        """
        ...

    def open(self, ref: FileRef | str) -> BinaryIO:
        """Open a file's content for reading.

        A string path is looked up in the squashed view with symlinks resolved inside the root; a
        :class:`FileRef` from :meth:`walk_all` opens that exact layer's version. Raises
        :class:`FileNotInTreeError` when there is no such file or its content was not materialised.
        """
        ...

    def stat(self, path: str) -> FileRef | None:
        """The squashed-view entry for ``path`` after resolving symlinks, or None."""
        ...

    @property
    def layers(self) -> tuple[LayerInfo, ...]:
        """The image layers, bottom first; empty for trees that have none."""
        ...

    @property
    def errors(self) -> list[ScanError]:
        """Problems met while opening or walking (a corrupt layer, an unreadable file, a refused member)."""
        ...


@runtime_checkable
class Target(Protocol):
    def describe(self) -> ArtifactRef:
        """Stable identity (kind, normalised reference, digest) and, for images, layers and config."""
        ...

    def open(self, want: WantFn | None = None) -> AbstractContextManager[FileTree]:
        """Open the target; cleanup happens when the context exits."""
        ...


@runtime_checkable
class InventoryTarget(Protocol):
    """A target that *is* an inventory (an SBOM file): there are no files to open, only packages.

    :func:`bastion.scan.scan` runs the inventory detectors on it (vulnerabilities, licenses) and skips
    the content detectors, which need files.
    """

    def describe(self) -> ArtifactRef: ...

    def inventory(self) -> Inventory: ...


def read_bytes(tree: FileTree, ref: FileRef | str, limit: int) -> bytes:
    """Read at most ``limit`` bytes of a file; raise FileNotInTreeError when it is larger."""
    with tree.open(ref) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        name = ref if isinstance(ref, str) else ref.path
        raise FileNotInTreeError(f"{name}: larger than the {limit}-byte read limit")
    return data
