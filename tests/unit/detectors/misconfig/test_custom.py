"""Custom declarative rules, entry-point plugins, inline/annotation/config suppressions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bastion.detectors.base import DetectContext
from bastion.detectors.misconfig.base import RuleError
from bastion.detectors.misconfig.custom import ENTRY_POINT_GROUP, load_rule_file
from bastion.detectors.misconfig.detector import MisconfigDetector
from bastion.detectors.misconfig.rules import Condition
from bastion.errors import ConfigError
from bastion.model import ArtifactKind, ArtifactRef, Finding, Inventory


def scan(
    files: dict[str, str], settings: dict | None = None, root: Path | None = None
) -> tuple[list[Finding], DetectContext]:
    ctx = DetectContext(
        target=ArtifactRef(kind=ArtifactKind.CONFIG, ref=str(root or ".")),
        inventory=Inventory(),
        settings={"misconfig": settings or {}},
    )
    det = MisconfigDetector()
    for name, text in files.items():
        det.parse(name, textwrap.dedent(text).encode(), ctx)
    return list(det.finish(ctx)), ctx


# -- the condition language ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cond", "body", "holds"),
    [
        ({"path": "a.b", "exists": True}, {"a": {"b": 0}}, True),
        ({"path": "a.b", "exists": True}, {"a": {}}, False),
        ({"path": "a.b", "exists": False}, {"a": {}}, True),
        ({"path": "tags.owner", "equals": "team"}, {"tags": {"owner": "team"}}, True),
        ({"path": "enabled", "equals": True}, {"enabled": "true"}, True),
        ({"path": "port", "equals": 22}, {"port": "22"}, True),
        ({"path": "x.*.y", "in": [1, 2]}, {"x": [{"y": 5}, {"y": 2}]}, True),
        ({"path": "x.*.y", "not_in": [1, 2]}, {"x": [{"y": 5}, {"y": 2}]}, False),
        ({"path": "name", "regex": "^prod-"}, {"name": "prod-db"}, True),
        ({"path": "list", "contains": "a"}, {"list": ["b", "a"]}, True),
        ({"path": "n", "gte": 7}, {"n": 7}, True),
        ({"path": "n", "lt": 7}, {"n": 7}, False),
        ({"any": [{"path": "a", "equals": 1}, {"path": "b", "equals": 1}]}, {"b": 1}, True),
        ({"all": [{"path": "a", "equals": 1}, {"path": "b", "equals": 1}]}, {"b": 1}, False),
        ({"not": {"path": "a", "exists": True}}, {}, True),
        ({"path": "m.*", "equals": "v"}, {"m": {"k1": "x", "k2": "v"}}, True),
        ({"path": "l.1", "equals": "b"}, {"l": ["a", "b"]}, True),
    ],
)
def test_conditions(cond: dict, body: dict, holds: bool) -> None:
    assert Condition(cond, "test").test(body).holds is holds


@pytest.mark.parametrize(
    ("cond", "message"),
    [
        ({"path": "a"}, "give exactly one of"),
        ({"equals": 1}, "needs 'path'"),
        ({"any": []}, "non-empty list"),
        ({"path": "a", "regex": "("}, "bad regex"),
        ({"path": "a", "in": "x"}, "needs a list"),
        ("nope", "must be a mapping"),
    ],
)
def test_bad_conditions(cond: object, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        Condition(cond, "rules.yaml:3")


# -- rule files --------------------------------------------------------------------------------------

RULES = """\
rules:
  - id: ACME-001
    title: Buckets need an owner tag
    severity: medium
    resource: {file_type: terraform, type: aws_s3_bucket}
    require: {path: tags.owner, exists: true}
    remediation: Add tags.owner.
    compliance: {nist: [CM-8]}
  - id: ACME-002
    title: No prod images from Docker Hub
    severity: high
    resource: {file_type: kubernetes, type: [Deployment, "Stateful*"]}
    deny: {path: spec.template.spec.containers.*.image, regex: "^(docker.io/)?[a-z0-9-]+(:|$)"}
