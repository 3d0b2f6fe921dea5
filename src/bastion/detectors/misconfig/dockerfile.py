"""Dockerfile / Containerfile parser: instructions with line ranges, grouped into build stages.

Handles the ``# escape=`` directive, line continuations (comment lines inside a continuation are
dropped, as BuildKit does), heredocs (``RUN <<EOF`` … ``EOF``, ``<<-EOF``, several per line), the JSON
(exec) form, ``--flags`` and simple ``ARG``/``ENV`` substitution (``$VAR``, ``${VAR}``,
``${VAR:-default}``). Each stage becomes one :class:`Resource` (``stage/<alias or index>``) whose body is
``{"from": image, "alias": …, "instructions": [{cmd, value, flags, json, heredocs}]}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from bastion.detectors.misconfig.base import MisconfigError, Resource

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$")
_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")
_FLAG = re.compile(r"^--([a-z-]+)(?:=(\S*))?\s*")
_SUBST = frozenset(
    {"ADD", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR", "ONBUILD"}
)


def is_dockerfile(path: str) -> bool:
    name = PurePosixPath(path).name
    low = name.lower()
    return (
        low in ("dockerfile", "containerfile")
        or low.endswith((".dockerfile", ".containerfile"))
        or low.startswith(("dockerfile.", "containerfile.", "dockerfile-", "dockerfile_"))
    ) and not low.endswith(_NOT_DOCKERFILES)


#: ``Dockerfile.<x>`` names that are documentation, data or source code about Dockerfiles, not Dockerfiles
#: (a parser module called ``dockerfile.py``, its ``.pyc``, a ``dockerfile.go``).
_NOT_DOCKERFILES = (
    ".md",
    ".rst",
    ".txt",
    ".orig",
    ".bak",
    ".rej",
    ".yaml",
    ".yml",
    ".json",
    ".toml",
    ".dockerignore",
    ".sh",
    ".ps1",
    ".py",
    ".pyc",
    ".pyo",
    ".pyi",
    ".go",
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".rb",
    ".java",
    ".kt",
    ".rs",
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".cs",
    ".php",
    ".pl",
    ".html",
    ".xml",
    ".lock",
    ".snap",
)


@dataclass
class Instruction:
    cmd: str
    value: str
    line: int
    end_line: int
    flags: dict[str, str] = field(default_factory=dict)
    json: list[str] | None = None
    heredocs: list[str] = field(default_factory=list)
    raw: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "cmd": self.cmd,
            "value": self.value,
            "flags": dict(self.flags),
            "json": list(self.json) if self.json is not None else None,
            "heredocs": list(self.heredocs),
        }


def parse_instructions(text: str, path: str) -> list[Instruction]:
    lines = text.splitlines()
    escape = "\\"
    # parser directives: only at the very top, before any instruction or other comment
    for row in lines:
        m = _DIRECTIVE.match(row.strip())
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("`", "\\"):
            escape = m.group(2)
    out: list[Instruction] = []
    i = 0
    n = len(lines)
    while i < n:
        row = lines[i]
        stripped = row.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start = i
        parts = [row]
        while parts[-1].rstrip().endswith(escape) and i + 1 < n:
            parts[-1] = parts[-1].rstrip()[:-1]
            i += 1
            while i < n and (lines[i].strip().startswith("#") or not lines[i].strip()):
                if not lines[i].strip():
                    break
                i += 1
            if i < n:
                parts.append(lines[i])
        logical = " ".join(p.strip() for p in parts).strip()
        if logical.endswith(escape):
            logical = logical[:-1].rstrip()
        word, _, rest = logical.partition(" ")
        cmd = word.upper()
        if not re.fullmatch(r"[A-Z]+", cmd):
            raise MisconfigError(f"{path}:{start + 1}: invalid Dockerfile: unknown instruction {word!r}")
        rest = rest.strip()
        heredocs: list[str] = []
        # heredocs: the bodies follow the instruction line, in order
        if "<<" in rest and cmd in ("RUN", "COPY", "ADD"):
            for m in _HEREDOC.finditer(rest):
                strip_tabs, marker = m.group(1) == "-", m.group(3)
                body: list[str] = []
                i += 1
                while i < n and (lines[i].lstrip("\t") if strip_tabs else lines[i]).rstrip() != marker:
                    body.append(lines[i].lstrip("\t") if strip_tabs else lines[i])
                    i += 1
                if i >= n:
                    raise MisconfigError(
                        f"{path}:{start + 1}: invalid Dockerfile: heredoc {marker} is not terminated"
                    )
                heredocs.append("\n".join(body))
        flags: dict[str, str] = {}
        if cmd != "RUN" or rest.startswith("--"):
            while True:
                fm = _FLAG.match(rest)
                if not fm or cmd in ("ENV", "LABEL", "ARG", "CMD", "ENTRYPOINT"):
                    break
                flags[fm.group(1)] = fm.group(2) or ""
                rest = rest[fm.end() :]
        json_form: list[str] | None = None
        if rest.startswith("[") and cmd in (
            "RUN",
            "CMD",
            "ENTRYPOINT",
            "SHELL",
            "COPY",
            "ADD",
            "VOLUME",
            "HEALTHCHECK",
        ):
            try:
                parsed = json.loads(rest)
            except ValueError:
                parsed = None
            if isinstance(parsed, list) and all(isinstance(x, str) for x in parsed):
                json_form = parsed
        out.append(
            Instruction(
                cmd, rest, start + 1, i + 1, flags, json_form, heredocs, "\n".join(lines[start : i + 1])
            )
        )
        i += 1
    return out


def substitute(text: str, env: dict[str, str]) -> str:
    def repl(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(4)
        op, word = m.group(2), m.group(3)
        value = env.get(name)
        if op == "-":
            return value if value else (word or "")
        if op == "+":
            return (word or "") if value else ""
        return value if value is not None else m.group(0)

    return _VAR.sub(repl, text) if "$" in text else text


def _kv_pairs(value: str) -> list[tuple[str, str | None]]:
    """``ENV A=1 B="two words"`` / legacy ``ENV A 1`` / ``ARG NAME[=default]``."""
    try:
        import shlex

        tokens = shlex.split(value, posix=True)
    except ValueError:
        tokens = value.split()
    if tokens and "=" not in tokens[0] and len(tokens) > 1:
        return [(tokens[0], " ".join(tokens[1:]))]
    out: list[tuple[str, str | None]] = []
    for tok in tokens:
        k, eq, v = tok.partition("=")
        out.append((k, v if eq else None))
    return out


def parse_dockerfile(data: bytes | str, path: str) -> list[Resource]:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    if text.startswith("\ufeff"):
        text = text[1:]
    instructions = parse_instructions(text, path)
    stages: list[list[Instruction]] = []
    global_args: dict[str, str] = {}
    head: list[Instruction] = []
    for ins in instructions:
        if ins.cmd == "FROM":
            stages.append([ins])
        elif stages:
            stages[-1].append(ins)
        else:
            head.append(ins)
            if ins.cmd == "ARG":
                for k, v in _kv_pairs(ins.value):
                    if v is not None:
                        global_args[k] = v
    if not stages:
        if not instructions:
            return []
        raise MisconfigError(f"{path}:{instructions[0].line}: invalid Dockerfile: no FROM instruction")
    resources: list[Resource] = []
    aliases: set[str] = set()
    for index, stage in enumerate(stages):
        env = dict(global_args)
        from_ins = stage[0]
        from_value = substitute(from_ins.value, env)
        words = from_value.split()
        image = words[0] if words else ""
        alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
        body_instr: list[dict[str, Any]] = []
        lines: dict[tuple[str | int, ...], tuple[int, int]] = {}
        for j, ins in enumerate(stage):
            if ins.cmd in ("ARG", "ENV"):
                for k, v in _kv_pairs(substitute(ins.value, env) if ins.cmd == "ENV" else ins.value):
                    if v is not None:
                        env[k] = substitute(v, env)
                    elif k not in env and k in global_args:
                        env[k] = global_args[k]
            d = ins.as_dict()
            d["raw"] = ins.raw
            if ins.cmd in _SUBST and j > 0:
                d["value"] = substitute(ins.value, env)
            body_instr.append(d)
            lines[("instructions", j)] = (ins.line, ins.end_line)
            lines[("instructions", j, "value")] = (ins.line, ins.end_line)
        lines[("from",)] = (from_ins.line, from_ins.end_line)
        name = alias or str(index)
        body = {
            "from": image,
            "alias": alias,
            "platform": from_ins.flags.get("platform"),
            "from_stage": image.lower() in aliases,
            "instructions": body_instr,
        }
        if alias:
            aliases.add(alias.lower())
        resources.append(
            Resource(
                file_type="dockerfile",
                type="stage",
                name=name,
                address=f"stage/{name}",
                body=body,
                path=path,
                line=from_ins.line,
                end_line=stage[-1].end_line,
                provider="docker",
                lines=lines,
                meta={
                    "final": index == len(stages) - 1,
                    "index": index,
                    "scope": path,
                    "stages": len(stages),
                },
            )
        )
    return resources
