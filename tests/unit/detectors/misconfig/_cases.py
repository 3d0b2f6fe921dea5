"""A failing and a passing input for every built-in check (test_checks.py requires an entry for each).

Each case is ``(file name, failing text, passing text)``. Kubernetes cases patch a hardened baseline
workload, so each pair differs only in what the check looks at. ``image-config`` cases are ImageConfig
keyword arguments instead of text.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

DELETE = object()

SECURE_CONTAINER: dict[str, Any] = {
    "name": "app",
    "image": "registry.example.com/app:1.2.3@sha256:" + "a" * 64,
    "imagePullPolicy": "Always",
    "securityContext": {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    },
    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "128Mi"}},
    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
    "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
}
SECURE_SPEC: dict[str, Any] = {
    "serviceAccountName": "app",
    "automountServiceAccountToken": False,
    "securityContext": {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    },
}


def _merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            if v is DELETE:
                out.pop(k, None)
            else:
                out[k] = _merge(out.get(k), v)
        return out
    return copy.deepcopy(patch)


def workload(
    container: dict[str, Any] | None = None,
    spec: dict[str, Any] | None = None,
    *,
    kind: str = "Deployment",
    namespace: str = "shop",
    annotations: dict[str, str] | None = None,
) -> str:
    pod_spec = _merge(SECURE_SPEC, spec or {})
    pod_spec["containers"] = [_merge(SECURE_CONTAINER, container or {})]
    meta: dict[str, Any] = {"name": "app"}
    if namespace:
        meta["namespace"] = namespace
    template: dict[str, Any] = {"metadata": {"labels": {"app": "app"}}, "spec": pod_spec}
    if annotations:
        template["metadata"]["annotations"] = annotations
    if kind == "Pod":
        if annotations:
            meta["annotations"] = annotations
        doc = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": pod_spec}
    elif kind == "CronJob":
        doc = {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": meta,
            "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}},
        }
    else:
        doc = {
            "apiVersion": "apps/v1",
            "kind": kind,
            "metadata": meta,
            "spec": {"selector": {"matchLabels": {"app": "app"}}, "template": template},
        }
    return yaml.safe_dump(doc, sort_keys=False)


def k8s(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False)


def role(*rules: dict[str, Any], kind: str = "ClusterRole") -> str:
    return k8s(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": kind,
            "metadata": {"name": "r", "namespace": "shop"},
            "rules": list(rules),
        }
    )


def binding(role_name: str, subject: str = "app", kind: str = "ClusterRoleBinding") -> str:
    return k8s(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": kind,
            "metadata": {"name": "b", "namespace": "shop"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role_name},
            "subjects": [
                {
                    "kind": "Group" if subject.startswith("system:") else "ServiceAccount",
                    "name": subject,
                    "namespace": "shop",
                }
            ],
        }
    )


def service(spec: dict[str, Any]) -> str:
    return k8s(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "s", "namespace": "shop"},
            "spec": {"selector": {"app": "app"}, "ports": [{"port": 80}], **spec},
        }
    )


NETPOL = k8s(
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "deny", "namespace": "shop"},
        "spec": {"podSelector": {}},
    }
)
NS = k8s({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})

M = "manifest.yaml"
D = "Dockerfile"
TF = "main.tf"
C = "docker-compose.yml"

GOOD_TAIL = 'USER app\nHEALTHCHECK CMD ["true"]\n'

CASES: dict[str, tuple[str, Any, Any]] = {
    # -- Kubernetes ---------------------------------------------------------------------------------
    "BST-K8S-001": (
        M,
        workload({"securityContext": {"privileged": True}}),
        workload({"securityContext": {"privileged": False}}),
    ),
    "BST-K8S-002": (M, workload(spec={"hostPID": True}), workload(spec={"hostPID": False})),
    "BST-K8S-003": (M, workload(spec={"hostIPC": True}, kind="CronJob"), workload(kind="CronJob")),
    "BST-K8S-004": (M, workload(spec={"hostNetwork": True}, kind="DaemonSet"), workload(kind="DaemonSet")),
    "BST-K8S-005": (
        M,
        workload(spec={"volumes": [{"name": "h", "hostPath": {"path": "/etc"}}]}),
        workload(spec={"volumes": [{"name": "h", "emptyDir": {}}]}),
    ),
    "BST-K8S-006": (
        M,
        workload({"ports": [{"containerPort": 80, "hostPort": 80}]}),
        workload({"ports": [{"containerPort": 80}]}),
    ),
    "BST-K8S-007": (
        M,
        workload({"securityContext": {"capabilities": {"drop": ["ALL"], "add": ["CHOWN"]}}}),
        workload({"securityContext": {"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}}}),
    ),
    "BST-K8S-008": (M, workload({"securityContext": {"capabilities": {"drop": ["NET_RAW"]}}}), workload()),
    "BST-K8S-009": (
        M,
        workload({"securityContext": {"capabilities": {"drop": ["ALL"], "add": ["SYS_ADMIN"]}}}),
        workload({"securityContext": {"capabilities": {"drop": ["ALL"], "add": ["CHOWN"]}}}),
    ),
    "BST-K8S-010": (
        M,
        workload(spec={"securityContext": {"runAsNonRoot": DELETE, "runAsUser": DELETE}}),
        workload(spec={"securityContext": {"runAsNonRoot": DELETE}}),
    ),
    "BST-K8S-011": (M, workload({"securityContext": {"runAsUser": 0}}), workload()),
    "BST-K8S-012": (M, workload({"securityContext": {"allowPrivilegeEscalation": DELETE}}), workload()),
    "BST-K8S-013": (M, workload({"securityContext": {"readOnlyRootFilesystem": False}}), workload()),
    "BST-K8S-014": (
        M,
        workload(spec={"securityContext": {"seccompProfile": {"type": "Unconfined"}}}),
        workload(
            spec={"securityContext": {"seccompProfile": DELETE}},
            annotations={"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"},
        ),
    ),
    "BST-K8S-015": (
        M,
        workload(annotations={"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}),
        workload(annotations={"container.apparmor.security.beta.kubernetes.io/app": "runtime/default"}),
    ),
    "BST-K8S-016": (M, workload({"resources": {"limits": {"cpu": DELETE}}}), workload()),
    "BST-K8S-017": (M, workload({"resources": {"limits": {"memory": DELETE}}}), workload()),
    "BST-K8S-018": (M, workload({"resources": {"requests": {"cpu": DELETE}}}), workload()),
    "BST-K8S-019": (M, workload({"resources": {"requests": DELETE}}), workload()),
    "BST-K8S-020": (M, workload({"image": "nginx"}), workload({"image": "nginx:1.27.0"})),
    "BST-K8S-021": (M, workload({"image": "nginx:1.27.0"}), workload()),
    "BST-K8S-022": (
        M,
        workload({"image": "nginx:1.27.0", "imagePullPolicy": "IfNotPresent"}),
        workload({"image": "nginx:1.27.0", "imagePullPolicy": "Always"}),
    ),
    "BST-K8S-023": (M, workload(spec={"automountServiceAccountToken": DELETE}), workload()),
    "BST-K8S-024": (M, workload(spec={"serviceAccountName": "default"}), workload()),
    "BST-K8S-025": (
        M,
        workload({"securityContext": {"procMount": "Unmasked"}}),
        workload({"securityContext": {"procMount": "Default"}}),
    ),
    "BST-K8S-026": (
        M,
        workload(spec={"securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}]}}),
        workload(spec={"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}]}}),
    ),
    "BST-K8S-027": (M, workload({"livenessProbe": DELETE}), workload()),
    "BST-K8S-028": (
        M,
        workload({"readinessProbe": DELETE}, kind="StatefulSet"),
        workload({"readinessProbe": DELETE}, kind="CronJob"),
    ),
    "BST-K8S-029": (M, workload(namespace=""), workload()),
    "BST-K8S-030": (
        M,
        workload(spec={"securityContext": {"seLinuxOptions": {"type": "spc_t"}}}),
        workload(
            spec={"securityContext": {"seLinuxOptions": {"type": "container_t", "level": "s0:c123,c456"}}}
        ),
    ),
    "BST-K8S-031": (M, workload(spec={"securityContext": {"runAsGroup": 0}}), workload()),
    "BST-K8S-032": (M, workload({"securityContext": {"runAsUser": 1000}}), workload()),
    "BST-K8S-033": (
        M,
        workload(
            {"env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}]}
        ),
        workload({"env": [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "mode"}}}]}),
    ),
    "BST-K8S-034": (
        M,
        workload(spec={"securityContext": {"windowsOptions": {"hostProcess": True}}}),
        workload(spec={"securityContext": {"windowsOptions": {"hostProcess": False}}}),
    ),
    "BST-K8S-035": (M, workload(spec={"shareProcessNamespace": True}), workload()),
    "BST-K8S-036": (M, workload(namespace="kube-system"), workload()),
    "BST-K8S-037": (M, service({"type": "NodePort"}), service({"type": "ClusterIP"})),
    "BST-K8S-038": (
        M,
        service({"type": "LoadBalancer"}),
        service({"type": "LoadBalancer", "loadBalancerSourceRanges": ["203.0.113.0/24"]}),
    ),
    "BST-K8S-039": (M, service({"externalIPs": ["198.51.100.7"]}), service({})),
    "BST-K8S-040": (
        M,
        role({"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]}),
        role({"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}),
    ),
    "BST-K8S-041": (
        M,
        role({"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}, kind="Role"),
        role({"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}, kind="Role"),
    ),
    "BST-K8S-042": (
        M,
        role({"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}),
        role({"apiGroups": [""], "resources": ["secrets"], "verbs": ["create"]}),
    ),
    "BST-K8S-043": (M, binding("cluster-admin"), binding("view")),
    "BST-K8S-044": (
        M,
        role({"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}),
        role({"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]}),
    ),
    "BST-K8S-045": (
        M,
        role({"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["create", "update"]}),
        role({"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "update"]}),
    ),
    "BST-K8S-046": (
        M,
        role({"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"]}),
        role({"apiGroups": [""], "resources": ["users"], "verbs": ["get"]}),
    ),
    "BST-K8S-047": (M, binding("view", "system:anonymous"), binding("view", "app")),
    "BST-K8S-048": (M, NS, NS + "---\n" + NETPOL),
    "BST-K8S-049": (M, workload(), workload() + "---\n" + NETPOL),
    "BST-K8S-050": (
        M,
        workload(spec={"volumes": [{"name": "s", "hostPath": {"path": "/var/run/docker.sock"}}]}),
        workload(spec={"volumes": [{"name": "s", "hostPath": {"path": "/var/log"}}]}),
    ),
    "BST-K8S-051": (
        M,
        role(
            {
                "apiGroups": ["admissionregistration.k8s.io"],
                "resources": ["mutatingwebhookconfigurations"],
                "verbs": ["patch"],
            }
        ),
        role(
            {
                "apiGroups": ["admissionregistration.k8s.io"],
                "resources": ["mutatingwebhookconfigurations"],
                "verbs": ["get"],
            }
        ),
    ),
    "BST-K8S-052": (
        M,
        role(
            {
                "apiGroups": ["certificates.k8s.io"],
                "resources": ["certificatesigningrequests/approval"],
                "verbs": ["update"],
            }
        ),
        role(
            {
                "apiGroups": ["certificates.k8s.io"],
                "resources": ["certificatesigningrequests"],
                "verbs": ["get"],
            }
        ),
    ),
    "BST-K8S-053": (
        M,
        role({"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]}),
        role({"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["get"]}),
    ),
    "BST-K8S-054": (
        M,
        k8s(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": {"name": "i", "namespace": "shop"},
                "spec": {"rules": [{"host": "a.example.com"}]},
            }
        ),
        k8s(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": {"name": "i", "namespace": "shop"},
                "spec": {"tls": [{"secretName": "t"}], "rules": [{"host": "a.example.com"}]},
            }
        ),
    ),
    # -- Dockerfile ------------------------------------------------------------------------------------
    "BST-DF-001": (D, "FROM python:3.12\nRUN true\n", "FROM python:3.12\nUSER app\n"),
    "BST-DF-002": (
        D,
        "FROM python:3.12\nUSER app\nUSER root\n",
        "FROM python:3.12\nUSER root\nRUN true\nUSER app\n",
    ),
    "BST-DF-003": (
        D,
        "FROM python:3.12\nARG GITHUB_TOKEN\nRUN echo\n",
        "FROM python:3.12\nARG GITHUB_TOKEN_FILE\nARG VERSION=1\n",
    ),
    "BST-DF-004": (
        D,
        "FROM python:3.12\nADD https://example.com/a.tgz /opt/\n",
        "FROM python:3.12\nADD --checksum=sha256:" + "0" * 64 + " https://example.com/a.tgz /opt/\n",
    ),
    "BST-DF-005": (
        D,
        "FROM python:3.12\nADD app.py /srv/\n",
        "FROM python:3.12\nADD vendor.tar.gz /srv/\nCOPY app.py /srv/\n",
    ),
    "BST-DF-006": (
        D,
        "FROM python:3.12\nRUN curl -sSL https://x.example/i.sh | sh\n",
        "FROM python:3.12\nRUN curl -sSLo /tmp/i.sh https://x.example/i.sh && sha256sum -c i.sha && sh /tmp/i.sh\n",
    ),
    "BST-DF-007": (D, "FROM ubuntu\n", "FROM ubuntu:24.04\n"),
    "BST-DF-008": (D, "FROM python:3.12\nUSER app\n", 'FROM python:3.12\nHEALTHCHECK CMD ["true"]\n'),
    "BST-DF-009": (
        D,
        "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n",
        "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
    ),
    "BST-DF-010": (
        D,
        "FROM alpine:3.20\nRUN apk add curl\n",
        "FROM alpine:3.20\nRUN apk add --no-cache curl\n",
    ),
    "BST-DF-011": (
        D,
        "FROM python:3.12\nRUN pip install flask\n",
        "FROM python:3.12\nRUN pip install --no-cache-dir flask\n",
    ),
    "BST-DF-012": (
        D,
        "FROM rockylinux:9\nRUN dnf install -y httpd\n",
        "FROM rockylinux:9\nRUN dnf install -y httpd && dnf clean all\n",
    ),
    "BST-DF-013": (
        D,
        "FROM debian:12\nRUN sudo apt-get install -y vim\n",
        "FROM debian:12\nRUN echo sudo is not run here\n",
    ),
    "BST-DF-014": (
        D,
        "FROM debian:12\nRUN apt-get update && apt-get dist-upgrade -y\n",
        "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n",
    ),
    "BST-DF-015": (D, "FROM debian:12\nEXPOSE 22/tcp 80\n", "FROM debian:12\nEXPOSE 8022 80\n"),
    "BST-DF-016": (D, "FROM debian:12\nRUN chmod -R 777 /srv\n", "FROM debian:12\nRUN chmod -R 755 /srv\n"),
    "BST-DF-017": (D, "FROM python:3.12\nCOPY . /srv\n", "FROM python:3.12\nCOPY app/ /srv/app/\n"),
    "BST-DF-018": (
        D,
        'FROM python:3.12\nCMD ["a"]\nCMD ["b"]\n',
        'FROM python:3.12 AS a\nCMD ["a"]\nFROM python:3.12\nCMD ["b"]\n',
    ),
    "BST-DF-019": (D, "FROM python:3.12\nWORKDIR app\n", "FROM python:3.12\nWORKDIR /app\n"),
    "BST-DF-020": (
        D,
        "FROM python:3.12\nMAINTAINER me@example.com\n",
        "FROM python:3.12\nLABEL org.opencontainers.image.authors=me@example.com\n",
    ),
    "BST-DF-021": (
        D,
        "FROM debian:12\nRUN apt-get install -y curl\n",
        "FROM debian:12\nRUN apt-get install -y --no-install-recommends curl\n",
    ),
    "BST-DF-022": (
        D,
        "FROM debian:12\nRUN apt-get update\n",
        "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n",
    ),
    "BST-DF-023": (D, "FROM debian:12\nRUN cd /srv && make\n", "FROM debian:12\nWORKDIR /srv\nRUN make\n"),
    "BST-DF-024": (
        D,
        "FROM debian:12\nRUN apt install -y curl\n",
        "FROM debian:12\nRUN apt-get install -y curl\n",
    ),
    "BST-DF-025": (
        D,
        "FROM debian:12 AS base\nFROM debian:12 AS base\n",
        "FROM debian:12 AS base\nFROM base AS final\n",
    ),
    "BST-DF-026": (
        D,
        "FROM debian:12\nRUN apt-get install curl\n",
        "FROM debian:12\nRUN apt-get install --yes curl\n",
    ),
    # -- image config ----------------------------------------------------------------------------------
    "BST-IMG-001": ("image", {"user": ""}, {"user": "10001:10001"}),
    "BST-IMG-002": (
        "image",
        {"env": ("PATH=/usr/bin", "AWS_SECRET_ACCESS_KEY=x")},
        {"env": ("PATH=/usr/bin", "SECRET_FILE=/run/secrets/k")},
    ),
    "BST-IMG-003": ("image", {"healthcheck": None}, {"healthcheck": ("CMD", "true")}),
    "BST-IMG-004": (
        "image",
        {"history": ("/bin/sh -c curl -fsSL https://get.example | bash",)},
        {"history": ("/bin/sh -c apt-get install -y curl",)},
    ),
    "BST-IMG-005": (
        "image",
        {"history": ("ADD https://example.com/agent.tgz /opt # buildkit",)},
        {"history": ("ADD file:abc123 in / ",)},
    ),
    "BST-IMG-006": ("image", {"exposed_ports": ("22/tcp",)}, {"exposed_ports": ("8080/tcp",)}),
    "BST-IMG-007": (
        "image",
        {"history": ("/bin/sh -c sudo apt-get install -y vim",)},
        {"history": ("/bin/sh -c apt-get install -y vim",)},
    ),
    "BST-IMG-008": (
        "image",
        {"labels": {"org.opencontainers.image.base.name": "docker.io/library/debian"}},
        {"labels": {"org.opencontainers.image.base.name": "docker.io/library/debian:12.5"}},
    ),
    "BST-IMG-009": (
        "image",
        {"caches": {"apt": "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease"}},
        {"caches": {}},
    ),
    # -- compose ---------------------------------------------------------------------------------------
    "BST-DC-001": (
        C,
        "services:\n  a:\n    image: x:1\n    privileged: true\n",
        "services:\n  a:\n    image: x:1\n    privileged: false\n",
    ),
    "BST-DC-002": (
        C,
        "services:\n  a:\n    image: x:1\n    network_mode: host\n",
        "services:\n  a:\n    image: x:1\n    network_mode: bridge\n",
    ),
    "BST-DC-003": (
        C,
        "services:\n  a:\n    image: x:1\n    pid: host\n",
        "services:\n  a:\n    image: x:1\n",
    ),
    "BST-DC-004": (
        C,
        "services:\n  a:\n    image: x:1\n    ipc: host\n",
        "services:\n  a:\n    image: x:1\n    ipc: shareable\n",
    ),
    "BST-DC-005": (
        C,
        "services:\n  a:\n    image: x:1\n    volumes: ['/var/run/docker.sock:/var/run/docker.sock']\n",
        "services:\n  a:\n    image: x:1\n    volumes: ['./data:/data']\n",
    ),
    "BST-DC-006": (
        C,
        "services:\n  a:\n    image: x:1\n    cap_add: [SYS_ADMIN]\n",
        "services:\n  a:\n    image: x:1\n    cap_drop: [ALL]\n",
    ),
    "BST-DC-007": (
        C,
        "services:\n  a:\n    image: x:1\n    ports: ['6379:6379']\n",
        "services:\n  a:\n    image: x:1\n    ports: ['127.0.0.1:6379:6379', '8080:80']\n",
    ),
    "BST-DC-008": (
        C,
        "services:\n  a:\n    image: x:1\n    security_opt: ['apparmor=unconfined']\n",
        "services:\n  a:\n    image: x:1\n    security_opt: ['no-new-privileges:true']\n",
    ),
    "BST-DC-009": (C, "services:\n  a:\n    image: redis\n", "services:\n  a:\n    image: redis:7.2\n"),
    "BST-DC-010": (
        C,
        "services:\n  a:\n    image: x:1\n    volumes: [{type: bind, source: /etc, target: /host-etc}]\n",
        "services:\n  a:\n    image: x:1\n    volumes: [{type: bind, source: ./etc, target: /etc/app}]\n",
    ),
    "BST-DC-011": (
        C,
        "services:\n  a:\n    image: x:1\n    user: '0'\n",
        "services:\n  a:\n    image: x:1\n    user: '10001'\n",
    ),
    # -- AWS -------------------------------------------------------------------------------------------
    "BST-AWS-001": (
        TF,
        'resource "aws_s3_bucket_acl" "a" {\n  bucket = "b"\n  acl = "public-read"\n}\n',
        'resource "aws_s3_bucket_acl" "a" {\n  bucket = "b"\n  acl = "private"\n}\n',
    ),
    "BST-AWS-002": (
        TF,
        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n',
        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\nresource "aws_s3_bucket_server_side_encryption_configuration" "b" {\n  bucket = aws_s3_bucket.b.id\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = "aws:kms"\n    }\n  }\n}\n',
    ),
    "BST-AWS-003": (
        TF,
        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n  versioning {\n    enabled = false\n  }\n}\n',
        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\nresource "aws_s3_bucket_versioning" "v" {\n  bucket = aws_s3_bucket.b.id\n  versioning_configuration {\n    status = "Enabled"\n  }\n}\n',
    ),
    "BST-AWS-004": (
        TF,
        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n',
        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n  logging {\n    target_bucket = "logs"\n  }\n}\n',
    ),
    "BST-AWS-005": (
        TF,
        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n',
        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\nresource "aws_s3_bucket_public_access_block" "b" {\n  bucket = aws_s3_bucket.b.id\n  block_public_acls = true\n  block_public_policy = true\n  ignore_public_acls = true\n  restrict_public_buckets = true\n}\n',
    ),
    "BST-AWS-006": (
        TF,
        'resource "aws_s3_bucket_policy" "p" {\n  bucket = "b"\n  policy = jsonencode({Statement = [{Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "arn:aws:s3:::b/*"}]})\n}\n',
        'resource "aws_s3_bucket_policy" "p" {\n  bucket = "b"\n  policy = jsonencode({Statement = [{Effect = "Allow", Principal = {AWS = "arn:aws:iam::123456789012:root"}, Action = "s3:GetObject", Resource = "arn:aws:s3:::b/*"}]})\n}\n',
    ),
    "BST-AWS-007": (
        TF,
        'resource "aws_security_group_rule" "r" {\n  type = "ingress"\n  from_port = 0\n  to_port = 1024\n  protocol = "tcp"\n  cidr_blocks = ["0.0.0.0/0"]\n}\n',
        'resource "aws_security_group_rule" "r" {\n  type = "ingress"\n  from_port = 22\n  to_port = 22\n  protocol = "tcp"\n  cidr_blocks = ["10.0.0.0/8"]\n}\n',
    ),
    "BST-AWS-008": (
        "template.yaml",
        "Resources:\n  SG:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n      SecurityGroupIngress:\n        - {IpProtocol: tcp, FromPort: 3389, ToPort: 3389, CidrIpv6: '::/0'}\n",
        "Resources:\n  SG:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n      SecurityGroupIngress:\n        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIpv6: '::/0'}\n",
    ),
    "BST-AWS-009": (
        TF,
        'resource "aws_vpc_security_group_ingress_rule" "r" {\n  ip_protocol = "-1"\n  cidr_ipv4 = "0.0.0.0/0"\n}\n',
        'resource "aws_vpc_security_group_ingress_rule" "r" {\n  ip_protocol = "tcp"\n  from_port = 443\n  to_port = 443\n  cidr_ipv4 = "0.0.0.0/0"\n}\n',
    ),
    "BST-AWS-010": (
        TF,
        'resource "aws_security_group" "g" {\n  description = "x"\n  ingress {\n    description = "db"\n    from_port = 3306\n    to_port = 3306\n    protocol = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n',
        'resource "aws_security_group" "g" {\n  description = "x"\n  ingress {\n    description = "db"\n    from_port = 3306\n    to_port = 3306\n    protocol = "tcp"\n    cidr_blocks = ["10.1.0.0/16"]\n  }\n}\n',
    ),
    "BST-AWS-011": (
        TF,
        'resource "aws_security_group" "g" {\n  description = "x"\n  ingress {\n    from_port = 443\n    to_port = 443\n    protocol = "tcp"\n  }\n}\n',
        'resource "aws_security_group" "g" {\n  description = "x"\n  ingress {\n    description = "https"\n    from_port = 443\n    to_port = 443\n    protocol = "tcp"\n  }\n}\n',
    ),
    "BST-AWS-012": (
        TF,
        'resource "aws_db_instance" "d" {\n  publicly_accessible = true\n}\n',
        'resource "aws_db_instance" "d" {\n  publicly_accessible = false\n}\n',
    ),
    "BST-AWS-013": (
        "template.json",
        '{"Resources": {"Db": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-postgresql"}}}}',
        '{"Resources": {"Db": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-postgresql", "StorageEncrypted": true}}}}',
    ),
    "BST-AWS-014": (
        TF,
        'resource "aws_db_instance" "d" {\n  backup_retention_period = 3\n}\n',
        'resource "aws_db_instance" "d" {\n  backup_retention_period = 7\n}\n',
    ),
    "BST-AWS-015": (
        TF,
        'resource "aws_rds_cluster" "d" {\n  engine = "aurora-mysql"\n}\n',
        'resource "aws_rds_cluster" "d" {\n  iam_database_authentication_enabled = true\n}\n',
    ),
    "BST-AWS-016": (
        TF,
        'resource "aws_db_instance" "d" {\n  deletion_protection = false\n}\n',
        'resource "aws_db_instance" "d" {\n  deletion_protection = true\n}\n',
    ),
    "BST-AWS-017": (
        TF,
        'data "aws_iam_policy_document" "p" {\n  statement {\n    actions = ["*"]\n    resources = ["*"]\n  }\n}\n',
        'data "aws_iam_policy_document" "p" {\n  statement {\n    actions = ["s3:GetObject"]\n    resources = ["*"]\n  }\n}\n',
    ),
    "BST-AWS-018": (
        "template.yaml",
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n              - {Effect: Allow, Action: ['s3:PutObject'], Resource: '*'}\n",
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n              - {Effect: Allow, Action: ['s3:PutObject'], Resource: !Sub 'arn:aws:s3:::${Bucket}/*'}\n",
    ),
    "BST-AWS-019": (
        TF,
        'resource "aws_cloudtrail" "t" {\n  name = "t"\n}\n',
        'resource "aws_cloudtrail" "t" {\n  is_multi_region_trail = true\n}\n',
    ),
    "BST-AWS-020": (
        TF,
        'resource "aws_cloudtrail" "t" {\n  enable_log_file_validation = false\n}\n',
        'resource "aws_cloudtrail" "t" {\n  enable_log_file_validation = true\n}\n',
    ),
    "BST-AWS-021": (
        TF,
        'resource "aws_cloudtrail" "t" {\n  name = "t"\n}\n',
        'resource "aws_cloudtrail" "t" {\n  kms_key_id = aws_kms_key.k.arn\n}\n',
    ),
    "BST-AWS-022": (
        TF,
        'resource "aws_cloudtrail" "t" {\n  enable_logging = false\n}\n',
        'resource "aws_cloudtrail" "t" {\n  enable_logging = true\n}\n',
    ),
    "BST-AWS-023": (
        TF,
        'resource "aws_kms_key" "k" {\n  description = "k"\n}\n',
        'resource "aws_kms_key" "k" {\n  enable_key_rotation = true\n}\nresource "aws_kms_key" "rsa" {\n  customer_master_key_spec = "RSA_2048"\n}\n',
    ),
    "BST-AWS-024": (
        TF,
        'resource "aws_ebs_volume" "v" {\n  size = 1\n}\n',
        'resource "aws_ebs_volume" "v" {\n  encrypted = true\n}\n',
    ),
    "BST-AWS-025": (
        TF,
        'resource "aws_instance" "i" {\n  root_block_device {\n    encrypted = true\n  }\n  ebs_block_device {\n    device_name = "/dev/sdb"\n  }\n}\n',
        'resource "aws_instance" "i" {\n  root_block_device {\n    encrypted = true\n  }\n  ebs_block_device {\n    device_name = "/dev/sdb"\n    encrypted = true\n  }\n}\n',
    ),
    "BST-AWS-026": (
        TF,
        'resource "aws_launch_template" "t" {\n  name = "t"\n}\n',
        'resource "aws_launch_template" "t" {\n  metadata_options {\n    http_tokens = "required"\n  }\n}\n',
    ),
    "BST-AWS-027": (
        TF,
        'resource "aws_instance" "i" {\n  associate_public_ip_address = true\n}\n',
        'resource "aws_instance" "i" {\n  associate_public_ip_address = false\n}\n',
    ),
    "BST-AWS-028": (
        TF,
        'resource "aws_ecr_repository" "r" {\n  image_scanning_configuration {\n    scan_on_push = false\n  }\n}\n',
        'resource "aws_ecr_repository" "r" {\n  image_scanning_configuration {\n    scan_on_push = true\n  }\n}\n',
    ),
    "BST-AWS-029": (
        TF,
        'resource "aws_ecr_repository" "r" {\n  name = "r"\n}\n',
        'resource "aws_ecr_repository" "r" {\n  image_tag_mutability = "IMMUTABLE"\n}\n',
    ),
    "BST-AWS-030": (
        TF,
        'resource "aws_eks_cluster" "c" {\n  vpc_config {\n    endpoint_public_access = true\n    public_access_cidrs = ["0.0.0.0/0"]\n  }\n}\n',
        'resource "aws_eks_cluster" "c" {\n  vpc_config {\n    endpoint_public_access = true\n    public_access_cidrs = ["203.0.113.0/24"]\n  }\n}\n',
    ),
    "BST-AWS-031": (
        TF,
        'resource "aws_eks_cluster" "c" {\n  name = "c"\n}\n',
        'resource "aws_eks_cluster" "c" {\n  enabled_cluster_log_types = ["audit"]\n}\n',
    ),
    "BST-AWS-032": (
        TF,
        'resource "aws_lambda_function" "f" {\n  environment {\n    variables = {\n      DB_PASSWORD = var.pw\n    }\n  }\n}\n',
        'resource "aws_lambda_function" "f" {\n  environment {\n    variables = {\n      DB_PASSWORD_PARAM = "/app/db"\n      LOG_LEVEL = "info"\n    }\n  }\n}\n',
    ),
    "BST-AWS-033": (
        TF,
        'resource "aws_lb_listener" "l" {\n  protocol = "HTTP"\n  default_action {\n    type = "forward"\n  }\n}\n',
        'resource "aws_lb_listener" "l" {\n  protocol = "HTTP"\n  default_action {\n    type = "redirect"\n  }\n}\n',
    ),
    "BST-AWS-034": (
        TF,
        'resource "aws_dynamodb_table" "t" {\n  name = "t"\n}\n',
        'resource "aws_dynamodb_table" "t" {\n  point_in_time_recovery {\n    enabled = true\n  }\n}\n',
    ),
    "BST-AWS-035": (
        TF,
        'resource "aws_sqs_queue" "q" {\n  sqs_managed_sse_enabled = false\n}\n',
        'resource "aws_sqs_queue" "q" {\n  kms_master_key_id = "alias/aws/sqs"\n}\n',
    ),
    "BST-AWS-036": (
        TF,
        'resource "aws_sns_topic" "t" {\n  name = "t"\n}\n',
        'resource "aws_sns_topic" "t" {\n  kms_master_key_id = "alias/aws/sns"\n}\n',
    ),
    "BST-AWS-037": (
        "template.yaml",
        "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: 10.0.0.0/16}\n",
        "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: 10.0.0.0/16}\n  Flow:\n    Type: AWS::EC2::FlowLog\n    Properties: {ResourceId: !Ref Vpc, ResourceType: VPC, TrafficType: ALL}\n",
    ),
    "BST-AWS-038": (
        TF,
        'resource "aws_db_instance" "d" {\n  auto_minor_version_upgrade = false\n}\n',
        'resource "aws_db_instance" "d" {\n  auto_minor_version_upgrade = true\n}\n',
    ),
    "BST-AWS-039": (
        TF,
        'resource "aws_opensearch_domain" "d" {\n  domain_name = "d"\n}\n',
        'resource "aws_opensearch_domain" "d" {\n  encrypt_at_rest {\n    enabled = true\n  }\n}\n',
    ),
    "BST-AWS-040": (
        TF,
        'resource "aws_iam_user_policy_attachment" "a" {\n  user = "bob"\n  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}\n',
        'resource "aws_iam_group_policy_attachment" "a" {\n  group = "devs"\n  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}\n',
    ),
    "BST-AWS-041": (
        TF,
        'resource "aws_iam_account_password_policy" "p" {\n  minimum_password_length = 8\n}\n',
        'resource "aws_iam_account_password_policy" "p" {\n  minimum_password_length = 14\n}\n',
    ),
    "BST-AWS-042": (
        TF,
        'resource "aws_default_security_group" "d" {\n  vpc_id = "v"\n  ingress {\n    protocol = "-1"\n    self = true\n  }\n}\n',
        'resource "aws_default_security_group" "d" {\n  vpc_id = "v"\n}\n',
    ),
    "BST-AWS-043": (
        TF,
        'resource "aws_network_acl_rule" "r" {\n  egress = false\n  rule_action = "allow"\n  protocol = "tcp"\n  cidr_block = "0.0.0.0/0"\n  from_port = 22\n  to_port = 22\n}\n',
        'resource "aws_network_acl_rule" "r" {\n  egress = false\n  rule_action = "allow"\n  protocol = "tcp"\n  cidr_block = "0.0.0.0/0"\n  from_port = 443\n  to_port = 443\n}\n',
    ),
    "BST-AWS-044": (
        TF,
        'resource "aws_eks_cluster" "c" {\n  name = "c"\n}\n',
        'resource "aws_eks_cluster" "c" {\n  encryption_config {\n    resources = ["secrets"]\n  }\n}\n',
    ),
    "BST-AWS-045": (
        TF,
        'resource "aws_redshift_cluster" "c" {\n  cluster_identifier = "c"\n}\n',
        'resource "aws_redshift_cluster" "c" {\n  publicly_accessible = false\n}\n',
    ),
    "BST-AWS-046": (
        TF,
        'resource "aws_redshift_cluster" "c" {\n  encrypted = false\n}\n',
        'resource "aws_redshift_cluster" "c" {\n  encrypted = true\n}\n',
    ),
    "BST-AWS-047": (
        "template.yaml",
        "Resources:\n  Fs:\n    Type: AWS::EFS::FileSystem\n    Properties: {Encrypted: false}\n",
        "Resources:\n  Fs:\n    Type: AWS::EFS::FileSystem\n    Properties: {Encrypted: true}\n",
    ),
    "BST-AWS-048": (
        TF,
        'resource "aws_cloudfront_distribution" "d" {\n  default_cache_behavior {\n    viewer_protocol_policy = "allow-all"\n  }\n}\n',
        'resource "aws_cloudfront_distribution" "d" {\n  default_cache_behavior {\n    viewer_protocol_policy = "redirect-to-https"\n  }\n}\n',
    ),
    # -- Azure -----------------------------------------------------------------------------------------
    "BST-AZ-001": (
        TF,
        'resource "azurerm_storage_account" "s" {\n  https_traffic_only_enabled = false\n}\n',
        'resource "azurerm_storage_account" "s" {\n  https_traffic_only_enabled = true\n}\n',
    ),
    "BST-AZ-002": (
        TF,
        'resource "azurerm_storage_account" "s" {\n  min_tls_version = "TLS1_1"\n}\n',
        'resource "azurerm_storage_account" "s" {\n  min_tls_version = "TLS1_2"\n}\n',
    ),
    "BST-AZ-003": (
        TF,
        'resource "azurerm_storage_account" "s" {\n  name = "s"\n}\n',
        'resource "azurerm_storage_account" "s" {\n  allow_nested_items_to_be_public = false\n}\n',
    ),
    "BST-AZ-004": (
        TF,
        'resource "azurerm_storage_container" "c" {\n  container_access_type = "blob"\n}\n',
        'resource "azurerm_storage_container" "c" {\n  container_access_type = "private"\n}\n',
    ),
    "BST-AZ-005": (
        TF,
        'resource "azurerm_network_security_rule" "r" {\n  direction = "Inbound"\n  access = "Allow"\n  protocol = "Tcp"\n  destination_port_ranges = ["22", "443"]\n  source_address_prefix = "0.0.0.0/0"\n}\n',
        'resource "azurerm_network_security_rule" "r" {\n  direction = "Inbound"\n  access = "Deny"\n  protocol = "Tcp"\n  destination_port_range = "22"\n  source_address_prefix = "*"\n}\n',
    ),
    "BST-AZ-006": (
        TF,
        'resource "azurerm_network_security_group" "g" {\n  security_rule {\n    name = "rdp"\n    direction = "Inbound"\n    access = "Allow"\n    protocol = "*"\n    destination_port_range = "*"\n    source_address_prefix = "Internet"\n  }\n}\n',
        'resource "azurerm_network_security_group" "g" {\n  security_rule {\n    name = "rdp"\n    direction = "Inbound"\n    access = "Allow"\n    protocol = "*"\n    destination_port_range = "3389"\n    source_address_prefix = "10.0.0.0/8"\n  }\n}\n',
    ),
    "BST-AZ-007": (
        TF,
        'resource "azurerm_key_vault" "k" {\n  purge_protection_enabled = false\n}\n',
        'resource "azurerm_key_vault" "k" {\n  purge_protection_enabled = true\n}\n',
    ),
    "BST-AZ-008": (
        TF,
        'resource "azurerm_key_vault" "k" {\n  network_acls {\n    default_action = "Allow"\n    bypass = "AzureServices"\n  }\n}\n',
        'resource "azurerm_key_vault" "k" {\n  network_acls {\n    default_action = "Deny"\n    bypass = "AzureServices"\n  }\n}\n',
    ),
    "BST-AZ-009": (
        TF,
        'resource "azurerm_mssql_server" "s" {\n  version = "12.0"\n}\n',
        'resource "azurerm_mssql_server" "s" {\n  public_network_access_enabled = false\n}\n',
    ),
    "BST-AZ-010": (
        TF,
        'resource "azurerm_postgresql_firewall_rule" "r" {\n  start_ip_address = "0.0.0.0"\n  end_ip_address = "255.255.255.255"\n}\n',
        'resource "azurerm_postgresql_firewall_rule" "r" {\n  start_ip_address = "0.0.0.0"\n  end_ip_address = "0.0.0.0"\n}\n',
    ),
    "BST-AZ-011": (
        TF,
        'resource "azurerm_kubernetes_cluster" "k" {\n  role_based_access_control_enabled = false\n}\n',
        'resource "azurerm_kubernetes_cluster" "k" {\n  role_based_access_control_enabled = true\n}\n',
    ),
    "BST-AZ-012": (
        TF,
        'resource "azurerm_windows_web_app" "w" {\n  https_only = false\n}\n',
        'resource "azurerm_windows_web_app" "w" {\n  https_only = true\n}\n',
    ),
    "BST-AZ-013": (
        TF,
        'resource "azurerm_virtual_machine" "v" {\n  os_profile_linux_config {\n    disable_password_authentication = false\n  }\n}\n',
        'resource "azurerm_virtual_machine" "v" {\n  os_profile_linux_config {\n    disable_password_authentication = true\n  }\n}\n',
    ),
    "BST-AZ-014": (
        TF,
        'resource "azurerm_storage_account" "s" {\n  network_rules {\n    default_action = "Allow"\n  }\n}\n',
        'resource "azurerm_storage_account" "s" {\n  network_rules {\n    default_action = "Deny"\n  }\n}\n',
    ),
    # -- GCP -------------------------------------------------------------------------------------------
    "BST-GCP-001": (
        TF,
        'resource "google_storage_bucket_iam_binding" "b" {\n  role = "roles/storage.objectViewer"\n  members = ["user:a@example.com", "allAuthenticatedUsers"]\n}\n',
        'resource "google_storage_bucket_iam_binding" "b" {\n  role = "roles/storage.objectViewer"\n  members = ["user:a@example.com"]\n}\n',
    ),
    "BST-GCP-002": (
        TF,
        'resource "google_storage_bucket" "b" {\n  uniform_bucket_level_access = false\n}\n',
        'resource "google_storage_bucket" "b" {\n  uniform_bucket_level_access = true\n}\n',
    ),
    "BST-GCP-003": (
        TF,
        'resource "google_container_cluster" "c" {\n  enable_legacy_abac = true\n}\n',
        'resource "google_container_cluster" "c" {\n  enable_legacy_abac = false\n}\n',
    ),
    "BST-GCP-004": (
        TF,
        'resource "google_container_cluster" "c" {\n  private_cluster_config {\n    enable_private_nodes = false\n  }\n}\n',
        'resource "google_container_cluster" "c" {\n  private_cluster_config {\n    enable_private_nodes = true\n  }\n}\n',
    ),
    "BST-GCP-005": (
        TF,
        'resource "google_container_cluster" "c" {\n  master_auth {\n    client_certificate_config {\n      issue_client_certificate = true\n    }\n  }\n}\n',
        'resource "google_container_cluster" "c" {\n  master_auth {\n    client_certificate_config {\n      issue_client_certificate = false\n    }\n  }\n}\n',
    ),
    "BST-GCP-006": (
        TF,
        'resource "google_container_cluster" "c" {\n  name = "c"\n}\n',
        'resource "google_container_cluster" "c" {\n  datapath_provider = "ADVANCED_DATAPATH"\n}\n',
    ),
    "BST-GCP-007": (
        TF,
        'resource "google_sql_database_instance" "d" {\n  settings {\n    tier = "x"\n  }\n}\n',
        'resource "google_sql_database_instance" "d" {\n  settings {\n    ip_configuration {\n      ipv4_enabled = false\n    }\n  }\n}\n',
    ),
    "BST-GCP-008": (
        TF,
        'resource "google_sql_database_instance" "d" {\n  settings {\n    ip_configuration {\n      require_ssl = false\n    }\n  }\n}\n',
        'resource "google_sql_database_instance" "d" {\n  settings {\n    ip_configuration {\n      require_ssl = true\n    }\n  }\n}\n',
    ),
    "BST-GCP-009": (
        TF,
        'resource "google_sql_database_instance" "d" {\n  settings {\n    ip_configuration {\n      authorized_networks {\n        value = "0.0.0.0/0"\n      }\n    }\n  }\n}\n',
        'resource "google_sql_database_instance" "d" {\n  settings {\n    ip_configuration {\n      authorized_networks {\n        value = "203.0.113.0/24"\n      }\n    }\n  }\n}\n',
    ),
    "BST-GCP-010": (
        TF,
        'resource "google_compute_firewall" "f" {\n  source_ranges = ["0.0.0.0/0"]\n  allow {\n    protocol = "tcp"\n    ports = ["20-30"]\n  }\n}\n',
        'resource "google_compute_firewall" "f" {\n  source_ranges = ["0.0.0.0/0"]\n  allow {\n    protocol = "tcp"\n    ports = ["443"]\n  }\n}\n',
    ),
    "BST-GCP-011": (
        TF,
        'resource "google_compute_firewall" "f" {\n  source_ranges = ["0.0.0.0/0"]\n  allow {\n    protocol = "all"\n  }\n}\n',
        'resource "google_compute_firewall" "f" {\n  direction = "EGRESS"\n  source_ranges = ["0.0.0.0/0"]\n  allow {\n    protocol = "all"\n  }\n}\n',
    ),
    "BST-GCP-012": (
        TF,
        'resource "google_compute_instance" "i" {\n  network_interface {\n    network = "default"\n    access_config {\n    }\n  }\n}\n',
        'resource "google_compute_instance" "i" {\n  network_interface {\n    network = "default"\n  }\n}\n',
    ),
    "BST-GCP-013": (
        TF,
        'resource "google_compute_instance" "i" {\n  metadata = {\n    serial-port-enable = true\n  }\n}\n',
        'resource "google_compute_instance" "i" {\n  metadata = {\n    serial-port-enable = false\n  }\n}\n',
    ),
    "BST-GCP-014": (
        TF,
        'resource "google_project_iam_binding" "b" {\n  role = "roles/editor"\n  members = ["user:a@example.com"]\n}\n',
        'resource "google_project_iam_binding" "b" {\n  role = "roles/viewer"\n  members = ["user:a@example.com"]\n}\n',
    ),
    "BST-GCP-015": (
        TF,
        'resource "google_kms_crypto_key" "k" {\n  rotation_period = "31536000s"\n}\n',
        'resource "google_kms_crypto_key" "k" {\n  rotation_period = "2592000s"\n}\n',
    ),
    "BST-GCP-016": (
        TF,
        'resource "google_compute_instance_template" "t" {\n  metadata = {\n    block-project-ssh-keys = false\n  }\n}\n',
        'resource "google_compute_instance_template" "t" {\n  metadata = {\n    block-project-ssh-keys = true\n  }\n}\n',
    ),
    "BST-AWS-049": (
        TF,
        'resource "aws_db_instance" "d" {\n  monitoring_interval = 0\n}\n',
        'resource "aws_db_instance" "d" {\n  monitoring_interval = 60\n}\n',
    ),
    "BST-AWS-050": (
        "template.yaml",
        "Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties: {Engine: mysql}\n",
        "Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties: {Engine: mysql, MultiAZ: true}\n",
    ),
    "BST-AWS-051": (
        TF,
        'resource "aws_cloudtrail" "t" {\n  name = "t"\n}\n',
        'resource "aws_cloudtrail" "t" {\n  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.t.arn}:*"\n}\n',
    ),
    "BST-AWS-052": (
        TF,
        'resource "aws_ecr_repository" "r" {\n  name = "r"\n}\n',
        'resource "aws_ecr_repository" "r" {\n  encryption_configuration {\n    encryption_type = "KMS"\n  }\n}\n',
    ),
    "BST-AWS-053": (
        TF,
        'resource "aws_instance" "i" {\n  monitoring = false\n}\n',
        'resource "aws_instance" "i" {\n  monitoring = true\n}\n',
    ),
    "BST-AWS-054": (
        TF,
        'resource "aws_lambda_function" "f" {\n  tracing_config {\n    mode = "PassThrough"\n  }\n}\n',
        'resource "aws_lambda_function" "f" {\n  tracing_config {\n    mode = "Active"\n  }\n}\n',
    ),
    "BST-AWS-055": (
        TF,
        'resource "aws_security_group_rule" "e" {\n  type = "egress"\n  protocol = "-1"\n  from_port = 0\n  to_port = 0\n  cidr_blocks = ["0.0.0.0/0"]\n}\n',
        'resource "aws_security_group_rule" "e" {\n  type = "egress"\n  protocol = "tcp"\n  from_port = 443\n  to_port = 443\n  cidr_blocks = ["0.0.0.0/0"]\n}\n',
    ),
    "BST-AWS-056": (
        TF,
        'resource "aws_dynamodb_table" "t" {\n  server_side_encryption {\n    enabled = true\n  }\n}\n',
        'resource "aws_dynamodb_table" "t" {\n  server_side_encryption {\n    enabled = true\n    kms_key_arn = aws_kms_key.k.arn\n  }\n}\n',
    ),
    "BST-AWS-057": (
        TF,
        'resource "aws_ebs_volume" "v" {\n  encrypted = true\n}\n',
        'resource "aws_ebs_volume" "v" {\n  encrypted = true\n  kms_key_id = aws_kms_key.k.arn\n}\n',
    ),
    "BST-AWS-058": (
        TF,
        'resource "aws_lambda_function" "f" {\n  function_name = "f"\n}\n',
        'resource "aws_lambda_function" "f" {\n  dead_letter_config {\n    target_arn = aws_sqs_queue.dlq.arn\n  }\n}\n',
    ),
    "BST-AZ-015": (
        TF,
        'resource "azurerm_key_vault" "k" {\n  public_network_access_enabled = true\n}\n',
        'resource "azurerm_key_vault" "k" {\n  public_network_access_enabled = false\n}\n',
    ),
    "BST-AZ-016": (
        TF,
        'resource "azurerm_kubernetes_cluster" "k" {\n  private_cluster_enabled = false\n}\n',
        'resource "azurerm_kubernetes_cluster" "k" {\n  api_server_access_profile {\n    authorized_ip_ranges = ["203.0.113.0/24"]\n  }\n}\n',
    ),
    "BST-AZ-017": (
        TF,
        'resource "azurerm_kubernetes_cluster" "k" {\n  network_profile {\n    network_plugin = "azure"\n  }\n}\n',
        'resource "azurerm_kubernetes_cluster" "k" {\n  network_profile {\n    network_plugin = "azure"\n    network_policy = "azure"\n  }\n}\n',
    ),
    "BST-AZ-018": (
        TF,
        'resource "azurerm_kubernetes_cluster" "k" {\n  local_account_disabled = false\n}\n',
        'resource "azurerm_kubernetes_cluster" "k" {\n  local_account_disabled = true\n}\n',
    ),
    "BST-AZ-019": (
        TF,
        'resource "azurerm_linux_web_app" "w" {\n  site_config {\n    ftps_state = "AllAllowed"\n  }\n}\n',
        'resource "azurerm_linux_web_app" "w" {\n  site_config {\n    ftps_state = "Disabled"\n  }\n}\n',
    ),
    "BST-AZ-020": (
        TF,
        'resource "azurerm_mssql_server" "s" {\n  minimum_tls_version = "1.0"\n}\n',
        'resource "azurerm_mssql_server" "s" {\n  minimum_tls_version = "1.2"\n}\n',
    ),
    "BST-AZ-021": (
        TF,
        'resource "azurerm_storage_account" "s" {\n  public_network_access_enabled = true\n}\n',
        'resource "azurerm_storage_account" "s" {\n  public_network_access_enabled = false\n}\n',
    ),
    "BST-GCP-017": (
        TF,
        'resource "google_container_cluster" "c" {\n  name = "c"\n}\n',
        'resource "google_container_cluster" "c" {\n  master_authorized_networks_config {\n    cidr_blocks {\n      cidr_block = "203.0.113.0/24"\n    }\n  }\n}\n',
    ),
    "BST-GCP-018": (
        TF,
        'resource "google_container_node_pool" "p" {\n  node_config {\n    workload_metadata_config {\n      mode = "GCE_METADATA"\n    }\n  }\n}\n',
        'resource "google_container_node_pool" "p" {\n  node_config {\n    workload_metadata_config {\n      mode = "GKE_METADATA"\n    }\n  }\n}\n',
    ),
    "BST-GCP-019": (
        TF,
        'resource "google_compute_instance" "i" {\n  name = "i"\n}\n',
        'resource "google_compute_instance" "i" {\n  shielded_instance_config {\n    enable_secure_boot = true\n  }\n}\n',
    ),
    "BST-GCP-020": (
        TF,
        'resource "google_sql_database_instance" "d" {\n  settings {\n    backup_configuration {\n      enabled = false\n    }\n  }\n}\n',
        'resource "google_sql_database_instance" "d" {\n  settings {\n    backup_configuration {\n      enabled = true\n    }\n  }\n}\n',
    ),
    "BST-GCP-021": (
        TF,
        'resource "google_storage_bucket" "b" {\n  public_access_prevention = "inherited"\n}\n',
        'resource "google_storage_bucket" "b" {\n  public_access_prevention = "enforced"\n}\n',
    ),
    "BST-GCP-022": (
        TF,
        'resource "google_storage_bucket" "b" {\n  name = "b"\n}\n',
        'resource "google_storage_bucket" "b" {\n  versioning {\n    enabled = true\n  }\n}\n',
    ),
    "BST-GCP-023": (
        TF,
        'resource "google_storage_bucket" "b" {\n  name = "b"\n}\n',
        'resource "google_storage_bucket" "b" {\n  logging {\n    log_bucket = "audit-logs"\n  }\n}\n',
    ),
    "BST-DF-027": (
        D,
        "FROM debian:12\nRUN curl -fsSk https://x.example/a.tgz -o /tmp/a.tgz\n",
        "FROM debian:12\nRUN curl -fsS https://x.example/a.tgz -o /tmp/a.tgz\n",
    ),
    "BST-TF-001": (
        TF,
        'module "m" {\n  source = "git::https://example.com/mods.git//vpc"\n}\nmodule "r" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n',
        'module "m" {\n  source = "git::https://example.com/mods.git//vpc?ref=v1.2.0"\n}\nmodule "r" {\n  source = "terraform-aws-modules/vpc/aws"\n  version = "5.8.1"\n}\nmodule "l" {\n  source = "./modules/x"\n}\n',
    ),
}
