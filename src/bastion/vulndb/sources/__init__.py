"""Advisory feeds, one module each, behind :class:`~bastion.vulndb.sources.base.Source`.

:data:`SOURCES` is the explicit registry (name → class); :data:`DEFAULT_SOURCES` are the ones
``bastion db update`` runs when ``--source`` is not given. Ubuntu and Red Hat are a documented seam
(see :mod:`bastion.vulndb.sources.base`): their OSV exports already flow through the ``osv`` source
when their ecosystems are configured; a native OVAL/VEX reader would be one more module here.
"""

from __future__ import annotations

from bastion.vulndb.sources.alpine import AlpineSecdbSource
from bastion.vulndb.sources.base import Fetcher, Source, SourceResult, UpdateContext
from bastion.vulndb.sources.debian import DebianTrackerSource
from bastion.vulndb.sources.epss import EpssSource
from bastion.vulndb.sources.kev import KevSource
from bastion.vulndb.sources.osv import OsvSource

__all__ = ["DEFAULT_SOURCES", "SOURCES", "Fetcher", "Source", "SourceResult", "UpdateContext"]

SOURCES: dict[str, type[Source]] = {
    "osv": OsvSource,
    "debian": DebianTrackerSource,
    "alpine": AlpineSecdbSource,
    "kev": KevSource,
    "epss": EpssSource,
}
DEFAULT_SOURCES: tuple[str, ...] = ("osv", "debian", "alpine", "kev", "epss")
