"""The gate: policy evaluation as a value, not an exception.

``apply_policy(result, policy, now=…)`` returns the result with

1. license findings for packages whose declared licenses the policy denies (or does not allow), when
   the policy has license lists and no detector already reported them;
2. waivers applied (``suppressed`` set, ``by="waiver"``); expired waivers no longer suppress;
3. VEX statements applied to vulnerability findings: ``not_affected``/``fixed`` suppress
   (``by="vex"``), ``affected``/``under_investigation`` annotate (``Finding.vex``);
4. the :class:`~bastion.model.Verdict`: every unsuppressed finding that meets its kind's fail condition
   is a violation. Outcome ``fail`` with violations; ``warn`` without violations but with expired or
   unused waivers or scan errors (part of the target was not scanned); else ``pass``.

Suppressed findings stay in the result. Nothing is dropped.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache

from bastion.model import (
    ArtifactRef,
    Finding,
    FindingKind,
    LicenseEvidence,
    Location,
    Package,
    ScanResult,
    SecretEvidence,
    Severity,
    Suppression,
    Verdict,
    Violation,
    VulnEvidence,
    WaiverUse,
    fingerprint,
)
from bastion.model.finding import VexInfo
from bastion.policy.model import LicensePolicy, Policy, VexStatement, Waiver
from bastion.policy.vex import purl_matches, select_statement

# Rule names reported in ``Verdict.failed_rules`` and ``Violation.rule`` (docs/policy.md).
RULE_VULN = "vulnerability-severity"
RULE_MISCONFIG = "misconfig-severity"
RULE_MISCONFIG_RULE = "misconfig-rule"
RULE_SECRET = "secret"
RULE_CERTIFICATE = "certificate-severity"
RULE_MALWARE = "malware"
RULE_LICENSE_DENIED = "license-denied"
RULE_LICENSE_NOT_ALLOWED = "license-not-allowed"


def apply_policy(result: ScanResult, policy: Policy, *, now: datetime | None = None) -> ScanResult:
    """Return ``result`` with license findings, waiver and VEX suppressions and the verdict filled in."""
    now = now or datetime.now(UTC)
    today = now.date()
    findings = list(result.findings)
    findings.extend(
        license_findings(result.packages, policy.license, existing={f.fingerprint for f in findings})
    )

    findings, applied, expired, unused = _apply_waivers(findings, policy.waivers, result.target, today)
    findings = [_apply_vex(f, policy.vex, result.target) for f in findings]

    violations: list[Violation] = []
    for f in findings:
        rule = violated_rule(f, policy)
        if rule is not None:
            violations.append(
                Violation(rule=rule, fingerprint=f.fingerprint, message=_message(f, rule, policy, expired))
            )
    failed = tuple(dict.fromkeys(v.rule for v in violations))
    if violations:
        outcome = "fail"
    elif expired or unused or result.errors:
        outcome = "warn"
    else:
        outcome = "pass"
    verdict = Verdict(
        passed=not violations,
        outcome=outcome,
        failed_rules=failed,
        violations=tuple(violations),
        applied_waivers=applied,
        expired_waivers=expired,
        unused_waivers=unused,
    )
    return dataclasses.replace(result, findings=tuple(findings), verdict=verdict)


# -- fail conditions --------------------------------------------------------------------------------------


def violated_rule(f: Finding, policy: Policy) -> str | None:
    """The rule an unsuppressed finding breaks, or None when it does not count against the gate."""
    if f.suppressed is not None:
        return None
    match f.kind:
        case FindingKind.VULNERABILITY:
            return RULE_VULN if _vuln_counts(f, policy) else None
        case FindingKind.MISCONFIG:
            mp = policy.misconfig
            if f.id in mp.ignore_rules:
                return None
            if f.id in mp.fail_rules:
                return RULE_MISCONFIG_RULE
            return RULE_MISCONFIG if mp.severity.matches(f.severity) else None
        case FindingKind.SECRET:
            ev = f.evidence
            if isinstance(ev, SecretEvidence) and not ev.credential:
                # An expired or weak *certificate* is public material: judged by severity like a
                # misconfiguration, not "always fails" like a leaked credential.
                return RULE_CERTIFICATE if policy.misconfig.severity.matches(f.severity) else None
            return RULE_SECRET
        case FindingKind.MALWARE:
            return RULE_MALWARE
        case FindingKind.LICENSE:
            return _license_rule(f, policy.license)
    return None  # pragma: no cover - FindingKind is closed


def has_fix(f: Finding) -> bool:
    ev = f.evidence
    if f.fixed_versions:
        return True
    return isinstance(ev, VulnEvidence) and ev.fix_state == "fixed"


def _vuln_counts(f: Finding, policy: Policy) -> bool:
    vp = policy.vulnerability
    if not vp.severity.matches(f.severity):
        return False
    if vp.ignore_unfixed and not has_fix(f):
        return False
    if vp.known_exploited_only and not f.known_exploited:
        return False
    if vp.epss_threshold is not None:
        ev = f.evidence
        epss = ev.epss if isinstance(ev, VulnEvidence) else None
        if epss is not None and epss < vp.epss_threshold:
            return False
    return True


def _license_rule(f: Finding, lp: LicensePolicy) -> str | None:
    ev = f.evidence
    license_text = ev.license if isinstance(ev, LicenseEvidence) and ev.license else f.id
    if lp.active:
        verdict = evaluate_license(license_text, lp)
    else:
        verdict = ev.category if isinstance(ev, LicenseEvidence) else "ok"
    if verdict == "denied":
        return RULE_LICENSE_DENIED
    if verdict == "not-allowed":
        return RULE_LICENSE_NOT_ALLOWED
    return None


def _message(f: Finding, rule: str, policy: Policy, expired: Sequence[WaiverUse]) -> str:
    where = ""
    if f.package:
        where = f" in {f.package}"
    elif f.location is not None and f.location.path:
        where = f" at {f.location.path}" + (f":{f.location.line}" if f.location.line else "")
    elif f.location is not None and f.location.resource:
        where = f" at {f.location.resource}"
    match rule:
        case "vulnerability-severity":
            why = f"{f.severity.value} ({policy.vulnerability.severity.describe()})"
            extras = []
            if f.known_exploited:
                extras.append("known exploited")
            if has_fix(f):
                extras.append("fix: " + ", ".join(f.fixed_versions) if f.fixed_versions else "fix available")
            if extras:
                why += "; " + "; ".join(extras)
        case "misconfig-severity" | "certificate-severity":
            why = f"{f.severity.value} ({policy.misconfig.severity.describe()})"
        case "misconfig-rule":
            why = "rule listed in policy.misconfig.fail_rules"
        case "license-denied":
            why = "license denied by policy.license.deny"
        case "license-not-allowed":
            why = "license not in policy.license.allow"
        case _:
            why = f"{f.kind.value} findings always fail unless waived"
    lapsed = [w for w in expired if f.fingerprint in w.matched]
    if lapsed:
        why += "; waiver " + ", ".join(f"{w.id} expired {w.expires}" for w in lapsed)
    return f"{f.id}{where}: {why}"


# -- licenses ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def evaluate_license(expression: str, lp: LicensePolicy) -> str:
    """``ok``, ``not-allowed`` or ``denied`` for an SPDX expression: OR takes the best choice, AND the worst."""
    rank = {"ok": 0, "not-allowed": 1, "denied": 2}
    tokens = _TOKEN.findall(expression)
    pos = 0

    def leaf(text: str) -> str:
        ident = text.strip().lower().removesuffix("+")
        if ident in {d.lower() for d in lp.deny}:
            return "denied"
        if lp.allow and ident not in {a.lower() for a in lp.allow}:
            return "not-allowed"
        return "ok"

    def parse_or() -> str:
        nonlocal pos
        best = parse_and()
        while pos < len(tokens) and tokens[pos].upper() == "OR":
            pos += 1
            other = parse_and()
            best = min(best, other, key=rank.__getitem__)
        return best

    def parse_and() -> str:
        nonlocal pos
        worst = parse_atom()
        while pos < len(tokens) and tokens[pos].upper() == "AND":
            pos += 1
            other = parse_atom()
            worst = max(worst, other, key=rank.__getitem__)
        return worst

    def parse_atom() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError("unexpected end")
        tok = tokens[pos]
        pos += 1
        if tok == "(":
            inner = parse_or()
            if pos >= len(tokens) or tokens[pos] != ")":
                raise ValueError("missing )")
            pos += 1
            return inner
        if pos < len(tokens) and tokens[pos].upper() == "WITH":
            # "X WITH Y": a list entry naming the whole "X WITH Y" decides; else X is judged alone
            full = f"{tok} WITH {tokens[pos + 1]}".lower()
            pos += 2
            if full in {d.lower() for d in lp.deny}:
                return "denied"
            if full in {a.lower() for a in lp.allow}:
                return "ok"
        return leaf(tok)

    try:
        got = parse_or()
        if pos != len(tokens):
            raise ValueError("trailing tokens")
        return got
    except (ValueError, IndexError):
        return leaf(expression)


def license_findings(packages: Iterable[Package], lp: LicensePolicy, *, existing: set[str]) -> list[Finding]:
    """LICENSE findings for packages whose declared licenses break the license policy."""
    if not lp.active:
        return []
    out: list[Finding] = []
    for p in packages:
        for lic in p.licenses:
            category = evaluate_license(lic, lp)
            if category == "ok":
                continue
            fp = fingerprint(FindingKind.LICENSE, lic, p.ecosystem.value, p.name, p.path)
            if fp in existing:
                continue
            existing.add(fp)
            denied = category == "denied"
            out.append(
                Finding(
                    kind=FindingKind.LICENSE,
                    id=lic,
                    title=f"{p.name} {p.version} is licensed {lic}, which the policy "
                    + ("denies" if denied else "does not allow"),
                    severity=Severity.HIGH if denied else Severity.MEDIUM,
                    fingerprint=fp,
                    package=p.purl,
                    package_id=p.id or None,
                    installed_version=p.version,
                    location=Location(path=p.path, layer=p.locations[0].layer) if p.path else None,
                    found_by="policy/license",
                    evidence=LicenseEvidence(license=lic, category=category),
                )
            )
    return out


# -- waivers ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _glob(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            if pattern[i : i + 3] == "**/":
                out.append("(?:.*/)?")
                i += 3
                continue
            if pattern[i : i + 2] == "**":
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z", re.IGNORECASE)


def glob_match(pattern: str, value: str | None) -> bool:
    """Path glob: ``*`` within one segment, ``**`` across segments; a pattern without ``/`` also matches
    the last segment (``*.tf`` matches ``infra/main.tf``)."""
    if value is None:
        return False
    value = value.lstrip("/")
    pat = pattern.lstrip("/")
    if _glob(pat).match(value):
        return True
    return "/" not in pat and bool(_glob(pat).match(value.rsplit("/", 1)[-1]))


def _pkg_name(purl: str) -> str:
    name = purl.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
    return name.split("@", 1)[0]


def waiver_matches(w: Waiver, f: Finding, target: ArtifactRef) -> bool:
    if w.kind is not None and w.kind is not f.kind:
        return False
    if w.fingerprint is not None and w.fingerprint != f.fingerprint:
        return False
    if w.id is not None:
        ids = {f.id.lower(), *(a.lower() for a in f.aliases)}
        ev = f.evidence
        if isinstance(ev, LicenseEvidence) and ev.license:
            ids.add(ev.license.lower())
        if w.id.lower() not in ids:
            return False
    if w.package is not None:
        if f.package is None:
            return False
        if w.package.startswith("pkg:"):
            if not purl_matches(w.package, f.package):
                return False
        elif not _glob(w.package).match(_pkg_name(f.package)):
            return False
    if w.path is not None:
        path = f.location.path if f.location else None
        if not glob_match(w.path, path):
            return False
    if w.resource is not None:
        resource = f.location.resource if f.location else None
        if resource is None or not _glob(w.resource).match(resource):
            return False
    if w.image is not None:
        names = [target.ref, target.name, target.digest, *target.repo_tags, *target.repo_digests]
        if not any(n and _glob(w.image).match(n) for n in names):
            return False
    return True


def _use(w: Waiver, matched: Sequence[str]) -> WaiverUse:
    return WaiverUse(
        id=w.label, reason=w.reason, owner=w.owner, expires=w.expires.isoformat(), matched=tuple(matched)
    )


def _apply_waivers(
    findings: list[Finding], waivers: Sequence[Waiver], target: ArtifactRef, today: date
) -> tuple[list[Finding], tuple[WaiverUse, ...], tuple[WaiverUse, ...], tuple[WaiverUse, ...]]:
    matched: dict[int, list[str]] = {i: [] for i in range(len(waivers))}
    out: list[Finding] = []
    for f in findings:
        chosen: Waiver | None = None
        for i, w in enumerate(waivers):
            if not waiver_matches(w, f, target):
                continue
            matched[i].append(f.fingerprint)
            if chosen is None and not w.expired(today):
                chosen = w
        if chosen is not None and f.suppressed is None:
            f = dataclasses.replace(
                f,
                suppressed=Suppression(
                    by="waiver",
                    reason=chosen.reason,
                    ref=chosen.source or chosen.label,
                    expires=chosen.expires.isoformat(),
                    owner=chosen.owner,
                    justification=chosen.justification,
                ),
            )
        out.append(f)
    applied, expired, unused = [], [], []
    for i, w in enumerate(waivers):
        use = _use(w, matched[i])
        if w.expired(today):
            expired.append(use)
        elif matched[i]:
            applied.append(use)
        else:
            unused.append(use)
    return out, tuple(applied), tuple(expired), tuple(unused)


# -- VEX --------------------------------------------------------------------------------------------------


def _apply_vex(f: Finding, statements: Sequence[VexStatement], target: ArtifactRef) -> Finding:
    if not statements or f.kind is not FindingKind.VULNERABILITY:
        return f
    st = select_statement(statements, f, target)
    if st is None:
        return f
    if st.status in ("not_affected", "fixed"):
        if f.suppressed is not None:
            return f
        reason = (
            st.impact_statement
            or st.justification
            or ("fixed in this product" if st.status == "fixed" else "not affected")
        )
        return dataclasses.replace(
            f,
            suppressed=Suppression(by="vex", reason=reason, ref=st.source, justification=st.justification),
            vex=VexInfo(
                status=st.status,
                source=st.source,
                justification=st.justification,
                statement=st.impact_statement,
            ),
        )
    return dataclasses.replace(
        f,
        vex=VexInfo(
            status=st.status,
            source=st.source,
            justification=st.justification,
            statement=st.action_statement or st.impact_statement,
        ),
    )
