"""Severity: CVSS vectors scored with the ``cvss`` library, distro urgencies, ecosystem ratings, and the one
precedence that decides ``Finding.severity`` (the severity policy uses).

Severity statements are stored as :class:`~bastion.vulndb.base.SeverityScore` with one of these types:

- ``CVSS_V2`` / ``CVSS_V3`` / ``CVSS_V4``: a vector as published in OSV ``severity[]`` (or RustSec's
  ``database_specific.cvss``); scored here, never trusted as a number from the feed;
- ``distro``: the distribution's own assessment of its package (Debian tracker urgency, OSV
  ``Ubuntu`` priority); ``source`` says which distro;
- ``rating``: an ecosystem database's qualitative rating (GHSA ``database_specific.severity``).

**Precedence** (:func:`policy_severity`), first tier that yields a severity wins; within a tier the
highest severity wins:

1. ``distro``, for OS packages only: the distro rates the impact on *its* build (a CVE in an optional
   feature Debian does not compile is "unimportant");
2. ``rating``: the curated per-advisory rating of the ecosystem database (GHSA);
3. CVSS: the newest CVSS version present (4.0, then 3.1, 3.0, then 2.0), scored, mapped with the
   standard qualitative bands (v2: low < 4.0 ≤ medium < 7.0 ≤ high);
4. ``unknown``.

``Finding.severity_source`` in the evidence names the input that decided (``distro:debian``,
``rating:ghsa``, ``cvss:3.1``), so a reader can check it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from cvss import CVSS2, CVSS3, CVSS4, CVSSError

from bastion.model import Cvss, Severity
from bastion.vulndb.base import SeverityScore

__all__ = ["distro_severity", "policy_severity", "score_cvss"]

_CVSS_TYPES = {"CVSS_V2": "2.0", "CVSS_V3": "3", "CVSS_V4": "4.0"}
_VERSION_RANK = {"4.0": 4, "3.1": 3, "3.0": 2, "2.0": 1}


@lru_cache(maxsize=8192)
def score_cvss(type_: str, vector: str, source: str = "") -> Cvss | None:
    """Score one CVSS vector; None when ``type_`` is not a CVSS type. An invalid vector keeps its text
    with ``score=None`` (visible in reports, never guessed)."""
    family = _CVSS_TYPES.get(type_)
    if family is None:
        return None
    vector = vector.strip()
    try:
        if family == "2.0":
            v2 = CVSS2(vector.removeprefix("(").removesuffix(")"))
            score = float(v2.scores()[0])
            return Cvss("2.0", vector, score, source, _v2_band(score))
        if family == "3":
            v3 = CVSS3(vector)
            score = float(v3.scores()[0])
            version = "3.1" if vector.startswith("CVSS:3.1/") else "3.0"
            return Cvss(version, vector, score, source, Severity.from_score(score))
        v4 = CVSS4(vector)
        score = float(v4.base_score)
        return Cvss("4.0", vector, score, source, Severity.from_score(score))
    except (CVSSError, ValueError, KeyError, IndexError, TypeError):
        version = {"2.0": "2.0", "3": "3.1" if "3.1/" in vector else "3.0", "4.0": "4.0"}[family]
        return Cvss(version, vector, None, source, Severity.UNKNOWN)


def _v2_band(score: float) -> Severity:
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.UNKNOWN


def distro_severity(urgency: str) -> Severity | None:
    """A distro urgency/priority as a severity; None for values that are not assessments
    (``not yet assigned``, ``end-of-life``, empty). Debian's ``**`` markers are ignored."""
    text = urgency.strip().strip("*").strip().lower()
    if not text or text in ("not yet assigned", "end-of-life", "unknown", "untriaged"):
        return None
    try:
        sev = Severity.parse(text)
    except ValueError:
        return None
    return None if sev is Severity.UNKNOWN else sev


def _rating(score: str) -> Severity | None:
    try:
        sev = Severity.parse(score)
    except ValueError:
        return None
    return None if sev is Severity.UNKNOWN else sev


def policy_severity(
    scores: Iterable[SeverityScore], *, os_package: bool
) -> tuple[Severity, str, tuple[Cvss, ...]]:
    """(severity, severity source, every scored CVSS) by the module's precedence."""
    distro: list[tuple[Severity, str]] = []
    rating: list[tuple[Severity, str]] = []
    cvss: list[Cvss] = []
    seen: set[tuple[str, str]] = set()
    for s in scores:
        if s.type in _CVSS_TYPES:
            if (s.type, s.score) in seen:
                continue
            seen.add((s.type, s.score))
            one = score_cvss(s.type, s.score, s.source)
            if one is not None:
                cvss.append(one)
        elif s.type == "distro":
            sev = distro_severity(s.score)
            if sev is not None:
                distro.append((sev, s.source))
        elif s.type == "rating":
            sev = _rating(s.score)
            if sev is not None:
                rating.append((sev, s.source))
    cvss_t = tuple(cvss)
    if os_package and distro:
        sev, src = max(distro, key=lambda x: x[0].rank)
        return sev, f"distro:{src}", cvss_t
    if rating:
        sev, src = max(rating, key=lambda x: x[0].rank)
        return sev, f"rating:{src}", cvss_t
    scored = [c for c in cvss if c.score is not None]
    if scored:
        newest = max(_VERSION_RANK.get(c.version, 0) for c in scored)
        best = max(
            (c for c in scored if _VERSION_RANK.get(c.version, 0) == newest), key=lambda c: c.score or 0.0
        )
        src = f"cvss:{best.version}" + (f" ({best.source})" if best.source else "")
        return best.severity, src, cvss_t
    return Severity.UNKNOWN, "", cvss_t
