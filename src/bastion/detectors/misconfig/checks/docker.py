"""Dockerfile, image-config and compose check logic. Metadata lives in ``docker.yaml``."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from typing import Any

from bastion.detectors.misconfig.base import Project, Resource, Violation
from bastion.detectors.misconfig.checks.k8s import split_image

Found = Iterator[Violation]

SECRET_NAME = re.compile(
    r"(?i)(^|_)(password|passwd|pwd|secret|token|api_?key|access_?key|private_?key|credentials?|auth)($|_)"
)
_NOT_SECRET = re.compile(
    r"(?i)(_file|_path|_dir|_url|_host|_user(name)?|_name|_id|_length|_ttl|_timeout|_param(eter)?|_arn)$"
)
PIPE_TO_SHELL = re.compile(
    r"\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(-?\s*)?(ba|z|da|k|fi)?sh\b|\b(ba|z)?sh\s+-c\s+[\"']?\$\((curl|wget)\b|\b(ba)?sh\s+<\(\s*(curl|wget)\b"
)
URL = re.compile(r"^(https?|ftp)://", re.I)
ARCHIVE = re.compile(r"\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$", re.I)
DB_PORTS = {
    3306: "MySQL",
    5432: "PostgreSQL",
    1433: "SQL Server",
    27017: "MongoDB",
    6379: "Redis",
    9200: "Elasticsearch",
    5984: "CouchDB",
    11211: "memcached",
    9042: "Cassandra",
    2379: "etcd",
    22: "SSH",
    3389: "RDP",
    2375: "Docker API",
}
SENSITIVE_HOST_PATHS = (
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/boot",
    "/dev",
    "/root",
    "/var/run",
    "/run",
    "/var/lib/docker",
    "/lib/modules",
    "/usr",
)


def _ins(res: Resource) -> Iterator[tuple[int, dict[str, Any]]]:
    yield from enumerate(res.body.get("instructions") or ())


def _run_text(ins: dict[str, Any]) -> str:
    text = " ".join(ins["json"]) if ins.get("json") else str(ins.get("value", ""))
    if ins.get("heredocs"):
        text += "\n" + "\n".join(ins["heredocs"])
    return text


def _runs(res: Resource) -> Iterator[tuple[int, dict[str, Any], str]]:
    for i, ins in _ins(res):
        if ins["cmd"] == "RUN":
            yield i, ins, _run_text(ins)


def _commands(text: str) -> list[str]:
    """Shell commands of a RUN line, split on && ; || | and newlines."""
    return [c.strip() for c in re.split(r"&&|\|\||;|\n|\|", text) if c.strip()]


def _v(i: int, ins: dict[str, Any], message: str, value: Any = None) -> Violation:
    return Violation(
        message, ("instructions", i), value if value is not None else ins.get("raw") or ins.get("value")
    )


def _last_user(res: Resource) -> tuple[int, dict[str, Any]] | None:
    last = None
    for i, ins in _ins(res):
        if ins["cmd"] == "USER":
            last = (i, ins)
    return last


def _root_user(user: str) -> bool:
    name = user.strip().split(":", 1)[0]
    return name in ("root", "0", "")


# -- Dockerfile ------------------------------------------------------------------------------------


def no_user(res: Resource, project: Project) -> Found:
    if not res.meta.get("final"):
        return
    if _last_user(res) is None:
        yield Violation(
            "the final stage sets no USER, so the container runs as root", ("from",), res.body.get("from")
        )


def root_user(res: Resource, project: Project) -> Found:
    if not res.meta.get("final"):
        return
    last = _last_user(res)
    if last and _root_user(str(last[1].get("value", ""))):
        yield _v(last[0], last[1], "the last USER is root")


def secret_build_vars(res: Resource, project: Project) -> Found:
    """ARG/ENV named like a secret whose value is not a literal (a literal is the secrets detector's)."""
    for i, ins in _ins(res):
        if ins["cmd"] not in ("ARG", "ENV"):
            continue
        try:
            tokens = shlex.split(str(ins.get("value", "")))
        except ValueError:
            tokens = str(ins.get("value", "")).split()
        pairs = (
            [(tokens[0], " ".join(tokens[1:]))]
            if tokens and "=" not in tokens[0] and len(tokens) > 1
            else [(t.partition("=")[0], t.partition("=")[2]) for t in tokens]
        )
        for name, value in pairs:
            if (
                SECRET_NAME.search(name)
                and not _NOT_SECRET.search(name)
                and (not value or value.startswith("$"))
            ):
                yield _v(
                    i,
                    ins,
                    f"{ins['cmd']} {name} passes a secret through the build; it stays in the image history",
                    name,
                )


def add_remote(res: Resource, project: Project) -> Found:
    for i, ins in _ins(res):
        if ins["cmd"] == "ADD":
            srcs = ins["json"][:-1] if ins.get("json") else str(ins.get("value", "")).split()[:-1]
            for s in srcs:
                if URL.match(s) and "checksum" not in ins.get("flags", {}):
                    yield _v(i, ins, f"ADD downloads {s} without verification", s)


def add_instead_of_copy(res: Resource, project: Project) -> Found:
    for i, ins in _ins(res):
        if ins["cmd"] == "ADD" and not ins.get("heredocs"):
            srcs = ins["json"][:-1] if ins.get("json") else str(ins.get("value", "")).split()[:-1]
            if srcs and not any(URL.match(s) or ARCHIVE.search(s) for s in srcs):
                yield _v(i, ins, "ADD used for local files; COPY is explicit")


def pipe_to_shell(res: Resource, project: Project) -> Found:
    for i, ins, text in _runs(res):
        if PIPE_TO_SHELL.search(text):
            yield _v(i, ins, "downloads a script and pipes it into a shell")


def base_latest(res: Resource, project: Project) -> Found:
    image = str(res.body.get("from") or "")
    if not image or image.lower() == "scratch" or res.body.get("from_stage") or "$" in image:
        return
    _, tag, digest = split_image(image)
    if digest is None and (tag is None or tag == "latest"):
        yield Violation(f"base image {image} is not pinned to a version", ("from",), image)


def no_healthcheck(res: Resource, project: Project) -> Found:
    if not res.meta.get("final") or str(res.body.get("from") or "").lower() == "scratch":
        return
    if not any(ins["cmd"] == "HEALTHCHECK" for _, ins in _ins(res)):
        yield Violation("no HEALTHCHECK instruction", ("from",), None)


def _cmd_matches(text: str, tool: re.Pattern[str]) -> bool:
    return any(tool.search(c) for c in _commands(text))


_APT_INSTALL = re.compile(r"\bapt(-get)?\s+(-\S+\s+)*install\b")
_APK_ADD = re.compile(r"\bapk\s+(-\S+\s+)*add\b")
_PIP_INSTALL = re.compile(r"\bpip[0-9.]*\s+(-\S+\s+)*install\b")
_YUM_INSTALL = re.compile(r"\b(yum|dnf|microdnf)\s+(-\S+\s+)*install\b")
_ZYPPER_INSTALL = re.compile(r"\bzypper\s+(-\S+\s+)*(install|in)\b")


def apt_lists(res: Resource, project: Project) -> Found:
    for i, ins, text in _runs(res):
        if (
            _APT_INSTALL.search(text)
            and not re.search(r"rm\s+-r?f?r?\s+[^&;]*?/var/lib/apt/lists", text)
            and "--mount=type=cache" not in str(ins.get("flags", {}))
        ):
            if "mount" in ins.get("flags", {}) and "cache" in ins["flags"]["mount"]:
                continue
            yield _v(i, ins, "apt-get install without removing /var/lib/apt/lists")


def apk_cache(res: Resource, project: Project) -> Found:
    for i, ins, text in _runs(res):
        if (
            _APK_ADD.search(text)
            and "--no-cache" not in text
            and not re.search(r"rm\s+-r?f?r?\s+[^&;]*?/var/cache/apk", text)
        ):
            if "cache" in ins.get("flags", {}).get("mount", ""):
                continue
            yield _v(i, ins, "apk add without --no-cache")


def pip_cache(res: Resource, project: Project) -> Found:
    for i, ins, text in _runs(res):
        if _PIP_INSTALL.search(text) and "--no-cache-dir" not in text and "PIP_NO_CACHE_DIR" not in text:
            if "cache" in ins.get("flags", {}).get("mount", ""):
                continue
            if any(e["cmd"] == "ENV" and "PIP_NO_CACHE_DIR" in str(e.get("value")) for _, e in _ins(res)):
                continue
            yield _v(i, ins, "pip install without --no-cache-dir")


def yum_clean(res: Resource, project: Project) -> Found:
    for i, ins, text in _runs(res):
        if (
            _YUM_INSTALL.search(text)
            and not re.search(r"\b(yum|dnf|microdnf)\s+clean\s+all\b", text)
            and "/var/cache/yum" not in text
            and "/var/cache/dnf" not in text
        ) or (_ZYPPER_INSTALL.search(text) and not re.search(r"zypper\s+(clean|cc)\b", text)):
            if "cache" in ins.get("flags", {}).get("mount", ""):
                continue
            yield _v(i, ins, "package install without cleaning the package cache")


def sudo(res: Resource, project: Project) -> Found:
    for i, ins, text in _runs(res):
        if any(re.match(r"sudo\b", c) for c in _commands(text)):
            yield _v(i, ins, "RUN uses sudo")


def apt_upgrade(res: Resource, project: Project) -> Found:
    for i, ins, text in _runs(res):
        if (
            re.search(r"\b(apt-get|apt)\s+(-\S+\s+)*(upgrade|dist-upgrade|full-upgrade)\b", text)
            or re.search(r"\b(yum|dnf)\s+(-\S+\s+)*(upgrade|update)\s*(-y)?\s*($|&&|;)", text)
            or re.search(r"\bapk\s+(-\S+\s+)*upgrade\b", text)
        ):
            yield _v(i, ins, "upgrades every package in the image build")


def expose_ssh(res: Resource, project: Project) -> Found:
    for i, ins in _ins(res):
        if ins["cmd"] == "EXPOSE" and any(p.split("/")[0] == "22" for p in str(ins.get("value", "")).split()):
            yield _v(i, ins, "exposes port 22 (SSH)", "22")


def chmod_777(res: Resource, project: Project) -> Found:
    for i, ins, text in _runs(res):
        if re.search(r"\bchmod\s+(-\S+\s+)*(0?777|a\+rwx|ugo\+rwx|o\+w)\b", text):
            yield _v(i, ins, "chmod makes files world-writable")
    for i, ins in _ins(res):
        if ins["cmd"] in ("COPY", "ADD") and ins.get("flags", {}).get("chmod", "").lstrip("0") == "777":
            yield _v(i, ins, "COPY --chmod=777 makes files world-writable")


def copy_context(res: Resource, project: Project) -> Found:
    for i, ins in _ins(res):
        if ins["cmd"] in ("COPY", "ADD") and "from" not in ins.get("flags", {}):
            parts = ins["json"] if ins.get("json") else str(ins.get("value", "")).split()
            if len(parts) >= 2 and any(p in (".", "./", "*", "./*") for p in parts[:-1]):
                yield _v(
                    i,
                    ins,
                    "copies the whole build context (secrets such as .env or .git may slip in unless .dockerignore excludes them)",
                )


def multiple_cmd(res: Resource, project: Project) -> Found:
    for kind in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
        seen = [(i, ins) for i, ins in _ins(res) if ins["cmd"] == kind]
        for i, ins in seen[:-1]:
            yield _v(i, ins, f"{kind} is overridden by a later {kind} in the same stage")


def workdir_relative(res: Resource, project: Project) -> Found:
    for i, ins in _ins(res):
        value = str(ins.get("value", "")).strip().strip("\"'")
        if (
            ins["cmd"] == "WORKDIR"
            and not value.startswith(("/", "$"))
            and not re.match(r"^[A-Za-z]:[\\/]", value)
        ):
            yield _v(i, ins, f"WORKDIR {value} is relative", value)


def maintainer(res: Resource, project: Project) -> Found:
    for i, ins in _ins(res):
        if ins["cmd"] == "MAINTAINER":
            yield _v(i, ins, "MAINTAINER is deprecated; use a LABEL")


def no_install_recommends(res: Resource, project: Project) -> Found:
    for i, ins, text in _runs(res):
        for c in _commands(text):
            if (
                re.search(r"\bapt-get\s+(-\S+\s+)*install\b", c)
                and "--no-install-recommends" not in c
                and "APT::Install-Recommends" not in c
            ):
                yield _v(i, ins, "apt-get install without --no-install-recommends")
                break


def update_alone(res: Resource, project: Project) -> Found:
    for i, ins, text in _runs(res):
        cmds = _commands(text)
        has_update = any(re.search(r"\b(apt-get|apt|apk|yum|dnf)\s+(-\S+\s+)*update\b", c) for c in cmds)
        has_install = any(re.search(r"\b(install|add)\b", c) for c in cmds)
        if has_update and not has_install:
            yield _v(
                i,
                ins,
                "package index update in a RUN of its own (cached, so later installs use a stale index)",
            )


def cd_in_run(res: Resource, project: Project) -> Found:
    for i, ins, text in _runs(res):
        if ins.get("heredocs"):
            continue
        for c in _commands(text):
            if re.match(r"cd\s+/", c):
                yield _v(i, ins, "uses cd to change directory; use WORKDIR")
                break


def apt_interactive(res: Resource, project: Project) -> Found:
    for i, ins, text in _runs(res):
        if any(re.match(r"(sudo\s+)?apt\s", c) for c in _commands(text)):
            yield _v(i, ins, "uses apt, whose CLI is not stable for scripts; use apt-get")


def duplicate_alias(res: Resource, project: Project) -> Found:
    alias = res.body.get("alias")
    if not alias:
        return
    for other in project.same_module(res, "stage"):
        if (
            other is not res
            and other.body.get("alias") == alias
            and (other.meta.get("index") or 0) < (res.meta.get("index") or 0)
        ):
            yield Violation(f"stage name {alias} is used twice", ("from",), alias)
            return


def missing_yes(res: Resource, project: Project) -> Found:
    for i, ins, text in _runs(res):
        for c in _commands(text):
            if re.search(r"\b(apt-get|yum|dnf)\s+(-\S+\s+)*install\b", c) and not re.search(
                r"(\s-y\b|\s--yes\b|\s--assume-yes\b|\s-[a-z]*y[a-z]*\b)", c
            ):
                yield _v(i, ins, "package install without -y may hang the build")
                break


# -- image config ------------------------------------------------------------------------------------


def _history(res: Resource) -> Iterator[tuple[int, str]]:
    for i, h in enumerate(res.body.get("history") or ()):
        if isinstance(h, dict) and h.get("created_by"):
            yield i, str(h["created_by"])


def image_root(res: Resource, project: Project) -> Found:
    user = res.body.get("user") or ""
    if _root_user(str(user)):
        yield Violation(f"image runs as {user if user else 'root (no user set)'}", ("user",), user or None)


def image_secret_env(res: Resource, project: Project) -> Found:
    for i, e in enumerate(res.body.get("env") or ()):
        name = str(e).split("=", 1)[0]
        if SECRET_NAME.search(name) and not _NOT_SECRET.search(name):
            yield Violation(
                f"environment variable {name} looks like a secret baked into the image", ("env", i), name
            )


def image_healthcheck(res: Resource, project: Project) -> Found:
    hc = res.body.get("healthcheck")
    if not hc or (isinstance(hc, list) and hc and hc[0] == "NONE"):
        yield Violation("image defines no HEALTHCHECK", ("healthcheck",), None)


def image_pipe_shell(res: Resource, project: Project) -> Found:
    for i, text in _history(res):
        if PIPE_TO_SHELL.search(text):
            yield Violation(
                "a layer was built by piping a download into a shell",
                ("history", i, "created_by"),
                text[:200],
            )


def image_add_remote(res: Resource, project: Project) -> Found:
    for i, text in _history(res):
        m = re.search(r"\bADD\s+(?:--\S+\s+)*(?:file:\S+|(https?|ftp)://\S+)", text)
        if m and m.group(1):
            yield Violation(
                "a layer was built with ADD of a remote URL", ("history", i, "created_by"), text[:200]
            )


def image_ssh(res: Resource, project: Project) -> Found:
    for i, p in enumerate(res.body.get("exposed_ports") or ()):
        if str(p).split("/")[0] == "22":
            yield Violation("image exposes port 22 (SSH)", ("exposed_ports", i), p)


def image_sudo(res: Resource, project: Project) -> Found:
    for i, text in _history(res):
        if re.search(r"(^|&&|;|\s-c\s+)\s*sudo\s", text):
            yield Violation("a layer was built with sudo", ("history", i, "created_by"), text[:200])


# -- compose ---------------------------------------------------------------------------------------


def c_privileged(res: Resource, project: Project) -> Found:
    if res.body.get("privileged") in (True, "true"):
        yield Violation(f"service '{res.name}' runs privileged", ("privileged",), True)


def _mode(key: str) -> Any:
    def check(res: Resource, project: Project) -> Found:
        value = res.body.get(key)
        if isinstance(value, str) and value == "host":
            yield Violation(f"service '{res.name}' uses {key}: host", (key,), value)

    return check


c_network_host = _mode("network_mode")
c_pid_host = _mode("pid")
c_ipc_host = _mode("ipc")


def _volumes(res: Resource) -> Iterator[tuple[int, str]]:
    for i, v in enumerate(res.body.get("volumes") or ()):
        if isinstance(v, str):
            yield i, v.split(":", 1)[0]
        elif isinstance(v, dict) and v.get("type", "bind") == "bind":
            yield i, str(v.get("source", ""))


def c_docker_sock(res: Resource, project: Project) -> Found:
    for i, src in _volumes(res):
        if src.rstrip("/").endswith(("docker.sock", "containerd.sock", "crio.sock")):
            yield Violation(f"service '{res.name}' mounts the container runtime socket", ("volumes", i), src)


def c_sensitive_mount(res: Resource, project: Project) -> Found:
    for i, src in _volumes(res):
        if src.rstrip("/") in SENSITIVE_HOST_PATHS or src == "/":
            yield Violation(f"service '{res.name}' mounts host path {src}", ("volumes", i), src)


def c_cap_add(res: Resource, project: Project) -> Found:
    caps = res.body.get("cap_add")
    if isinstance(caps, list) and caps:
        yield Violation(
            f"service '{res.name}' adds capabilities {', '.join(map(str, caps))}", ("cap_add",), caps
        )


def _published(p: Any) -> tuple[str | None, int | None]:
    """(host ip, container port) of a compose ports entry that publishes on the host."""
    if isinstance(p, int):
        return "0.0.0.0", p
    if isinstance(p, dict):
        target = p.get("target")
        if p.get("published") is None:
            return None, None
        return str(p.get("host_ip") or "0.0.0.0"), int(str(target)) if str(target).isdigit() else None
    text = str(p).split("/", 1)[0]
    parts = text.rsplit(":", 2) if not text.startswith("[") else [text]
    if len(parts) == 1:
        return "0.0.0.0", int(parts[0]) if parts[0].isdigit() else None  # container port, random host port
    if len(parts) == 2:
        return "0.0.0.0", int(parts[1]) if parts[1].isdigit() else None
    return parts[0], int(parts[2]) if parts[2].isdigit() else None


def c_db_ports(res: Resource, project: Project) -> Found:
    for i, p in enumerate(res.body.get("ports") or ()):
        ip, port = _published(p)
        if ip in ("0.0.0.0", "::", "") and port in DB_PORTS:
            yield Violation(
                f"service '{res.name}' publishes {DB_PORTS[port]} port {port} on every interface",
                ("ports", i),
                p,
            )


def c_unconfined(res: Resource, project: Project) -> Found:
    for i, opt in enumerate(res.body.get("security_opt") or ()):
        s = str(opt).replace("=", ":")
        if s in ("seccomp:unconfined", "apparmor:unconfined", "label:disable", "no-new-privileges:false"):
            yield Violation(f"service '{res.name}' disables {s.split(':')[0]}", ("security_opt", i), opt)


def c_latest(res: Resource, project: Project) -> Found:
    image = res.body.get("image")
    if isinstance(image, str) and "$" not in image:
        _, tag, digest = split_image(image)
        if digest is None and (tag is None or tag == "latest"):
            yield Violation(f"service '{res.name}' image {image} is not pinned", ("image",), image)


def c_root_user(res: Resource, project: Project) -> Found:
    user = res.body.get("user")
    if user is not None and _root_user(str(user)):
        yield Violation(f"service '{res.name}' runs as root", ("user",), user)


_NO_TLS = re.compile(
    r"\bcurl\b[^|;&]*\s(-[a-zA-Z]*k[a-zA-Z]*|--insecure)\b|\bwget\b[^|;&]*--no-check-certificate|--trusted-host\b"
    r"|strict-ssl\s+false|sslVerify=false|NODE_TLS_REJECT_UNAUTHORIZED=0|PYTHONHTTPSVERIFY=0|GIT_SSL_NO_VERIFY"
)


def tls_verification_off(res: Resource, project: Project) -> Found:
    for i, ins in _ins(res):
        if ins["cmd"] in ("RUN", "ENV", "ARG"):
            text = _run_text(ins) if ins["cmd"] == "RUN" else str(ins.get("value", ""))
            if _NO_TLS.search(text):
                yield _v(i, ins, "disables TLS certificate verification for downloads")


def image_base_latest(res: Resource, project: Project) -> Found:
    labels = res.body.get("labels") or {}
    base = labels.get("org.opencontainers.image.base.name")
    if isinstance(base, str) and base:
        _, tag, digest = split_image(base)
        if (
            digest is None
            and (tag is None or tag == "latest")
            and not labels.get("org.opencontainers.image.base.digest")
        ):
            yield Violation(
                f"built from {base}, which is not pinned",
                ("labels", "org.opencontainers.image.base.name"),
                base,
            )


def image_package_cache(res: Resource, project: Project) -> Found:
    for i, item in enumerate(res.body.get("package_caches") or ()):
        yield Violation(f"package manager cache left in the image ({item})", ("package_caches", i), item)
