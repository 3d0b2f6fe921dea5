"""Kubernetes check logic. Metadata (ids, titles, compliance) lives in ``kubernetes.yaml``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bastion.detectors.misconfig.base import Path, Project, Resource, Violation
from bastion.detectors.misconfig.kubernetes import (
    CLUSTER_SCOPED,
    WORKLOADS,
    container_name,
    containers,
    pod_metadata,
    pod_spec,
)

Found = Iterator[Violation]

RUNTIME_SOCKETS = (
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
)
DANGEROUS_CAPS = frozenset(
    {
        "ALL",
        "SYS_ADMIN",
        "NET_ADMIN",
        "SYS_PTRACE",
        "SYS_MODULE",
        "SYS_RAWIO",
        "BPF",
        "PERFMON",
        "DAC_READ_SEARCH",
        "SYS_BOOT",
    }
)
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})
BATCH = frozenset({"Job", "CronJob"})


def _sc(c: dict[str, Any]) -> dict[str, Any]:
    sc = c.get("securityContext")
    return sc if isinstance(sc, dict) else {}


def _pod_sc(res: Resource) -> tuple[Path, dict[str, Any]]:
    found = pod_spec(res)
    if not found:
        return (), {}
    path, spec = found
    sc = spec.get("securityContext")
    return (*path, "securityContext"), sc if isinstance(sc, dict) else {}


def _effective(res: Resource, cpath: Path, c: dict[str, Any], key: str) -> tuple[Path, Any]:
    """Container securityContext value, falling back to the pod's (runAsUser, runAsNonRoot, …)."""
    sc = _sc(c)
    if key in sc:
        return (*cpath, "securityContext", key), sc[key]
    ppath, psc = _pod_sc(res)
    if key in psc:
        return (*ppath, key), psc[key]
    return (*cpath, "securityContext"), None


def _true(v: Any) -> bool:
    return v is True or (isinstance(v, str) and v.lower() == "true")


def _false(v: Any) -> bool:
    return v is False or (isinstance(v, str) and v.lower() == "false")


def _spec_flag(res: Resource, key: str) -> Found:
    found = pod_spec(res)
    if found and _true(found[1].get(key)):
        yield Violation(f"{key} is true", path=(*found[0], key), value=True)


