"""Every report format on every case: golden files, and validation with each format's official schema."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from junitparser import JUnitXml

from bastion import codec
from bastion.model import ScanResult
from bastion.reports import registry
from bastion.reports.base import ReportError, ReportOptions
from tests.unit.reports.cases import CASES

REPO = Path(__file__).resolve().parents[3]
GOLDEN = REPO / "tests" / "golden" / "reports"
SCHEMAS = REPO / "tests" / "schemas"
TEMPLATE = Path(__file__).with_name("summary.txt.j2")
EXT = {
    "json": "json",
    "sarif": "sarif",
    "junit": "xml",
    "gitlab": "json",
    "markdown": "md",
    "html": "html",
    "table": "txt",
    "template": "txt",
}
FORMATS = tuple(EXT)


def render(fmt: str, result: ScanResult, **opts: object) -> str:
    options = ReportOptions(template=TEMPLATE, **opts)  # type: ignore[arg-type]
    out = io.StringIO()
    registry.get(fmt, options).render(result, out)
    return out.getvalue()


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


def test_registry_lists_every_issue_format() -> None:
    for name in FORMATS:
        assert name in registry.FORMATS


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(fmt: str, case: str, update_golden: bool) -> None:
    text = render(fmt, CASES[case](), list_packages=True)
    path = GOLDEN / fmt / f"{case}.{EXT[fmt]}"
    if update_golden or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        if not update_golden:
            pytest.fail(f"golden file {path} was missing and has been written; re-run")
    assert text == path.read_text(encoding="utf-8"), (
        f"{path} differs; run pytest --update-golden and review the diff"
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_json_round_trips_and_matches_schema(case: str) -> None:
    result = CASES[case]()
    text = render("json", result)
    data = json.loads(text)
    jsonschema.Draft202012Validator(_schema("bastion-result-1.json")).validate(data)
    assert codec.loads(text) == result
    if case == "image":
        suppressed = [f for f in data["findings"] if f["suppressed"]]
        assert {f["suppressed"]["by"] for f in suppressed} == {"waiver", "vex", "inline"}
        assert data["verdict"]["passed"] is False


@pytest.mark.parametrize("case", sorted(CASES))
def test_sarif_is_valid_sarif_2_1_0(case: str) -> None:
    result = CASES[case]()
    doc = json.loads(render("sarif", result))
    jsonschema.Draft4Validator(_schema("sarif-2.1.0-rtm.5.json")).validate(doc)
    run = doc["runs"][0]
    assert len(run["results"]) == len(result.findings)
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for res, f in zip(run["results"], result.findings, strict=True):
        assert res["partialFingerprints"]["bastion/v1"] == f.fingerprint
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        assert float(res["properties"]["security-severity"]) >= 0
        assert ("suppressions" in res) == (f.suppressed is not None)
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    if case == "image":
        levels = {r["ruleId"]: r["level"] for r in run["results"]}
        assert levels["CVE-2024-0001"] == "error" and levels["CVE-2023-0003"] == "warning"
        kev_rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "CVE-2024-0001")
        assert kev_rule["properties"]["security-severity"] == "9.8"


def test_gitlab_container_scanning_for_images() -> None:
    result = CASES["image"]()
    doc = json.loads(render("gitlab", result))
    jsonschema.Draft7Validator(_schema("gitlab-15.0.7-container-scanning-report-format.json")).validate(doc)
    assert doc["scan"]["type"] == "container_scanning"
    vulns = [f for f in result.findings if f.kind.value == "vulnerability"]
    assert len(doc["vulnerabilities"]) == len(vulns)
    flagged = [v for v in doc["vulnerabilities"] if v.get("flags")]
    assert len(flagged) == sum(1 for f in vulns if f.suppressed)
    assert doc["vulnerabilities"][0]["location"]["image"] == "registry.example.com/shop/web:1.4"


@pytest.mark.parametrize("case", ["fs", "empty"])
def test_gitlab_dependency_scanning_for_other_targets(case: str) -> None:
    doc = json.loads(render("gitlab", CASES[case]()))
    jsonschema.Draft7Validator(_schema("gitlab-15.0.7-dependency-scanning-report-format.json")).validate(doc)
    assert doc["scan"]["type"] == "dependency_scanning"
    if case == "fs":
        assert {d["path"] for d in doc["dependency_files"]} == {"requirements.txt", "web/package-lock.json"}
        assert {v["location"]["file"] for v in doc["vulnerabilities"]} == {
            "requirements.txt",
            "web/package-lock.json",
        }


def test_gitlab_schema_rejects_a_broken_report() -> None:
    """The committed schema really validates: a report without identifiers must fail."""
    doc = json.loads(render("gitlab", CASES["fs"]()))
    doc["vulnerabilities"][0]["identifiers"] = []
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(_schema("gitlab-15.0.7-dependency-scanning-report-format.json")).validate(
            doc
        )


@pytest.mark.parametrize("case", sorted(CASES))
def test_junit_parses_and_counts(case: str, tmp_path: Path) -> None:
    result = CASES[case]()
    path = tmp_path / "junit.xml"
    path.write_text(render("junit", result), encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    suites = list(xml)
    verdict = result.verdict
    assert verdict is not None
    assert sum(s.tests for s in suites) == len(result.findings) + 1  # + the gate test case
    assert sum(s.failures for s in suites) == len(verdict.violations) + (0 if verdict.passed else 1)
    assert sum(s.skipped for s in suites) == sum(1 for f in result.findings if f.suppressed)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in {"meta", "br", "input", "rect", "circle", "path"}:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}> (open: {self.stack[-3:]})"
        self.stack.pop()


@pytest.mark.parametrize("case", sorted(CASES))
def test_html_is_self_contained_and_escaped(case: str) -> None:
    result = CASES[case]()
    page = render("html", result)
    parser = _Collector()
    parser.feed(page)
    assert parser.stack == []
    for tag, attrs in parser.tags:
        assert tag not in {"link", "img", "iframe", "object"}, tag
        if tag == "script":
            assert "src" not in attrs
    assert "<script>alert(1)</script>" not in page
    assert page.count("<svg") >= 2
    rows = [a for t, a in parser.tags if t == "tr" and "data-kind" in a]
    assert len(rows) == len(result.findings)


def test_markdown_summary_states_the_gate() -> None:
    text = render("markdown", CASES["image"]())
    assert text.startswith("## ❌ bastion gate failed")
    assert "| Vulnerabilities | 1 | 1 | 0 | 1 | 0 |" in text
    assert "CVE-2024-0002" in text and "expired on 2026-01-31" in text
    assert "<script>" not in text.split("Breaks the policy")[0]
    assert len(text) < 65_536


def test_table_has_no_colour_codes_when_not_a_tty() -> None:
    text = render("table", CASES["image"](), list_packages=True)
    assert "\x1b[" not in text
    assert "Packages (4)" in text and "Summary" in text
    assert re.search(r"CVE-2024-0001 .*FAIL", text)


def test_template_renders_the_json_contract(tmp_path: Path) -> None:
    text = render("template", CASES["image"]())
    assert "registry.example.com/shop/web:1.4" in text
    assert "violations: 6" in text


def test_template_is_sandboxed(tmp_path: Path) -> None:
    evil = tmp_path / "evil.j2"
    evil.write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    out = io.StringIO()
    reporter = registry.get("template", ReportOptions(template=evil))
    with pytest.raises(ReportError, match=r"evil\.j2: template error: .*unsafe"):
        reporter.render(CASES["empty"](), out)


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.j2"
    bad.write_text("line one\n{% for x in %}\n", encoding="utf-8")

    with pytest.raises(ReportError, match=r"bad\.j2:2: template syntax error"):
        registry.get("template", ReportOptions(template=bad)).render(CASES["empty"](), io.StringIO())


def test_junit_is_well_formed_xml_with_failure_types() -> None:
    root = ET.fromstring(render("junit", CASES["image"]()))
    types = {f.get("type") for f in root.iter("failure")}
    assert {"secret", "malware", "license-denied", "vulnerability-severity"} <= types


def test_committed_result_schema_is_current(update_golden: bool) -> None:
    """tests/schemas/bastion-result-1.json is generated from the model; --update-golden rewrites it."""
    from bastion.reports.json import result_json_schema

    path = SCHEMAS / "bastion-result-1.json"
    text = json.dumps(result_json_schema(), indent=2, sort_keys=True) + "\n"
    if update_golden:
        path.write_text(text, encoding="utf-8")
    committed = json.loads(path.read_text(encoding="utf-8"))
    # Fields may be added, never renamed or removed: every committed property must still exist.
    current = json.loads(text)
    for name, definition in committed.get("$defs", {}).items():
        assert name in current["$defs"], f"model {name} disappeared from the JSON contract"
        missing = set(definition.get("properties", {})) - set(current["$defs"][name].get("properties", {}))
        assert not missing, f"{name}: fields removed from the JSON contract: {sorted(missing)}"
