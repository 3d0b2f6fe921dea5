"""Secret detection: rules as data, a multi-pattern engine, noise control, keys and certificates.

See docs/secrets.md. Public pieces: :class:`SecretDetector` (the ``secret`` scanner),
:func:`builtin_rules` (the rule table), :class:`SecretScanner` (scan a buffer directly).

The names load on first use: the engine pulls in Hyperscan and ``cryptography``, which commands that do
not scan for secrets should not pay for at start-up.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "SecretDetector": "bastion.detectors.secrets.detector",
    "build_rules": "bastion.detectors.secrets.detector",
    "SecretScanner": "bastion.detectors.secrets.engine",
    "make_matcher": "bastion.detectors.secrets.engine",
    "Rule": "bastion.detectors.secrets.rules",
    "RuleSet": "bastion.detectors.secrets.rules",
    "builtin_rules": "bastion.detectors.secrets.rules",
    "import_gitleaks": "bastion.detectors.secrets.rules",
    "load_rule_file": "bastion.detectors.secrets.rules",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'bastion.detectors.secrets' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