def privileged(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        if _true(_sc(c).get("privileged")):
            yield Violation(
                f"container '{container_name(c)}' runs privileged",
                (*path, "securityContext", "privileged"),
                True,
            )


def host_pid(res: Resource, project: Project) -> Found:
    yield from _spec_flag(res, "hostPID")


def host_ipc(res: Resource, project: Project) -> Found:
    yield from _spec_flag(res, "hostIPC")


def host_network(res: Resource, project: Project) -> Found:
    yield from _spec_flag(res, "hostNetwork")


def _volumes(res: Resource) -> Iterator[tuple[Path, dict[str, Any]]]:
    found = pod_spec(res)
    if not found:
        return
    vols = found[1].get("volumes")
    for i, v in enumerate(vols if isinstance(vols, list) else ()):
        if isinstance(v, dict):
            yield (*found[0], "volumes", i), v


def host_path(res: Resource, project: Project) -> Found:
    for path, v in _volumes(res):
        hp = v.get("hostPath")
        if isinstance(hp, dict):
            yield Violation(
                f"volume '{v.get('name')}' mounts host path {hp.get('path')}",
                (*path, "hostPath"),
                hp.get("path"),
            )


def runtime_socket(res: Resource, project: Project) -> Found:
    for path, v in _volumes(res):
        hp = v.get("hostPath")
        if isinstance(hp, dict) and str(hp.get("path", "")).rstrip("/") in RUNTIME_SOCKETS:
            yield Violation(
                f"volume '{v.get('name')}' mounts the container runtime socket",
                (*path, "hostPath", "path"),
                hp.get("path"),
            )


def host_port(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        for i, p in enumerate(c.get("ports") or ()):
            if isinstance(p, dict) and p.get("hostPort") not in (None, 0, "0"):
                yield Violation(
                    f"container '{container_name(c)}' binds host port {p['hostPort']}",
                    (*path, "ports", i, "hostPort"),
                    p["hostPort"],
                )


def _caps(c: dict[str, Any], which: str) -> list[str]:
    caps = _sc(c).get("capabilities")
    got = caps.get(which) if isinstance(caps, dict) else None
    return [str(x).upper().removeprefix("CAP_") for x in got] if isinstance(got, list) else []


def added_caps(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        extra = [x for x in _caps(c, "add") if x != "NET_BIND_SERVICE"]
        if extra:
            yield Violation(
                f"container '{container_name(c)}' adds capabilities {', '.join(extra)}",
                (*path, "securityContext", "capabilities", "add"),
                extra,
            )


def drop_all(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        if "ALL" not in _caps(c, "drop"):
            yield Violation(
                f"container '{container_name(c)}' does not drop ALL capabilities",
                (*path, "securityContext"),
                _caps(c, "drop") or None,
            )


def dangerous_caps(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        bad = [x for x in _caps(c, "add") if x in DANGEROUS_CAPS]
        if bad:
            yield Violation(
                f"container '{container_name(c)}' adds {', '.join(bad)}",
                (*path, "securityContext", "capabilities", "add"),
                bad,
            )


def run_as_non_root(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        p1, non_root = _effective(res, path, c, "runAsNonRoot")
        _, user = _effective(res, path, c, "runAsUser")
        if _true(non_root) or (isinstance(user, int) and user > 0):
            continue
        yield Violation(
            f"container '{container_name(c)}' may run as root (runAsNonRoot not true)", p1, non_root
        )


def run_as_root_user(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        p, user = _effective(res, path, c, "runAsUser")
        if user == 0 or user == "0":
            yield Violation(f"container '{container_name(c)}' runs as UID 0", p, 0)


def low_uid(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        p, user = _effective(res, path, c, "runAsUser")
        if not (isinstance(user, int) and user >= 10000):
            yield Violation(f"container '{container_name(c)}' does not run with a UID >= 10000", p, user)


def root_group(res: Resource, project: Project) -> Found:
    ppath, psc = _pod_sc(res)
    for key in ("runAsGroup", "fsGroup", "supplementalGroups"):
        v = psc.get(key)
        if v == 0 or (isinstance(v, list) and 0 in v):
            yield Violation(f"pod {key} includes GID 0", (*ppath, key), v)
    for path, c in containers(res):
        if _sc(c).get("runAsGroup") == 0:
            yield Violation(
                f"container '{container_name(c)}' runs with GID 0",
                (*path, "securityContext", "runAsGroup"),
                0,
            )


def privilege_escalation(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        v = _sc(c).get("allowPrivilegeEscalation")
        if not _false(v):
            yield Violation(
                f"container '{container_name(c)}' allows privilege escalation",
                (*path, "securityContext", "allowPrivilegeEscalation"),
                v,
            )


def read_only_root(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        v = _sc(c).get("readOnlyRootFilesystem")
        if not _true(v):
            yield Violation(
                f"container '{container_name(c)}' has a writable root filesystem",
                (*path, "securityContext", "readOnlyRootFilesystem"),
                v,
            )


def _seccomp_annotation(res: Resource, cname: str) -> str | None:
    _, meta = pod_metadata(res)
    raw = meta.get("annotations")
    ann: dict[str, Any] = raw if isinstance(raw, dict) else {}
    got = ann.get(f"container.seccomp.security.alpha.kubernetes.io/{cname}") or ann.get(
        "seccomp.security.alpha.kubernetes.io/pod"
    )
    return str(got) if got else None


def seccomp(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        p, prof = _effective(res, path, c, "seccompProfile")
        kind = prof.get("type") if isinstance(prof, dict) else None
        if kind in ("RuntimeDefault", "Localhost"):
            continue
        ann = _seccomp_annotation(res, container_name(c))
        if (kind is None and ann in ("runtime/default", "docker/default")) or (ann or "").startswith(
            "localhost/"
        ):
            continue
        yield Violation(
            f"container '{container_name(c)}' has seccomp profile {kind or ann or 'unset'}", p, kind or ann
        )


def apparmor(res: Resource, project: Project) -> Found:
    meta_path, meta = pod_metadata(res)
    raw = meta.get("annotations")
    ann: dict[str, Any] = raw if isinstance(raw, dict) else {}
    for key, value in ann.items():
        if (
            str(key).startswith("container.apparmor.security.beta.kubernetes.io/")
            and str(value) == "unconfined"
        ):
            yield Violation(
                f"AppArmor disabled for container '{str(key).rsplit('/', 1)[1]}'",
                (*meta_path, "annotations", key),
                value,
            )
    ppath, psc = _pod_sc(res)
    prof = psc.get("appArmorProfile")
    if isinstance(prof, dict) and prof.get("type") == "Unconfined":
        yield Violation(
            "pod AppArmor profile is Unconfined", (*ppath, "appArmorProfile", "type"), "Unconfined"
        )
    for path, c in containers(res):
        prof = _sc(c).get("appArmorProfile")
        if isinstance(prof, dict) and prof.get("type") == "Unconfined":
            yield Violation(
                f"container '{container_name(c)}' AppArmor profile is Unconfined",
                (*path, "securityContext", "appArmorProfile", "type"),
                "Unconfined",
            )


def _resource_field(which: str, kind: str) -> Any:
    def check(res: Resource, project: Project) -> Found:
        for path, c in containers(res, init=False):
            r = c.get("resources")
            section = r.get(which) if isinstance(r, dict) else None
            if not isinstance(section, dict) or section.get(kind) in (None, ""):
                yield Violation(
                    f"container '{container_name(c)}' has no {kind} {which[:-1] if which.endswith('s') else which}",
                    (*path, "resources"),
                    None,
                )

    return check


cpu_limits = _resource_field("limits", "cpu")
memory_limits = _resource_field("limits", "memory")
cpu_requests = _resource_field("requests", "cpu")
memory_requests = _resource_field("requests", "memory")


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference."""
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    tag = None
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        image, tag = image.rsplit(":", 1)
    return image, tag, digest


def latest_tag(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        image = c.get("image")
        if not isinstance(image, str):
            continue
        _, tag, digest = split_image(image)
        if digest is None and (tag is None or tag == "latest"):
            yield Violation(
                f"container '{container_name(c)}' uses image {image} without a fixed tag",
                (*path, "image"),
                image,
            )


def digest_pin(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        image = c.get("image")
        if isinstance(image, str) and "@sha256:" not in image:
            yield Violation(
                f"container '{container_name(c)}' image {image} is not pinned by digest",
                (*path, "image"),
                image,
            )


def pull_policy(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        image = c.get("image")
        if isinstance(image, str) and "@sha256:" in image:
            continue
        if c.get("imagePullPolicy") != "Always":
            yield Violation(
                f"container '{container_name(c)}' imagePullPolicy is {c.get('imagePullPolicy') or 'unset'}",
                (*path, "imagePullPolicy"),
                c.get("imagePullPolicy"),
            )


def automount_token(res: Resource, project: Project) -> Found:
    found = pod_spec(res)
    if found and not _false(found[1].get("automountServiceAccountToken")):
        yield Violation(
            "service account token is mounted automatically",
            (*found[0], "automountServiceAccountToken"),
            found[1].get("automountServiceAccountToken"),
        )


def default_service_account(res: Resource, project: Project) -> Found:
    found = pod_spec(res)
    if found:
        sa = found[1].get("serviceAccountName") or found[1].get("serviceAccount")
        if not sa or sa == "default":
            yield Violation(
                "pod uses the default service account", (*found[0], "serviceAccountName"), sa or None
            )


def proc_mount(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        if _sc(c).get("procMount") == "Unmasked":
            yield Violation(
                f"container '{container_name(c)}' uses an unmasked /proc",
                (*path, "securityContext", "procMount"),
                "Unmasked",
            )


def sysctls(res: Resource, project: Project) -> Found:
    ppath, psc = _pod_sc(res)
    for i, s in enumerate(psc.get("sysctls") or ()):
        if isinstance(s, dict) and s.get("name") not in SAFE_SYSCTLS:
            yield Violation(f"unsafe sysctl {s.get('name')}", (*ppath, "sysctls", i), s.get("name"))


def _probe(kind: str) -> Any:
    def check(res: Resource, project: Project) -> Found:
        if res.type in BATCH:
            return
        for path, c in containers(res, init=False):
            if not isinstance(c.get(kind), dict):
                yield Violation(f"container '{container_name(c)}' has no {kind}", path, None)

    return check


liveness = _probe("livenessProbe")
readiness = _probe("readinessProbe")


def default_namespace(res: Resource, project: Project) -> Found:
    if res.type in CLUSTER_SCOPED or res.type.endswith("List"):
        return
    ns = res.meta.get("namespace")
    if ns in (None, "", "default"):
        yield Violation(
            "object is in the default namespace",
            ("metadata", "namespace") if ns else ("metadata",),
            ns or None,
        )


def kube_system(res: Resource, project: Project) -> Found:
    if res.meta.get("namespace") == "kube-system":
        yield Violation("workload runs in kube-system", ("metadata", "namespace"), "kube-system")


def selinux(res: Resource, project: Project) -> Found:
    ppath, psc = _pod_sc(res)
    cands: list[tuple[Path, Any]] = [((*ppath, "seLinuxOptions"), psc.get("seLinuxOptions"))]
    cands += [
        ((*p, "securityContext", "seLinuxOptions"), _sc(c).get("seLinuxOptions")) for p, c in containers(res)
    ]
    for path, opts in cands:
        if not isinstance(opts, dict):
            continue
        if str(opts.get("type") or "") not in SELINUX_TYPES or opts.get("user") or opts.get("role"):
            yield Violation("custom SELinux options", path, opts)


def secret_env(res: Resource, project: Project) -> Found:
    for path, c in containers(res):
        for i, e in enumerate(c.get("env") or ()):
            vf = e.get("valueFrom") if isinstance(e, dict) else None
            if isinstance(vf, dict) and "secretKeyRef" in vf:
                yield Violation(
                    f"container '{container_name(c)}' reads secret into env {e.get('name')}",
                    (*path, "env", i),
                    e.get("name"),
                )
        for i, e in enumerate(c.get("envFrom") or ()):
            if isinstance(e, dict) and "secretRef" in e:
                yield Violation(
                    f"container '{container_name(c)}' loads a secret as env",
                    (*path, "envFrom", i),
                    (e.get("secretRef") or {}).get("name"),
                )


def host_process(res: Resource, project: Project) -> Found:
    ppath, psc = _pod_sc(res)
    wo = psc.get("windowsOptions")
    if isinstance(wo, dict) and _true(wo.get("hostProcess")):
        yield Violation("pod runs as a Windows HostProcess", (*ppath, "windowsOptions", "hostProcess"), True)
    for path, c in containers(res):
        wo = _sc(c).get("windowsOptions")
        if isinstance(wo, dict) and _true(wo.get("hostProcess")):
            yield Violation(
                f"container '{container_name(c)}' is a Windows HostProcess",
                (*path, "securityContext", "windowsOptions", "hostProcess"),
                True,
            )


def share_process_namespace(res: Resource, project: Project) -> Found:
    yield from _spec_flag(res, "shareProcessNamespace")


def node_port(res: Resource, project: Project) -> Found:
    if res.get("spec", "type") == "NodePort":
        yield Violation("Service is exposed on every node (NodePort)", ("spec", "type"), "NodePort")


def load_balancer(res: Resource, project: Project) -> Found:
    if res.get("spec", "type") == "LoadBalancer" and not res.get("spec", "loadBalancerSourceRanges"):
        yield Violation(
            "LoadBalancer Service accepts traffic from any address", ("spec", "type"), "LoadBalancer"
        )


def external_ips(res: Resource, project: Project) -> Found:
    ips = res.get("spec", "externalIPs")
    if isinstance(ips, list) and ips:
        yield Violation("Service sets externalIPs", ("spec", "externalIPs"), ips)


# -- RBAC ----------------------------------------------------------------------------------------------


def _rules(res: Resource) -> Iterator[tuple[Path, set[str], set[str], set[str]]]:
    for i, r in enumerate(res.get("rules") or ()):
        if isinstance(r, dict):
            verbs = {str(v).lower() for v in r.get("verbs") or ()}
            resources = {str(v).lower() for v in r.get("resources") or ()}
            groups = {str(v) for v in r.get("apiGroups") or ()}
            yield ("rules", i), verbs, resources, groups


def wildcard_verbs(res: Resource, project: Project) -> Found:
    for path, verbs, _, _ in _rules(res):
        if "*" in verbs:
            yield Violation("rule grants every verb (*)", (*path, "verbs"), "*")


def wildcard_resources(res: Resource, project: Project) -> Found:
    for path, _, resources, _ in _rules(res):
        if "*" in resources:
            yield Violation("rule grants every resource (*)", (*path, "resources"), "*")


def secrets_access(res: Resource, project: Project) -> Found:
    for path, verbs, resources, _ in _rules(res):
        if resources & {"secrets", "*"} and verbs & {"get", "list", "watch", "*"}:
            yield Violation(
                f"rule can read secrets ({', '.join(sorted(verbs & {'get', 'list', 'watch', '*'}))})",
                path,
                sorted(verbs),
            )


def cluster_admin_binding(res: Resource, project: Project) -> Found:
    ref = res.get("roleRef")
    if (
        isinstance(ref, dict)
        and ref.get("name") == "cluster-admin"
        and ref.get("kind", "ClusterRole") == "ClusterRole"
    ):
        yield Violation("binding grants cluster-admin", ("roleRef", "name"), "cluster-admin")


def _granted(have: set[str], wanted: set[str]) -> set[str]:
    """The wanted verbs/resources a rule grants, ``*`` granting all of them."""
    return set(wanted) if "*" in have else have & wanted


def exec_attach(res: Resource, project: Project) -> Found:
    for path, verbs, resources, _ in _rules(res):
        hit = _granted(resources, {"pods/exec", "pods/attach", "pods/portforward"})
        if hit and _granted(verbs, {"create", "get"}):
            yield Violation(f"rule allows {', '.join(sorted(hit))}", path, sorted(hit))


WORKLOAD_RESOURCES = frozenset(
    {
        "pods",
        "deployments",
        "daemonsets",
        "statefulsets",
        "replicasets",
        "jobs",
        "cronjobs",
        "replicationcontrollers",
    }
)


def create_pods(res: Resource, project: Project) -> Found:
    for path, verbs, resources, _ in _rules(res):
        hit = _granted(resources, set(WORKLOAD_RESOURCES))
        if hit and _granted(verbs, {"create"}):
            yield Violation(f"rule can create workloads ({', '.join(sorted(hit))})", path, sorted(hit))


def escalate_verbs(res: Resource, project: Project) -> Found:
    for path, verbs, _, _ in _rules(res):
        hit = _granted(verbs, {"escalate", "bind", "impersonate"})
        if hit:
            yield Violation(f"rule grants {', '.join(sorted(hit))}", (*path, "verbs"), sorted(hit))


def webhook_control(res: Resource, project: Project) -> Found:
    for path, verbs, resources, _ in _rules(res):
        hit = _granted(resources, {"validatingwebhookconfigurations", "mutatingwebhookconfigurations"})
        if hit and _granted(verbs, {"create", "update", "patch", "delete"}):
            yield Violation(f"rule can modify {', '.join(sorted(hit))}", path, sorted(hit))


def csr_approval(res: Resource, project: Project) -> Found:
    for path, verbs, resources, _ in _rules(res):
        if _granted(resources, {"certificatesigningrequests/approval"}) and _granted(
            verbs, {"update", "patch"}
        ):
            yield Violation(
                "rule can approve certificate signing requests", path, "certificatesigningrequests/approval"
            )


def token_create(res: Resource, project: Project) -> Found:
    for path, verbs, resources, _ in _rules(res):
        if _granted(resources, {"serviceaccounts/token"}) and _granted(verbs, {"create"}):
            yield Violation("rule can mint service account tokens", path, "serviceaccounts/token")


def anonymous_binding(res: Resource, project: Project) -> Found:
    for i, s in enumerate(res.get("subjects") or ()):
        if isinstance(s, dict) and s.get("name") in (
            "system:anonymous",
            "system:unauthenticated",
            "system:authenticated",
        ):
            yield Violation(f"binding grants {s.get('name')}", ("subjects", i, "name"), s.get("name"))


def ingress_tls(res: Resource, project: Project) -> Found:
    if not res.get("spec", "tls"):
        yield Violation("Ingress serves plain HTTP (no tls section)", ("spec",), None)


def namespace_network_policy(res: Resource, project: Project) -> Found:
    """Reported on the Namespace object: no NetworkPolicy anywhere in the scan selects it."""
    covered = {p.meta.get("namespace") or "default" for p in project.of_type("kubernetes", "NetworkPolicy")}
    if res.name not in covered:
        yield Violation(f"namespace '{res.name}' has no NetworkPolicy", ("metadata", "name"), res.name)


def workload_namespace_network_policy(res: Resource, project: Project) -> Found:
    """Namespaces only referenced by workloads (no Namespace object in the scan)."""
    ns = res.meta.get("namespace")
    if not ns or ns in ("kube-system",):
        return
    declared = {n.name for n in project.of_type("kubernetes", "Namespace")}
    if ns in declared:
        return
    covered = {p.meta.get("namespace") or "default" for p in project.of_type("kubernetes", "NetworkPolicy")}
    if ns in covered:
        return
    first = min(
        (r for r in project.of_type("kubernetes", *sorted(WORKLOADS)) if r.meta.get("namespace") == ns),
        key=lambda r: (r.path, r.line or 0),
    )
    if first is res:
        yield Violation(f"namespace '{ns}' has no NetworkPolicy", ("metadata", "namespace"), ns)