"""


def test_rule_file_from_settings_fires_with_location(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "acme.yaml").write_text(RULES)
    findings, ctx = scan(
        {
            "main.tf": 'resource "aws_s3_bucket" "a" {\n  bucket = "a"\n  tags = {\n    team = "x"\n  }\n}\n',
            "app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n",
        },
        {"rules_dirs": ["policies"], "plugins": False},
        root=tmp_path,
    )
    assert not ctx.errors
    got = {f.id: f for f in findings if f.id.startswith("ACME")}
    assert set(got) == {"ACME-001", "ACME-002"}
    assert got["ACME-001"].location.resource == "aws_s3_bucket.a"
    assert got["ACME-001"].evidence.compliance[0].control == "CM-8"
    assert got["ACME-002"].location.line == 9 and got["ACME-002"].evidence.offending_value == "nginx:1.27"


def test_bad_rule_file_stops_the_scan_as_a_configuration_error(tmp_path: Path) -> None:
    """A rule file the configuration names is configuration: malformed, it must never pass silently."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "rules:\n  - id: X-1\n    title: t\n    severity: sometimes\n    deny: {path: a, exists: true}\n"
    )
    with pytest.raises(RuleError, match=r"bad.yaml:2: rule X-1: unknown severity"):
        load_rule_file(bad, "bad.yaml")
    with pytest.raises(ConfigError, match=r"bad.yaml:2: rule X-1: unknown severity 'sometimes'"):
        scan({"main.tf": 'resource "aws_kms_key" "k" {\n}\n'}, {"rules_files": [str(bad)], "plugins": False})


def test_missing_rules_dir_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match=r"misconfig.rules_dirs: directory /does/not/exist not found"):
        scan({}, {"rules_dirs": ["/does/not/exist"], "plugins": False})


def test_unknown_settings_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match=r"bastion.yaml: misconfig.rule_dirs: unknown key"):
        scan({"main.tf": 'resource "aws_kms_key" "k" {\n}\n'}, {"rule_dirs": ["x"]})


# -- entry-point plugins ---------------------------------------------------------------------------------

PLUGIN = """
from bastion.detectors.misconfig.base import CheckMeta, Violation
from bastion.model import ComplianceRef, Severity


class NoPublicLoadBalancers:
    meta = CheckMeta(
        id="ACME-PY-001",
        title="No public load balancers",
        severity=Severity.HIGH,
        remediation="Use internal = true.",
        compliance=(ComplianceRef("NIST SP 800-53 rev5", "SC-7"),),
        file_types=frozenset({"terraform"}),
        types=frozenset({"aws_lb"}),
    )

    def applies_to(self, resource):
        return resource.file_type == "terraform" and resource.type == "aws_lb"

    def evaluate(self, resource, project):
        if resource.body.get("internal") is not True:
            yield Violation("load balancer is internet-facing", ("internal",), resource.body.get("internal"))


CHECKS = [NoPublicLoadBalancers()]
BROKEN = 42
"""


def test_entry_point_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "acme_checks.py").write_text(PLUGIN)
    dist = site / "acme_checks-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-checks\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nacme = acme_checks:CHECKS\nbroken = acme_checks:BROKEN\nmissing = acme_checks_nope:X\n"
    )
    monkeypatch.syspath_prepend(str(site))
    findings, ctx = scan({"lb.tf": 'resource "aws_lb" "public" {\n  name = "web"\n}\n'})
    hit = [f for f in findings if f.id == "ACME-PY-001"]
    assert len(hit) == 1 and hit[0].location.resource == "aws_lb.public" and hit[0].location.line == 1
    messages = sorted(e.message for e in ctx.errors)
    assert len(messages) == 2
    assert "42 is not a check" in messages[0] or "42 is not a check" in messages[1]
    assert any("failed to load: ModuleNotFoundError" in m for m in messages)
    findings, ctx = scan({"lb.tf": 'resource "aws_lb" "public" {\n  name = "web"\n}\n'}, {"plugins": False})
    assert not [f for f in findings if f.id == "ACME-PY-001"] and not ctx.errors


