"""Parsers keep line numbers; python-hcl2 is the reference for the HCL reader's values."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import hcl2
import pytest

from bastion.detectors.misconfig import terraform
from bastion.detectors.misconfig._hcl import parse_hcl
from bastion.detectors.misconfig._yaml import load_yaml_docs
from bastion.detectors.misconfig.base import MisconfigError, Resource
from bastion.detectors.misconfig.detector import MisconfigDetector, file_kind
from bastion.detectors.misconfig.dockerfile import is_dockerfile, parse_dockerfile

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "iac"


def parse(name: str, text: str) -> list[Resource]:
    det = MisconfigDetector()
    det.parse(name, text.encode())
    return det.resources + terraform.build_modules(det.modules)


def by_address(resources: list[Resource]) -> dict[str, Resource]:
    return {r.address: r for r in resources}


# -- file selection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("Dockerfile", "dockerfile"),
        ("build/Containerfile", "dockerfile"),
        ("api.Dockerfile", "dockerfile"),
        ("Dockerfile.prod", "dockerfile"),
        ("dockerfile-dev", "dockerfile"),
        ("Dockerfile.md", None),
        ("misconfig/dockerfile.py", None),  # source code about Dockerfiles is not one
        ("misconfig/__pycache__/dockerfile.cpython-311.pyc", None),
        ("Dockerfile.j2", "dockerfile"),
        ("main.tf", "terraform"),
        ("prod.tfvars", "terraform"),
        ("k8s/app.yaml", "yaml"),
        ("compose.yml", "yaml"),
        ("stack.template.json", "json"),
        ("package.json", None),
        ("package-lock.json", None),
        ("README.md", None),
    ],
)
def test_file_kind(path: str, kind: str | None) -> None:
    assert file_kind(path) == kind
    assert is_dockerfile(path) == (kind == "dockerfile")


def test_yaml_without_iac_content_is_ignored_without_error() -> None:
    assert parse("ci.yml", "on: push\njobs:\n  build: {runs-on: ubuntu-latest}\n") == []
    # a Helm chart template is not YAML until rendered: skipped, not an error
    assert parse("chart/templates/d.yaml", "apiVersion: v1\nkind: Pod\n{{- if .Values.x }}\nspec: {}\n") == []


# -- HCL ---------------------------------------------------------------------------------------------


def test_hcl_lines_for_blocks_attributes_and_nested_blocks() -> None:
    text = (FIXTURES / "terraform/aws-insecure/main.tf").read_text()
    blocks = {(b.type, *b.labels): b for b in parse_hcl(text, "main.tf")}
    sg = blocks[("resource", "aws_security_group", "admin")]
    rows = text.splitlines()
    assert rows[sg.line - 1].startswith('resource "aws_security_group" "admin"')
    assert rows[sg.end_line - 1] == "}"
    first_ingress = sg.lines[("ingress", 0)]
    assert rows[first_ingress[0] - 1].strip() == "ingress {"
    cidr_line = sg.lines[("ingress", 0, "cidr_blocks")][0]
    assert "cidr_blocks" in rows[cidr_line - 1]
    iam = blocks[("resource", "aws_iam_policy", "ci")]
    assert iam.lines[("policy",)][1] - iam.lines[("policy",)][0] == 7  # heredoc spans its lines
    assert '"Action": "*"' in iam.body["policy"]


def _strip(value: Any) -> Any:
    """python-hcl2 8.x output → plain values: quotes stripped, block markers dropped."""
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == value[-1] == '"':
            return value[1:-1].replace('\\"', '"')
        return value
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if isinstance(value, dict):
        return {
            _strip(k): _strip(v)
            for k, v in value.items()
            if k not in ("__is_block__", "__comments__", "__inline_comments__")
        }
    return value


def _comparable(ours: Any, ref: Any) -> bool:
    if isinstance(ref, str) and ref.startswith("${") and isinstance(ours, str | dict | list):
        return True  # an expression: both sides keep it unevaluated (ours evaluates jsonencode literals)
    if isinstance(ref, dict) and isinstance(ours, dict):
        return set(ours) - {"__labels__"} == set(ref) and all(_comparable(ours[k], ref[k]) for k in ref)
    if isinstance(ref, list) and isinstance(ours, list):
        return len(ref) == len(ours) and all(_comparable(o, r) for o, r in zip(ours, ref, strict=True))
    if isinstance(ref, str) and isinstance(ours, str) and ref.startswith("<<"):
        return ours.strip() in ref
    return bool(ours == ref)


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.tf") if "bad" not in p.parts)
)
def test_hcl_values_match_python_hcl2(path: str) -> None:
    text = (FIXTURES / path).read_text()
    ref = _strip(hcl2.loads(text))
    for block in parse_hcl(text, path):
        if block.type != "resource":
            continue
        rtype, name = block.labels
        ref_body = next(
            item[f"{rtype}"][f"{name}"] for item in ref["resource"] if rtype in item and name in item[rtype]
        )
        assert _comparable(block.body, ref_body), f"{rtype}.{name}: {block.body} != {ref_body}"


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ('resource "a" "b" {\n  x = \n}\n', 2, "expected an expression"),
        ('resource "a" "b" {\n  x = [1,\n', 3, "expected ']'"),
        ('resource "a" "b" {\n  x = "abc\n}\n', 2, "unterminated string"),
        ('resource "a" "b" {\n  x = 1\n', 3, "expected '}'"),
        ("locals {\n  a = (1 + 2]\n}\n", 2, "mismatched"),
    ],
)
def test_hcl_syntax_errors_name_the_line(text: str, line: int, what: str) -> None:
    with pytest.raises(MisconfigError) as err:
        parse_hcl(text, "bad.tf")
    assert err.value.message.startswith(f"bad.tf:{line}: invalid HCL")
    assert what in err.value.message


def test_terraform_variables_locals_tfvars_and_module_arguments() -> None:
    det = MisconfigDetector()
    root = FIXTURES / "terraform/aws-insecure"
    for p in sorted(root.rglob("*")):
        if p.is_file():
            det.parse(p.relative_to(FIXTURES).as_posix(), p.read_bytes())
    res = by_address(terraform.build_modules(det.modules))
    # tfvars overrides the default (env = "staging"); locals interpolate it
    assert res["aws_s3_bucket.logs"].body["bucket"] == "shop-staging-logs"
    # local.world → var.admin_cidr default
    assert res["aws_security_group.admin"].body["ingress"][0]["cidr_blocks"] == ["0.0.0.0/0"]
    assert res["aws_db_instance.orders"].body["publicly_accessible"] is True
    # the local module gets the caller's literal arguments; its resources carry the module address
    bucket = res["module.assets.aws_s3_bucket.this"]
    assert bucket.body["acl"] == "public-read-write"
    assert bucket.path.endswith("modules/bucket/main.tf") and bucket.line == 1
    assert res["module.network"].type == "module"


def test_plan_json_resources() -> None:
    resources = parse("tfplan.json", (FIXTURES / "terraform/plan/tfplan.json").read_text())
    res = by_address(resources)
    assert set(res) == {"aws_s3_bucket.uploads", "aws_ebs_volume.data", "module.db.aws_db_instance.this"}
    assert res["module.db.aws_db_instance.this"].body["publicly_accessible"] is True
    assert res["aws_ebs_volume.data"].meta["plan"] is True


# -- Dockerfile ---------------------------------------------------------------------------------------


def test_dockerfile_continuations_heredocs_json_and_substitution() -> None:
    text = (
        "# escape=\\\n"
        "ARG BASE=python:3.12\n"
        "FROM ${BASE} AS build\n"
        "ARG DIR=/srv\n"
        "WORKDIR $DIR/app\n"
        "RUN apt-get update && \\\n"
        "    # a comment inside the continuation\n"
        "    apt-get install -y curl\n"
        "RUN <<EOF\n"
        "set -e\n"
        "echo hi\n"
        "EOF\n"
        'CMD ["python", "-m", "app"]\n'
        "FROM build\n"
        "COPY --from=build --chown=app /srv /srv\n"
    )
    stages = parse_dockerfile(text, "Dockerfile")
    assert [s.address for s in stages] == ["stage/build", "stage/1"]
    build, final = stages
    assert build.body["from"] == "python:3.12" and build.line == 3
    instr = build.body["instructions"]
    assert [i["cmd"] for i in instr] == ["FROM", "ARG", "WORKDIR", "RUN", "RUN", "CMD"]
    assert instr[2]["value"] == "/srv/app"
    assert build.lines[("instructions", 3)] == (6, 8)
    assert "apt-get install -y curl" in instr[3]["value"] and "comment" not in instr[3]["value"]
    assert instr[4]["heredocs"] == ["set -e\necho hi"] and build.lines[("instructions", 4)] == (9, 12)
    assert instr[5]["json"] == ["python", "-m", "app"]
    assert final.body["from_stage"] is True and final.meta["final"] is True
    assert final.body["instructions"][1]["flags"] == {"from": "build", "chown": "app"}


def test_dockerfile_errors() -> None:
    with pytest.raises(MisconfigError, match=r"Dockerfile:1: invalid Dockerfile: no FROM"):
        parse_dockerfile("RUN true\n", "Dockerfile")
    with pytest.raises(MisconfigError, match=r"Dockerfile:2: .*heredoc EOT is not terminated"):
        parse_dockerfile("FROM a:1\nRUN <<EOT\necho\n", "Dockerfile")


# -- YAML: Kubernetes, Helm, CloudFormation, compose ---------------------------------------------------


def test_kubernetes_multi_doc_list_and_lines() -> None:
    text = (FIXTURES / "k8s/insecure/shop.yaml").read_text()
    res = by_address(parse("shop.yaml", text))
    assert {
        "Namespace/shop",
        "Deployment/shop/web",
        "Service/shop/web",
        "CronJob/shop/report",
        "ClusterRole/shop-operator",
        "ClusterRoleBinding/shop-admin",
    } <= set(res)
    web = res["Deployment/shop/web"]
    rows = text.splitlines()
    assert rows[web.line - 1] == "apiVersion: apps/v1"
    priv = web.span(("spec", "template", "spec", "containers", 0, "securityContext", "privileged"))
    assert rows[priv[0] - 1].strip() == "privileged: true"
    items = by_address(parse("list.yaml", (FIXTURES / "k8s/insecure/list.yaml").read_text()))
    assert set(items) == {"DaemonSet/logging/log-agent", "Service/logging/metrics"}
    assert items["Service/logging/metrics"].line == 24


def test_helm_rendered_output_keeps_sources_and_annotation_ignores() -> None:
    res = by_address(parse("rendered.yaml", (FIXTURES / "k8s/insecure/helm-rendered.yaml").read_text()))
    assert res["Deployment/default/release-shop"].meta["helm_source"] == "shop/templates/deployment.yaml"
    pod = res["Pod/default/release-shop-test-connection"]
    assert pod.meta["helm_source"] == "shop/templates/tests/test-connection.yaml"
    assert set(pod.ignores) == {"BST-K8S-020", "BST-K8S-021"}


def test_cloudformation_tags_parameters_and_lines() -> None:
    text = (FIXTURES / "cloudformation/insecure/stack.yaml").read_text()
    res = by_address(parse("stack.yaml", text))
    bucket = res["AWS::S3::Bucket/AssetsBucket"]
    assert bucket.body["BucketName"] == {"Fn::Sub": "shop-${Env}-assets"}
    sg = res["AWS::EC2::SecurityGroup/AdminSG"]
    assert sg.body["VpcId"] == {"Ref": "Vpc"}
    assert sg.body["SecurityGroupIngress"][0]["CidrIp"] == "0.0.0.0/0"  # !Ref AdminCidr → its Default
    fn = res["AWS::Lambda::Function/Fn"]
    assert fn.body["Role"] == {"Fn::GetAtt": ["FnRole", "Arn"]}
    assert text.splitlines()[sg.line - 1].strip() == "AdminSG:"
    cidr = sg.span(("SecurityGroupIngress", 0, "CidrIp"))
    assert "CidrIp: !Ref AdminCidr" in text.splitlines()[cidr[0] - 1]
    json_res = by_address(parse("queue.json", (FIXTURES / "cloudformation/insecure/queue.json").read_text()))
    assert json_res["AWS::SQS::Queue/Jobs"].line == 4


def test_compose_services() -> None:
    res = by_address(
        parse("docker-compose.yml", (FIXTURES / "compose/insecure/docker-compose.yml").read_text())
    )
    assert set(res) == {"service/web", "service/db", "service/debug"}
    assert res["service/db"].span(("network_mode",))[0] == 15
    assert res["service/db"].line == 13


# -- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("broken-manifest.yaml", "broken-manifest.yaml:7: invalid YAML"),
        ("broken.tf", "broken.tf:6: invalid HCL"),
        ("broken-template.json", "broken-template.json:4: invalid JSON"),
        ("billion-laughs.yaml", "billion-laughs.yaml:"),
    ],
)
def test_bad_input_is_one_clear_error(name: str, prefix: str) -> None:
    started = time.perf_counter()
    with pytest.raises(MisconfigError) as err:
        parse(name, (FIXTURES / "bad" / name).read_text())
    assert err.value.message.startswith(prefix)
    assert time.perf_counter() - started < 5


def test_yaml_bounds() -> None:
    from bastion.fs.limits import Limits

    deep = "a: " + "[" * 300 + "]" * 300
    with pytest.raises(MisconfigError, match="nests deeper"):
        load_yaml_docs(deep, "deep.yaml")
    with pytest.raises(MisconfigError, match="parse limit"):
        load_yaml_docs("a: 1\n" * 100, "big.yaml", Limits(max_parse_bytes=100))
    with pytest.raises(MisconfigError, match="recursive alias"):
        load_yaml_docs("a: &x [*x]\n", "rec.yaml")


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("infra/main.tf", True),
        ("infra/.terraform/modules/vpc/main.tf", False),
        ("web/node_modules/x/deploy.yaml", False),
        ("k8s/app.yaml", True),
        ("Dockerfile", True),
        ("README.md", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    from bastion.model import FileRef

    det = MisconfigDetector()
    assert det.wants(FileRef(path=path, size=100)) is wanted
    assert det.wants(FileRef(path=path, size=100, visible=False)) is False


def test_python_hcl2_fallback_gives_the_same_resources() -> None:
    text = (FIXTURES / "terraform/gcp-insecure/main.tf").read_text()
    fast = {(b.type, *b.labels): b for b in parse_hcl(text, "main.tf")}
    slow = {(b.type, *b.labels): b for b in terraform._hcl2_fallback(text) or []}
    resources = {k for k in fast if k[0] == "resource"}
    assert resources and resources == {k for k in slow if k[0] == "resource"}
    for key in resources:
        assert slow[key].line == fast[key].line
        assert slow[key].body == fast[key].body
    assert terraform._hcl2_fallback('resource "a" {\n') is None
