"""The explicit registry of extractors and its named presets.

Adding an ecosystem is one new module plus one line in its package's ``EXTRACTORS`` tuple; adding a
new ecosystem package is one line here. No registration by import side effect.
"""

from __future__ import annotations

from collections.abc import Iterable

from bastion.errors import UsageError
from bastion.inventory import dotnet, golang, java, javascript, ospkg, other, php, python, ruby, rust
from bastion.inventory.base import Extractor

PRESETS: dict[str, tuple[type[Extractor], ...]] = {
    "os": ospkg.EXTRACTORS,
    "python": python.EXTRACTORS,
    "javascript": javascript.EXTRACTORS,
    "go": golang.EXTRACTORS,
    "rust": rust.EXTRACTORS,
    "java": java.EXTRACTORS,
    "ruby": ruby.EXTRACTORS,
    "php": php.EXTRACTORS,
    "dotnet": dotnet.EXTRACTORS,
    "other": other.EXTRACTORS,
}
ALL: tuple[type[Extractor], ...] = tuple(cls for group in PRESETS.values() for cls in group)
PRESETS["lang"] = tuple(cls for name, group in PRESETS.items() if name != "os" for cls in group)
PRESETS["all"] = ALL


def by_name() -> dict[str, type[Extractor]]:
    return {cls.plugin.name: cls for cls in ALL}


def build(selection: Iterable[str] = ("all",)) -> tuple[Extractor, ...]:
    """Instantiate extractors from preset names and/or plugin names (``python``, ``python/poetry-lock``)."""
    named = by_name()
    chosen: dict[str, type[Extractor]] = {}
    for item in selection:
        if item in PRESETS:
            for cls in PRESETS[item]:
                chosen[cls.plugin.name] = cls
        elif item in named:
            chosen[item] = named[item]
        else:
            known = ", ".join(sorted(PRESETS))
            raise UsageError(
                f"unknown extractor or preset {item!r}", hint=f"presets: {known}; or a plugin name"
            )
    return tuple(cls() for cls in chosen.values())
