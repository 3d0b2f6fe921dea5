"""Debian tracker, Alpine secdb, KEV and EPSS parsing."""

from __future__ import annotations

import gzip
import json

import pytest

from bastion.vulndb.base import FetchError, IngestReport
from bastion.vulndb.match import affected, scheme_for_ecosystem
from bastion.vulndb.sources.alpine import parse_secdb
from bastion.vulndb.sources.debian import parse_tracker
from bastion.vulndb.sources.epss import parse_epss
from bastion.vulndb.sources.kev import parse_kev
from tests._support.vulndb import VULNDATA_FIXTURES

SAMPLE = (VULNDATA_FIXTURES / "debian" / "tracker-sample.json").read_bytes()


def test_debian_sample_resolved_and_not_affected():
    report = IngestReport("d")
    advs = {a.id: a for a in parse_tracker(SAMPLE, "sample", report)}
    # CVE-2007-2383 is fixed_version "0" in every release: never affected, no advisory
    assert set(advs) == {"CVE-2008-7220", "CVE-2013-4251"}
    proto = advs["CVE-2008-7220"]
    by_eco = {e.ecosystem: e for e in proto.affected}
    assert set(by_eco) == {"Debian:8", "Debian:9", "Debian:10", "Debian:11", "Debian:sid"}
    e = by_eco["Debian:10"]
    assert e.name == "prototypejs" and e.fix_state == "fixed" and e.urgency == "high**"
    dpkg = scheme_for_ecosystem("Debian:10")
    assert affected("1.6.0.1-1", e, dpkg).fixed == ("1.6.0.2-1",)
    assert not affected("1.7.1-3", e, dpkg).is_affected
    assert report.skipped == []


def test_debian_tracker_states_and_gzip():
    # Hand-written in the tracker's published format: states the real sample does not contain.
    doc = {
        "openssl": {
            "CVE-2024-0001": {
                "description": "open, no DSA planned",
                "releases": {
                    "bookworm": {
                        "status": "open",
                        "urgency": "low",
                        "nodsa": "Minor issue",
                        "nodsa_reason": "ignored",
                    },
                    "bullseye": {"status": "open", "urgency": "end-of-life"},
                    "trixie": {"status": "open", "urgency": "not yet assigned"},
                    "sid": {"status": "undetermined", "urgency": "not yet assigned"},
                    "buster": {"status": "resolved", "fixed_version": "0", "urgency": "unimportant"},
                    "stretch": {"status": "weird"},
                },
            }
        }
    }
    report = IngestReport("d")
    (adv,) = parse_tracker(gzip.compress(json.dumps(doc).encode()), "hand.json.gz", report)
    states = {e.ecosystem: (e.fix_state, e.ranges[0].events) for e in adv.affected}
    assert set(states) == {"Debian:12", "Debian:11", "Debian:13", "Debian:sid"}
    assert states["Debian:12"][0] == "wont_fix"
    assert states["Debian:11"][0] == "wont_fix"
    assert states["Debian:13"][0] == "not_fixed"
    assert states["Debian:sid"][0] == "unknown"
    assert all(len(ev) == 1 and ev[0].kind == "introduced" for _, ev in states.values())
    assert [s.reason for s in report.skipped] == ["unknown status 'weird'"]


def test_debian_damaged_gzip_aborts():
    data = gzip.compress(SAMPLE)
    with pytest.raises(FetchError, match="damaged gzip"):
        list(parse_tracker(data[: len(data) // 2], "cut.json.gz", IngestReport("d")))


def test_alpine_secdb():
    report = IngestReport("a")
    into: dict = {}
    parse_secdb(
        (VULNDATA_FIXTURES / "alpine" / "v3.10" / "main.yaml").read_bytes(), "v3.10/main.yaml", report, into
    )
    parse_secdb(
        (VULNDATA_FIXTURES / "alpine" / "v3.5" / "main.yaml").read_bytes(), "v3.5/main.yaml", report, into
    )
    entries = into["CVE-2019-1547"]["affected"]
    assert ("Alpine:v3.10", "openssl", "1.1.1d-r0") in entries
    # wireshark's secfixes use lowercase "wnpa-sec-…" ids, which are not advisory ids: skipped, counted
    assert any("wnpa-sec" in s.reason for s in report.skipped)
    assert all(k.startswith(("CVE-", "XSA-", "GHSA-")) or "-" in k for k in into)


def test_alpine_zero_means_not_affected_and_multi_id_lines():
    # Hand-written in secdb's published format.
    doc = b"""distroversion: v3.19
reponame: main
packages:
  - pkg:
      name: xen
      secfixes:
        0:
          - CVE-2020-0001
        4.17.2-r0:
          - CVE-2023-1234 XSA-431
"""
    into: dict = {}
    parse_secdb(doc, "hand.yaml", IngestReport("a"), into)
    assert "CVE-2020-0001" not in into
    assert list(into["CVE-2023-1234"]["aliases"]) == ["XSA-431"]


def test_kev():
    report = IngestReport("k")
    entries, header = parse_kev(
        (VULNDATA_FIXTURES / "kev" / "known_exploited_vulnerabilities.json").read_bytes(), "kev", report
    )
    assert {e.cve for e in entries} == {"CVE-2021-44228", "CVE-2021-45046"}
    assert header["catalogVersion"] == "2025.08.25"
    assert all(e.due_date and e.date_added for e in entries)
    with pytest.raises(FetchError, match="not a KEV catalog"):
        parse_kev(b'{"vulnerabilities": 3}', "bad", IngestReport("k"))


def test_epss_csv():
    # Synthetic rows in the published EPSS CSV layout (no real EPSS file is available here).
    text = "#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z\ncve,epss,percentile\nCVE-2021-44228,0.94358,0.99967\nCVE-2021-45046,bad,0.5\n"
    report = IngestReport("e")
    rows, date = parse_epss(gzip.compress(text.encode()), "epss.csv.gz", report)
    assert rows == [("CVE-2021-44228", 0.94358, 0.99967)]
    assert date == "2025-08-25T12:55:00Z"
    assert len(report.skipped) == 1
    with pytest.raises(FetchError, match="not an EPSS CSV"):
        parse_epss(b"a,b,c\n", "x.csv", IngestReport("e"))
