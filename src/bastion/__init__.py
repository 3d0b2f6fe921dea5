"""bastion: one scanner for images, filesystems, repositories and SBOMs.

The library API is small and stable::

    import bastion

    target = bastion.open_target("image", "oci:samples/vulnerable-app")
    result = bastion.scan(target, bastion.ScanOptions(scanners=("vuln", "secret")))
    text = bastion.dump_result(result)          # bastion's JSON contract (docs/json-schema.md)
    again = bastion.load_result(text)           # lossless: again == result

Everything a scan produces is built from the frozen dataclasses in :mod:`bastion.model`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "ScanOptions",
    "TargetOptions",
    "__version__",
    "detect_inventory",
    "dump_result",
    "load_result",
    "load_sbom",
    "open_target",
    "scan",
]

if TYPE_CHECKING:
    from bastion.model import ScanResult
    from bastion.targets.factory import TargetOptions

# The scanner module is called `bastion.scan`, like the function. Binding the function here, after the
# submodule has loaded, makes `bastion.scan` the function for every caller (the import system sets the
# package attribute to the module only on first load).
from bastion.scan import ScanOptions, detect_inventory, scan

# The rest is imported lazily.
_LAZY = {
    "TargetOptions": ("bastion.targets.factory", "TargetOptions"),
    "open_target": ("bastion.targets.factory", "open_target"),
    "load_sbom": ("bastion.sbom.registry", "load"),
}


def __getattr__(name: str) -> Any:
    spec = _LAZY.get(name)
    if spec is None:
        raise AttributeError(f"module 'bastion' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(spec[0]), spec[1])


def dump_result(result: ScanResult, *, indent: int | None = 2) -> str:
    """A ScanResult as bastion's JSON (schema_version 1)."""
    from bastion import codec

    return codec.dumps(result, indent=indent)


def load_result(text: str | bytes, *, source: str = "<result>") -> ScanResult:
    """Re-read a stored JSON result; raises ``ResultFormatError`` naming the field that is wrong."""
    from bastion import codec

    return codec.loads(text, source=source)
