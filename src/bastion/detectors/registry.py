"""The explicit registry of detectors, keyed by the ``--scanners`` name that selects them.

Adding a detector is one module plus one line here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bastion.detectors.base import AnyDetector
from bastion.errors import UsageError

#: scanner name → factories of the detectors it enables. Factories import their module when called, so
#: a secret-only scan never loads the vulnerability database code (and start-up stays fast).
SCANNERS: dict[str, tuple[Callable[[], AnyDetector], ...]] = {
    "vuln": (lambda: __import__("bastion.detectors.vulns", fromlist=["_"]).VulnDetector(),),
    "secret": (lambda: __import__("bastion.detectors.secrets", fromlist=["_"]).SecretDetector(),),
    "malware": (lambda: __import__("bastion.detectors.malware", fromlist=["_"]).MalwareDetector(),),
    "misconfig": (lambda: __import__("bastion.detectors.misconfig", fromlist=["_"]).MisconfigDetector(),),
    "license": (),
}
DEFAULT_SCANNERS: tuple[str, ...] = ("vuln", "secret", "misconfig", "malware")


def build(scanners: Iterable[str]) -> tuple[AnyDetector, ...]:
    out: list[AnyDetector] = []
    for name in scanners:
        factories = SCANNERS.get(name)
        if factories is None:
            raise UsageError(f"unknown scanner {name!r}", hint=f"choose from: {', '.join(SCANNERS)}")
        out.extend(factory() for factory in factories)
    return tuple(out)
