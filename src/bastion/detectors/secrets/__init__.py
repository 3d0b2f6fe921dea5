"""Secret detection: rules as data, a multi-pattern engine, noise control, keys and certificates.

See docs/secrets.md. Public pieces: :class:`SecretDetector` (the ``secret`` scanner),
:func:`builtin_rules` (the rule table), :class:`SecretScanner` (scan a buffer directly).
"""

from bastion.detectors.secrets.detector import SecretDetector, build_rules
from bastion.detectors.secrets.engine import SecretScanner, make_matcher
from bastion.detectors.secrets.rules import Rule, RuleSet, builtin_rules, import_gitleaks, load_rule_file

__all__ = [
    "Rule",
    "RuleSet",
    "SecretDetector",
    "SecretScanner",
    "build_rules",
    "builtin_rules",
    "import_gitleaks",
    "load_rule_file",
    "make_matcher",
]
