from __future__ import annotations

from bastion.model import Severity
from bastion.vulndb.base import SeverityScore
from bastion.vulndb.severity import distro_severity, policy_severity, score_cvss


def test_cvss_scores_match_published_base_scores():
    # NVD's published base scores: CVE-2021-44228 10.0 (v3.1), CVE-2014-0160 5.0 (v2)
    log4shell = score_cvss("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")
    assert log4shell is not None and (log4shell.version, log4shell.score, log4shell.severity) == (
        "3.1",
        10.0,
        Severity.CRITICAL,
    )
    heartbleed = score_cvss("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:N/A:N")
    assert heartbleed is not None and (heartbleed.version, heartbleed.score, heartbleed.severity) == (
        "2.0",
        5.0,
        Severity.MEDIUM,
    )
    v4 = score_cvss("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
    assert v4 is not None and v4.version == "4.0" and v4.score == 9.3 and v4.severity is Severity.CRITICAL


def test_invalid_vector_is_kept_unscored():
    bad = score_cvss("CVSS_V3", "CVSS:3.1/AV:X")
    assert bad is not None and bad.score is None and bad.severity is Severity.UNKNOWN
    assert score_cvss("Ubuntu", "medium") is None


def test_distro_urgency():
    assert distro_severity("high**") is Severity.HIGH
    assert distro_severity("unimportant") is Severity.LOW
    assert distro_severity("not yet assigned") is None
    assert distro_severity("end-of-life") is None


def test_precedence():
    cvss = SeverityScore("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "ghsa")
    rating = SeverityScore("rating", "MODERATE", "ghsa")
    distro = SeverityScore("distro", "low", "debian")
    assert policy_severity([cvss, rating, distro], os_package=True)[:2] == (Severity.LOW, "distro:debian")
    assert policy_severity([cvss, rating, distro], os_package=False)[:2] == (Severity.MEDIUM, "rating:ghsa")
    sev, src, scored = policy_severity([cvss], os_package=False)
    assert (sev, src) == (Severity.CRITICAL, "cvss:3.1 (ghsa)") and len(scored) == 1
    v2 = SeverityScore("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:N/A:N", "nvd")
    assert policy_severity([v2, cvss], os_package=False)[0] is Severity.CRITICAL  # newest CVSS version wins
    assert policy_severity([], os_package=False) == (Severity.UNKNOWN, "", ())
