"""AWS check logic for Terraform (HCL and plan JSON) and CloudFormation. Metadata: ``aws.yaml``.

Terraform bodies hold nested blocks as lists of dicts; CloudFormation bodies are the resource's
``Properties``. Each function handles both shapes, keyed on ``res.file_type``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from bastion.detectors.misconfig.base import Path, Project, Resource, Violation, dig
from bastion.detectors.misconfig.checks.docker import _NOT_SECRET, SECRET_NAME

Found = Iterator[Violation]
WORLD = frozenset({"0.0.0.0/0", "::/0"})
PUBLIC_ACLS = frozenset(
    {
        "public-read",
        "public-read-write",
        "authenticated-read",
        "PublicRead",
        "PublicReadWrite",
        "AuthenticatedRead",
    }
)
DB_PORTS = {
    3306: "MySQL",
    5432: "PostgreSQL",
    1433: "SQL Server",
    1521: "Oracle",
    27017: "MongoDB",
    6379: "Redis",
    9200: "Elasticsearch",
    5439: "Redshift",
    11211: "memcached",
    9042: "Cassandra",
}


def tf(res: Resource) -> bool:
    return res.file_type == "terraform"


def true(v: Any) -> bool:
    return v is True or (isinstance(v, str) and v.lower() == "true")


def false(v: Any) -> bool:
    return v is False or (isinstance(v, str) and v.lower() == "false")


def block(body: Any, name: str) -> tuple[Path, dict[str, Any]] | None:
    """First nested block ``name`` of a Terraform body (a list of dicts, or a dict in plan JSON)."""
    v = body.get(name) if isinstance(body, dict) else None
    if isinstance(v, list) and v and isinstance(v[0], dict):
        return (name, 0), v[0]
    if isinstance(v, dict):
        return (name,), v
    return None


def refers_to(value: Any, target: Resource) -> bool:
    """Does a Terraform argument point at ``target`` (by reference or by its literal name)?"""
    if not isinstance(value, str):
        return False
    if f"{target.type}.{target.name}." in value or value.endswith(f"{target.type}.{target.name}}}"):
        return True
    literal = target.body.get("bucket") or target.body.get("id") or target.body.get("name")
    return isinstance(literal, str) and "${" not in literal and value == literal


def companions(res: Resource, project: Project, rtype: str, key: str = "bucket") -> list[Resource]:
    return [o for o in project.same_module(res, rtype) if refers_to(o.body.get(key), res)]


def cfn_ref(value: Any, logical_id: str) -> bool:
    if isinstance(value, dict):
        if value.get("Ref") == logical_id:
            return True
        att = value.get("Fn::GetAtt")
        if isinstance(att, list) and att and att[0] == logical_id:
            return True
    return False


# -- S3 -------------------------------------------------------------------------------------------


def s3_public_acl(res: Resource, project: Project) -> Found:
    key = "acl" if tf(res) else "AccessControl"
    acl = res.body.get(key)
    if isinstance(acl, str) and acl in PUBLIC_ACLS:
        yield Violation(f"bucket ACL is {acl}", (key,), acl)


def s3_encryption(res: Resource, project: Project) -> Found:
    if tf(res):
        if block(res.body, "server_side_encryption_configuration") or companions(
            res, project, "aws_s3_bucket_server_side_encryption_configuration"
        ):
            return
        yield Violation("bucket has no server-side encryption configuration", None, None)
    elif not res.body.get("BucketEncryption"):
        yield Violation("bucket has no BucketEncryption", None, None)


def s3_versioning(res: Resource, project: Project) -> Found:
    if tf(res):
        got = block(res.body, "versioning")
        if got and true(got[1].get("enabled")):
            return
        for comp in companions(res, project, "aws_s3_bucket_versioning"):
            vc = block(comp.body, "versioning_configuration")
            if vc and vc[1].get("status") == "Enabled":
                return
        yield Violation(
            "bucket versioning is not enabled",
            got[0] if got else None,
            got[1].get("enabled") if got else None,
        )
    else:
        status = dig(res.body, ("VersioningConfiguration", "Status"))
        if status != "Enabled":
            yield Violation("bucket versioning is not enabled", ("VersioningConfiguration",), status)


def s3_logging(res: Resource, project: Project) -> Found:
    if tf(res):
        if block(res.body, "logging") or companions(res, project, "aws_s3_bucket_logging"):
            return
        yield Violation("bucket access logging is not enabled", None, None)
    elif not res.body.get("LoggingConfiguration"):
        yield Violation("bucket access logging is not enabled", None, None)


_PAB = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
_PAB_CFN = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")


def s3_public_access_block(res: Resource, project: Project) -> Found:
    if tf(res):
        blocks = companions(res, project, "aws_s3_bucket_public_access_block")
        if not blocks:
            yield Violation("bucket has no aws_s3_bucket_public_access_block", None, None)
            return
        for b in blocks:
            off = [k for k in _PAB if not true(b.body.get(k))]
            if not off:
                return
        yield Violation(f"public access block leaves {', '.join(off)} off", None, off, resource=blocks[0])
    else:
        cfg = res.body.get("PublicAccessBlockConfiguration")
        off = [k for k in _PAB_CFN if not (isinstance(cfg, dict) and true(cfg.get(k)))]
        if off:
            yield Violation(
                f"public access block leaves {', '.join(off)} off",
                ("PublicAccessBlockConfiguration",) if cfg else None,
                off,
            )


def policy_statements(doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError:
            return []
    if not isinstance(doc, dict):
        return []
    st = doc.get("Statement")
    if isinstance(st, dict):
        st = [st]
    return [s for s in st if isinstance(s, dict)] if isinstance(st, list) else []


def _as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [] if v is None else [v]


def _principal_star(p: Any) -> bool:
    if p == "*":
        return True
    if isinstance(p, dict):
        return any(x == "*" for x in _as_list(p.get("AWS")))
    return False


def s3_policy_public(res: Resource, project: Project) -> Found:
    key = "policy" if tf(res) else "PolicyDocument"
    for st in policy_statements(res.body.get(key)):
        if st.get("Effect") == "Allow" and _principal_star(st.get("Principal")) and not st.get("Condition"):
            yield Violation("bucket policy allows any principal", (key,), st.get("Action"))
            return


# -- IAM ------------------------------------------------------------------------------------------


def iam_documents(res: Resource) -> Iterator[tuple[Path, list[dict[str, Any]]]]:
    """Normalised statements (Effect, Action, Resource, NotAction) of every policy the resource holds."""
    b = res.body
    if tf(res):
        if res.type == "data.aws_iam_policy_document":
            out = []
            for st in b.get("statement") or ():
                if isinstance(st, dict):
                    out.append(
                        {
                            "Effect": st.get("effect", "Allow"),
                            "Action": st.get("actions"),
                            "Resource": st.get("resources"),
                            "NotAction": st.get("not_actions"),
                        }
                    )
            yield ("statement",), out
        elif "policy" in b:
            yield ("policy",), policy_statements(b.get("policy"))
        if res.type == "aws_iam_role":
            for i, ip in enumerate(b.get("inline_policy") or ()):
                if isinstance(ip, dict):
                    yield ("inline_policy", i), policy_statements(ip.get("policy"))
    else:
        if "PolicyDocument" in b:
            yield ("PolicyDocument",), policy_statements(b.get("PolicyDocument"))
        for i, p in enumerate(b.get("Policies") or ()):
            if isinstance(p, dict):
                yield ("Policies", i), policy_statements(p.get("PolicyDocument"))


def iam_wildcard_action(res: Resource, project: Project) -> Found:
    for path, statements in iam_documents(res):
        for st in statements:
            if st.get("Effect", "Allow") == "Allow" and any(a == "*" for a in _as_list(st.get("Action"))):
                yield Violation("policy allows every action (Action: *)", path, "*")
                return


def _read_only(action: str) -> bool:
    verb = action.split(":", 1)[-1]
    return verb.startswith(("List", "Get", "Describe", "Head", "View")) and "*" not in verb[4:]


def iam_wildcard_resource(res: Resource, project: Project) -> Found:
    for path, statements in iam_documents(res):
        for st in statements:
            actions = [str(a) for a in _as_list(st.get("Action"))]
            if (
                st.get("Effect", "Allow") != "Allow"
                or "*" not in _as_list(st.get("Resource"))
                or "*" in actions
            ):
                continue
            writes = [a for a in actions if not _read_only(a)]
            if writes or st.get("NotAction"):
                yield Violation(
                    f"policy allows {', '.join(writes[:3]) or 'NotAction'} on every resource",
                    path,
                    writes[:5],
                )
                return


def iam_user_policy(res: Resource, project: Project) -> Found:
    if tf(res):
        yield Violation("policy attached directly to an IAM user", ("user",), res.body.get("user"))
    elif res.body.get("Policies") or res.body.get("ManagedPolicyArns"):
        yield Violation(
            "policy attached directly to an IAM user",
            ("Policies",) if res.body.get("Policies") else ("ManagedPolicyArns",),
            None,
        )


def iam_password_length(res: Resource, project: Project) -> Found:
    n = res.body.get("minimum_password_length")
    if not isinstance(n, int) or n < 14:
        yield Violation(
            f"minimum password length is {n if n is not None else 'the default (8)'}",
            ("minimum_password_length",),
            n,
        )


# -- network --------------------------------------------------------------------------------------


def _port(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def sg_rules(res: Resource) -> Iterator[tuple[Path, list[str], int | None, int | None, str, str | None]]:
    """(path, cidrs, from, to, protocol, description) of every ingress rule."""
    b = res.body
    if tf(res):
        if res.type == "aws_security_group":
            for i, r in enumerate(b.get("ingress") or ()):
                if isinstance(r, dict):
                    cidrs = [
                        str(c) for c in _as_list(r.get("cidr_blocks")) + _as_list(r.get("ipv6_cidr_blocks"))
                    ]
                    yield (
                        ("ingress", i),
                        cidrs,
                        _port(r.get("from_port")),
                        _port(r.get("to_port")),
                        str(r.get("protocol", "")),
                        r.get("description"),
                    )
        elif res.type == "aws_security_group_rule":
            if b.get("type") == "ingress":
                cidrs = [str(c) for c in _as_list(b.get("cidr_blocks")) + _as_list(b.get("ipv6_cidr_blocks"))]
                yield (
                    (),
                    cidrs,
                    _port(b.get("from_port")),
                    _port(b.get("to_port")),
                    str(b.get("protocol", "")),
                    b.get("description"),
                )
        elif res.type == "aws_vpc_security_group_ingress_rule":
            cidrs = [str(c) for c in (b.get("cidr_ipv4"), b.get("cidr_ipv6")) if c]
            yield (
                (),
                cidrs,
                _port(b.get("from_port")),
                _port(b.get("to_port")),
                str(b.get("ip_protocol", "")),
                b.get("description"),
            )
    else:
        rules: list[tuple[Path, Any]] = []
        if res.type == "AWS::EC2::SecurityGroup":
            rules = [
                (("SecurityGroupIngress", i), r) for i, r in enumerate(b.get("SecurityGroupIngress") or ())
            ]
        elif res.type == "AWS::EC2::SecurityGroupIngress":
            rules = [((), b)]
        for path, r in rules:
            if isinstance(r, dict):
                cidrs = [str(c) for c in (r.get("CidrIp"), r.get("CidrIpv6")) if c]
                yield (
                    path,
                    cidrs,
                    _port(r.get("FromPort")),
                    _port(r.get("ToPort")),
                    str(r.get("IpProtocol", "")),
                    r.get("Description"),
                )


def _all_protocols(proto: str) -> bool:
    return proto in ("-1", "all", "ALL")


def _covers(frm: int | None, to: int | None, proto: str, port: int) -> bool:
    if _all_protocols(proto):
        return True
    if proto.lower() not in ("tcp", "6", ""):
        return False
    if frm is None and to is None:
        return False
    lo, hi = frm if frm is not None else to, to if to is not None else frm
    return lo is not None and hi is not None and lo <= port <= hi


def _world(cidrs: list[str]) -> list[str]:
    return [c for c in cidrs if c in WORLD]


def _sg_port(port: int, label: str) -> Any:
    def check(res: Resource, project: Project) -> Found:
        for path, cidrs, frm, to, proto, _ in sg_rules(res):
            world = _world(cidrs)
            if world and _covers(frm, to, proto, port):
                yield Violation(f"ingress from {', '.join(world)} to {label} port {port}", path, world)

    return check


sg_ssh = _sg_port(22, "SSH")
sg_rdp = _sg_port(3389, "RDP")


def sg_all(res: Resource, project: Project) -> Found:
    for path, cidrs, frm, to, proto, _ in sg_rules(res):
        world = _world(cidrs)
        if world and (
            _all_protocols(proto)
            or (frm in (0, -1) and to in (65535, 0, -1) and proto.lower() in ("tcp", "udp", "6", "17"))
        ):
            yield Violation(f"ingress from {', '.join(world)} on every port", path, world)


def sg_db(res: Resource, project: Project) -> Found:
    for path, cidrs, frm, to, proto, _ in sg_rules(res):
        world = _world(cidrs)
        if not world or _all_protocols(proto) or (frm == 0 and to == 65535):
            continue
        hits = [f"{name} {p}" for p, name in DB_PORTS.items() if _covers(frm, to, proto, p)]
        if hits:
            yield Violation(f"ingress from {', '.join(world)} to {', '.join(hits)}", path, world)


def sg_description(res: Resource, project: Project) -> Found:
    if not res.body.get("description" if tf(res) else "GroupDescription") and res.type in (
        "aws_security_group",
        "AWS::EC2::SecurityGroup",
    ):
        yield Violation("security group has no description", None, None)
        return
    for path, _, _, _, _, desc in sg_rules(res):
        if not desc:
            yield Violation("ingress rule has no description", path or ("description",), None)


def default_sg(res: Resource, project: Project) -> Found:
    if res.type == "aws_vpc":
        if not any(
            refers_to(d.body.get("vpc_id"), res)
            for d in project.same_module(res, "aws_default_security_group")
        ):
            yield Violation(
                "VPC does not manage its default security group (which allows all traffic within it)",
                None,
                None,
            )
        return
    for key in ("ingress", "egress"):
        if res.body.get(key):
            yield Violation(f"default security group has {key} rules", (key,), None)


def nacl_admin(res: Resource, project: Project) -> Found:
    b = res.body
    entries: list[tuple[Path, dict[str, Any]]] = []
    if res.type == "aws_network_acl_rule":
        if not true(b.get("egress")) and str(b.get("rule_action", "")).lower() == "allow":
            entries.append(
                (
                    (),
                    {
                        "cidr": b.get("cidr_block") or b.get("ipv6_cidr_block"),
                        "from": b.get("from_port"),
                        "to": b.get("to_port"),
                        "proto": str(b.get("protocol", "")),
                    },
                )
            )
    elif res.type == "aws_network_acl":
        for i, r in enumerate(b.get("ingress") or ()):
            if isinstance(r, dict) and str(r.get("action", "")).lower() == "allow":
                entries.append(
                    (
                        ("ingress", i),
                        {
                            "cidr": r.get("cidr_block") or r.get("ipv6_cidr_block"),
                            "from": r.get("from_port"),
                            "to": r.get("to_port"),
                            "proto": str(r.get("protocol", "")),
                        },
                    )
                )
    elif (
        res.type == "AWS::EC2::NetworkAclEntry"
        and not true(b.get("Egress"))
        and str(b.get("RuleAction", "")).lower() == "allow"
    ):
        pr = b.get("PortRange") if isinstance(b.get("PortRange"), dict) else {}
        entries.append(
            (
                (),
                {
                    "cidr": b.get("CidrBlock") or b.get("Ipv6CidrBlock"),
                    "from": pr.get("From"),
                    "to": pr.get("To"),
                    "proto": str(b.get("Protocol", "")),
                },
            )
        )
    for path, e in entries:
        if e["cidr"] in WORLD:
            proto = e["proto"]
            frm, to = _port(e["from"]), _port(e["to"])
            if proto in ("-1", "all") or any(
                _covers(frm, to, "tcp" if proto in ("6", "tcp") else proto, p) for p in (22, 3389)
            ):
                yield Violation(f"network ACL allows {e['cidr']} to administration ports", path, e["cidr"])


# -- databases and storage ------------------------------------------------------------------------------


def _flag(tf_key: str, cfn_key: str, *, want: bool, message: str, missing_fails: bool = True) -> Any:
    def check(res: Resource, project: Project) -> Found:
        key = tf_key if tf(res) else cfn_key
        v = res.body.get(key)
        if v is None:
            if missing_fails:
                yield Violation(message, (key,), None)
            return
        if (want and not true(v)) or (not want and true(v)):
            yield Violation(message, (key,), v)

    return check


rds_public = _flag(
    "publicly_accessible",
    "PubliclyAccessible",
    want=False,
    message="database is publicly accessible",
    missing_fails=False,
)
rds_encrypted = _flag(
    "storage_encrypted", "StorageEncrypted", want=True, message="database storage is not encrypted"
)
rds_iam_auth = _flag(
    "iam_database_authentication_enabled",
    "EnableIAMDatabaseAuthentication",
    want=True,
    message="IAM database authentication is not enabled",
)
rds_deletion_protection = _flag(
    "deletion_protection", "DeletionProtection", want=True, message="deletion protection is off"
)
rds_minor_upgrade = _flag(
    "auto_minor_version_upgrade",
    "AutoMinorVersionUpgrade",
    want=True,
    message="automatic minor version upgrades are off",
    missing_fails=False,
)
ebs_encrypted = _flag("encrypted", "Encrypted", want=True, message="volume is not encrypted")
efs_encrypted = _flag("encrypted", "Encrypted", want=True, message="file system is not encrypted")
redshift_public = _flag(
    "publicly_accessible",
    "PubliclyAccessible",
    want=False,
    message="cluster is publicly accessible (the default)",
    missing_fails=True,
)
redshift_encrypted = _flag("encrypted", "Encrypted", want=True, message="cluster is not encrypted")
cloudtrail_multi_region = _flag(
    "is_multi_region_trail", "IsMultiRegionTrail", want=True, message="trail is not multi-region"
)
cloudtrail_validation = _flag(
    "enable_log_file_validation", "EnableLogFileValidation", want=True, message="log file validation is off"
)
cloudtrail_logging = _flag(
    "enable_logging", "IsLogging", want=True, message="trail logging is off", missing_fails=False
)


def rds_backup(res: Resource, project: Project) -> Found:
    key = "backup_retention_period" if tf(res) else "BackupRetentionPeriod"
    v = _port(res.body.get(key))
    if v is None or v < 7:
        yield Violation(f"backup retention is {v if v is not None else 'the default'} days (< 7)", (key,), v)


def cloudtrail_kms(res: Resource, project: Project) -> Found:
    key = "kms_key_id" if tf(res) else "KMSKeyId"
    if not res.body.get(key):
        yield Violation("trail logs are not encrypted with a KMS key", (key,), None)


def sns_kms(res: Resource, project: Project) -> Found:
    key = "kms_master_key_id" if tf(res) else "KmsMasterKeyId"
    if not res.body.get(key):
        yield Violation("topic is not encrypted with KMS", (key,), None)


def sqs_encrypted(res: Resource, project: Project) -> Found:
    if tf(res):
        if res.body.get("kms_master_key_id") or true(res.body.get("sqs_managed_sse_enabled")):
            return
        yield Violation(
            "queue is not encrypted", ("sqs_managed_sse_enabled",), res.body.get("sqs_managed_sse_enabled")
        )
    elif not (res.body.get("KmsMasterKeyId") or true(res.body.get("SqsManagedSseEnabled"))):
        yield Violation("queue is not encrypted", None, None)


def kms_rotation(res: Resource, project: Project) -> Found:
    if tf(res):
        spec = res.body.get("customer_master_key_spec", "SYMMETRIC_DEFAULT")
        key = "enable_key_rotation"
    else:
        spec = res.body.get("KeySpec", "SYMMETRIC_DEFAULT")
        key = "EnableKeyRotation"
    if spec == "SYMMETRIC_DEFAULT" and not true(res.body.get(key)):
        yield Violation("key rotation is not enabled", (key,), res.body.get(key))


def ec2_encrypted(res: Resource, project: Project) -> Found:
    if tf(res):
        rb = block(res.body, "root_block_device")
        if not rb or not true(rb[1].get("encrypted")):
            yield Violation(
                "root block device is not encrypted",
                rb[0] if rb else None,
                rb[1].get("encrypted") if rb else None,
            )
        for i, d in enumerate(res.body.get("ebs_block_device") or ()):
            if isinstance(d, dict) and not true(d.get("encrypted")):
                yield Violation(
                    f"EBS block device {d.get('device_name', i)} is not encrypted",
                    ("ebs_block_device", i),
                    d.get("encrypted"),
                )
    else:
        for i, m in enumerate(res.body.get("BlockDeviceMappings") or ()):
            ebs = m.get("Ebs") if isinstance(m, dict) else None
            if isinstance(ebs, dict) and not true(ebs.get("Encrypted")):
                yield Violation(
                    f"block device {m.get('DeviceName', i)} is not encrypted",
                    ("BlockDeviceMappings", i),
                    ebs.get("Encrypted"),
                )


def imdsv2(res: Resource, project: Project) -> Found:
    if tf(res):
        mo = block(res.body, "metadata_options")
        if not mo or mo[1].get("http_tokens") != "required":
            if mo and mo[1].get("http_endpoint") == "disabled":
                return
            yield Violation(
                "instance metadata service does not require IMDSv2 tokens",
                mo[0] if mo else None,
                mo[1].get("http_tokens") if mo else None,
            )
    else:
        opts = dig(res.body, ("LaunchTemplateData", "MetadataOptions"))
        if not isinstance(opts, dict) or opts.get("HttpTokens") != "required":
            yield Violation(
                "launch template does not require IMDSv2 tokens",
                ("LaunchTemplateData",),
                opts.get("HttpTokens") if isinstance(opts, dict) else None,
            )


def ec2_public_ip(res: Resource, project: Project) -> Found:
    if tf(res):
        if true(res.body.get("associate_public_ip_address")):
            yield Violation("instance gets a public IP address", ("associate_public_ip_address",), True)
        for i, ni in enumerate(res.body.get("network_interfaces") or ()):
            if isinstance(ni, dict) and true(ni.get("associate_public_ip_address")):
                yield Violation(
                    "launch template assigns public IP addresses",
                    ("network_interfaces", i, "associate_public_ip_address"),
                    True,
                )
    else:
        for i, ni in enumerate(
            res.body.get("NetworkInterfaces")
            or dig(res.body, ("LaunchTemplateData", "NetworkInterfaces"))
            or ()
        ):
            if isinstance(ni, dict) and true(ni.get("AssociatePublicIpAddress")):
                yield Violation("instance gets a public IP address", ("NetworkInterfaces", i), True)


def ecr_scan(res: Resource, project: Project) -> Found:
    if tf(res):
        sc = block(res.body, "image_scanning_configuration")
        if not sc or not true(sc[1].get("scan_on_push")):
            yield Violation(
                "images are not scanned on push",
                sc[0] if sc else None,
                sc[1].get("scan_on_push") if sc else None,
            )
    elif not true(dig(res.body, ("ImageScanningConfiguration", "ScanOnPush"))):
        yield Violation("images are not scanned on push", ("ImageScanningConfiguration",), None)


def ecr_immutable(res: Resource, project: Project) -> Found:
    key = "image_tag_mutability" if tf(res) else "ImageTagMutability"
    if res.body.get(key) != "IMMUTABLE":
        yield Violation("image tags are mutable", (key,), res.body.get(key) or "MUTABLE")


def eks_public(res: Resource, project: Project) -> Found:
    if tf(res):
        vc = block(res.body, "vpc_config")
        cfg = vc[1] if vc else {}
        public = cfg.get("endpoint_public_access", True)
        cidrs = cfg.get("public_access_cidrs") or ["0.0.0.0/0"]
        if true(public) and any(c in WORLD for c in _as_list(cidrs)):
            yield Violation(
                "cluster API endpoint is public and open to 0.0.0.0/0",
                (*(vc[0] if vc else ()), "endpoint_public_access") if vc else None,
                public,
            )
    else:
        cfg = res.body.get("ResourcesVpcConfig") or {}
        public = cfg.get("EndpointPublicAccess", True) if isinstance(cfg, dict) else True
        cidrs = (cfg.get("PublicAccessCidrs") if isinstance(cfg, dict) else None) or ["0.0.0.0/0"]
        if true(public) and any(c in WORLD for c in _as_list(cidrs)):
            yield Violation(
                "cluster API endpoint is public and open to 0.0.0.0/0", ("ResourcesVpcConfig",), public
            )


def eks_logging(res: Resource, project: Project) -> Found:
    if tf(res):
        if not res.body.get("enabled_cluster_log_types"):
            yield Violation("control plane logging is not enabled", ("enabled_cluster_log_types",), None)
    elif not dig(res.body, ("Logging", "ClusterLogging", "EnabledTypes")):
        yield Violation("control plane logging is not enabled", ("Logging",), None)


def eks_secrets(res: Resource, project: Project) -> Found:
    if not res.body.get("encryption_config" if tf(res) else "EncryptionConfig"):
        yield Violation("Kubernetes secrets are not envelope-encrypted with KMS", None, None)


def lambda_env_secrets(res: Resource, project: Project) -> Found:
    if tf(res):
        env = block(res.body, "environment")
        variables = env[1].get("variables") if env else None
        base: Path = (*env[0], "variables") if env else ()
    else:
        variables = dig(res.body, ("Environment", "Variables"))
        base = ("Environment", "Variables")
    if isinstance(variables, dict):
        for k in variables:
            if SECRET_NAME.search(str(k)) and not _NOT_SECRET.search(str(k)):
                yield Violation(
                    f"environment variable {k} looks like a secret stored in the function configuration",
                    (*base, k),
                    k,
                )


def lb_http(res: Resource, project: Project) -> Found:
    if tf(res):
        proto = res.body.get("protocol")
        actions = res.body.get("default_action") or ()
        redirect = any(isinstance(a, dict) and a.get("type") == "redirect" for a in actions)
        key = "protocol"
    else:
        proto = res.body.get("Protocol")
        actions = res.body.get("DefaultActions") or ()
        redirect = any(isinstance(a, dict) and a.get("Type") == "redirect" for a in actions)
        key = "Protocol"
    if proto == "HTTP" and not redirect:
        yield Violation("listener serves plain HTTP without redirecting to HTTPS", (key,), proto)


def dynamodb_pitr(res: Resource, project: Project) -> Found:
    if tf(res):
        p = block(res.body, "point_in_time_recovery")
        if not p or not true(p[1].get("enabled")):
            yield Violation("point-in-time recovery is off", p[0] if p else None, None)
    elif not true(dig(res.body, ("PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"))):
        yield Violation("point-in-time recovery is off", ("PointInTimeRecoverySpecification",), None)


def es_encrypted(res: Resource, project: Project) -> Found:
    if tf(res):
        e = block(res.body, "encrypt_at_rest")
        if not e or not true(e[1].get("enabled")):
            yield Violation("domain is not encrypted at rest", e[0] if e else None, None)
    elif not true(dig(res.body, ("EncryptionAtRestOptions", "Enabled"))):
        yield Violation("domain is not encrypted at rest", ("EncryptionAtRestOptions",), None)


def vpc_flow_logs(res: Resource, project: Project) -> Found:
    if tf(res):
        if any(refers_to(f.body.get("vpc_id"), res) for f in project.same_module(res, "aws_flow_log")):
            return
    else:
        lid = res.meta.get("logical_id", res.name)
        if any(cfn_ref(f.body.get("ResourceId"), lid) for f in project.same_module(res, "AWS::EC2::FlowLog")):
            return
    yield Violation("VPC has no flow log", None, None)


def cloudfront_https(res: Resource, project: Project) -> Found:
    if tf(res):
        b = block(res.body, "default_cache_behavior")
        policy = b[1].get("viewer_protocol_policy") if b else None
        path: Path | None = (*b[0], "viewer_protocol_policy") if b else None
    else:
        policy = dig(res.body, ("DistributionConfig", "DefaultCacheBehavior", "ViewerProtocolPolicy"))
        path = ("DistributionConfig", "DefaultCacheBehavior", "ViewerProtocolPolicy")
    if policy == "allow-all":
        yield Violation("distribution allows plain HTTP viewers", path, policy)


def sg_egress_all(res: Resource, project: Project) -> Found:
    b = res.body
    rules: list[tuple[Path, dict[str, Any]]] = []
    if res.type == "aws_security_group":
        rules = [(("egress", i), r) for i, r in enumerate(b.get("egress") or ()) if isinstance(r, dict)]
    elif res.type == "aws_security_group_rule" and b.get("type") == "egress":
        rules = [((), b)]
    for path, r in rules:
        cidrs = [str(c) for c in _as_list(r.get("cidr_blocks")) + _as_list(r.get("ipv6_cidr_blocks"))]
        if _world(cidrs) and _all_protocols(str(r.get("protocol", ""))):
            yield Violation("egress to the whole Internet on every port", path, _world(cidrs))