# -- suppressions ------------------------------------------------------------------------------------------


def _by_id(findings: list[Finding]) -> dict[str, Finding]:
    return {f.id: f for f in findings}


def test_inline_suppressions_terraform_dockerfile_yaml() -> None:
    findings, _ = scan(
        {
            "main.tf": """\
            # bastion:ignore=BST-AWS-024 scratch volume, no data
            resource "aws_ebs_volume" "scratch" {
              size = 1
            }
            resource "aws_kms_key" "k" {
              enable_key_rotation = false # bastion:ignore=BST-AWS-023 rotated by the HSM
            }
            """,
            "Dockerfile": """\
            FROM python:3.12
            # bastion:ignore=BST-DF-011
            RUN pip install flask
            RUN pip install requests
            """,
            "compose.yaml": """\
            services:
              # bastion:ignore=BST-DC-001,BST-DC-006 needs the GPU
              web:
                image: x:1
                privileged: true
                cap_add: [SYS_ADMIN]
            """,
        }
    )
    got = _by_id(findings)
    assert (
        got["BST-AWS-024"].suppressed.by == "inline"
        and got["BST-AWS-024"].suppressed.reason == "scratch volume, no data"
    )
    assert got["BST-AWS-023"].suppressed.reason == "rotated by the HSM"
    pip = [f for f in findings if f.id == "BST-DF-011"]
    assert sorted((f.location.line, f.suppressed is not None) for f in pip) == [(3, True), (4, False)]
    assert got["BST-DC-001"].suppressed.reason == "needs the GPU"
    assert got["BST-DC-006"].suppressed.by == "inline"
    assert got["BST-DF-001"].suppressed is None


def test_annotation_and_config_suppressions() -> None:
    manifest = """\
    apiVersion: v1
    kind: Pod
    metadata:
      name: debug
      namespace: tools
      annotations:
        bastion.dev/ignore: "BST-K8S-001, BST-K8S-004"
    spec:
      hostNetwork: true
      containers:
        - name: debug
          image: busybox:1.36
          securityContext: {privileged: true}
    """
    findings, _ = scan({"pod.yaml": manifest}, {"skip_checks": ["BST-K8S-016"], "plugins": False})
    got = _by_id(findings)
    assert (
        got["BST-K8S-001"].suppressed.by == "inline"
        and "bastion.dev/ignore" in got["BST-K8S-001"].suppressed.reason
    )
    assert got["BST-K8S-004"].suppressed.by == "inline"
    assert got["BST-K8S-016"].suppressed.by == "config"
    assert got["BST-K8S-017"].suppressed is None


def test_cloudformation_metadata_suppression() -> None:
    tpl = """\
    Resources:
      Key:
        Type: AWS::KMS::Key
        Metadata:
          bastion:
            ignore: [BST-AWS-023]
        Properties: {Description: k}
    """
    got = _by_id(scan({"t.yaml": tpl}, {"plugins": False})[0])
    assert got["BST-AWS-023"].suppressed.by == "inline"


def test_fingerprints_are_stable_across_line_moves() -> None:
    a = scan({"main.tf": 'resource "aws_ebs_volume" "v" {\n  size = 1\n}\n'}, {"plugins": False})[0]
    b = scan(
        {"main.tf": '\n\n# moved\nresource "aws_ebs_volume" "v" {\n  size = 1\n}\n'}, {"plugins": False}
    )[0]
    assert [f.fingerprint for f in a] == [f.fingerprint for f in b]
    assert a[0].location.line != b[0].location.line
