"""A Markdown summary for pull-request and merge-request comments.

The gate's outcome first, then counts per kind and severity, then the findings that break the policy,
then the other findings per kind in collapsed sections. Lists are capped so the comment stays under
the size limits of GitHub (65,536 characters) and GitLab; the JSON or HTML report has everything.
"""

from __future__ import annotations

from typing import ClassVar, TextIO

from bastion.model import Finding, Package, ScanResult
from bastion.reports import _common as c

MAX_ROWS = 50
_ICON = {"pass": "✅", "warn": "⚠️", "fail": "❌"}


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("`", "'").strip()


class MarkdownReporter:
    name: ClassVar[str] = "markdown"
    media_type: ClassVar[str] = "text/markdown"

    def render(self, result: ScanResult, out: TextIO) -> None:
        out.write(self.text(result))

    def text(self, result: ScanResult) -> str:
        pkgs = c.packages_by_id(result)
        status = c.statuses(result)
        lines: list[str] = []
        verdict = result.verdict
        target = _cell(c.target_label(result))
        if verdict is None:
            lines.append(f"## bastion: `{target}`")
        else:
            word = {"pass": "passed", "warn": "passed with warnings", "fail": "failed"}[verdict.outcome]
            lines.append(f"## {_ICON[verdict.outcome]} bastion gate {word}: `{target}`")
        lines.append("")
        total = len(result.findings)
        suppressed = sum(1 for f in result.findings if f.suppressed is not None)
        lines.append(
            f"{len(result.packages)} packages · {total} findings"
            + (f" ({suppressed} suppressed)" if suppressed else "")
            + (f" · {len(verdict.violations)} break the policy" if verdict is not None else "")
        )
        lines.append("")
        counts = c.counts(result.findings)
        lines.append("| | " + " | ".join(s.value.capitalize() for s in c.SEVERITIES) + " |")
        lines.append("|---|" + "---:|" * len(c.SEVERITIES))
        for kind in c.KINDS:
            row = counts[kind]
            lines.append(
                f"| {c.KIND_TITLES[kind]} | " + " | ".join(str(row.get(s, 0)) for s in c.SEVERITIES) + " |"
            )
        lines.append("")
        if verdict is not None and verdict.violations:
            lines.append("### Breaks the policy")
            lines.append("")
            lines.append("| Rule | Severity | Finding | Where |")
            lines.append("|---|---|---|---|")
            by_fp = {f.fingerprint: f for f in result.findings}
            for v in verdict.violations[:MAX_ROWS]:
                f = by_fp.get(v.fingerprint)
                sev = f.severity.value.upper() if f else ""
                where = _cell(c.location_text(f, pkgs) or (f.package or "") if f else "")
                lines.append(f"| `{_cell(v.rule)}` | {sev} | {_cell(v.message)} | {where} |")
            if len(verdict.violations) > MAX_ROWS:
                lines.append(f"\n… and {len(verdict.violations) - MAX_ROWS} more (see the full report).")
            lines.append("")
        for kind in c.KINDS:
            items = [f for f in result.findings if f.kind is kind]
            if not items:
                continue
            lines.append(f"<details><summary>{c.KIND_TITLES[kind]} ({len(items)})</summary>")
            lines.append("")
            lines.append("| Severity | ID | Package / location | Fixed in | Status |")
            lines.append("|---|---|---|---|---|")
            for f in items[:MAX_ROWS]:
                lines.append(self._row(f, pkgs, status))
            if len(items) > MAX_ROWS:
                lines.append(f"\n… and {len(items) - MAX_ROWS} more.")
            lines.append("")
            lines.append("</details>")
            lines.append("")
        if verdict is not None:
            notes = [
                f"- ⏰ waiver `{_cell(w.id)}` expired on {w.expires} (owner: {_cell(w.owner or '?')})"
                for w in verdict.expired_waivers
            ]
            notes += [
                f"- 💤 waiver `{_cell(w.id)}` matched no finding (owner: {_cell(w.owner or '?')})"
                for w in verdict.unused_waivers
            ]
            if notes:
                lines.append("### Waivers")
                lines.append("")
                lines.extend(notes)
                lines.append("")
        if result.errors:
            lines.append(
                f"> ⚠️ {len(result.errors)} part(s) of the target could not be fully scanned (see the JSON report's `errors`)."
            )
            lines.append("")
        lines.append(f"<sub>bastion {result.bastion_version}</sub>")
        return "\n".join(lines) + "\n"

    @staticmethod
    def _row(f: Finding, pkgs: dict[str, Package], status: dict[str, c.Status]) -> str:
        name = c.package_name(f, pkgs)
        where = f"{name} {f.installed_version or ''}".strip() if name else c.location_text(f, pkgs)
        st = status.get(f.fingerprint)
        if f.suppressed is not None:
            state = _cell(f"suppressed ({f.suppressed.by}: {f.suppressed.reason})")
        elif st is not None and st.state == "violation":
            state = f"**fails** `{_cell(st.rule or '')}`"
        elif st is not None:
            state = "ok"
        else:
            state = ""
        ident = f.id
        if f.references:
            ident = f"[{_cell(f.id)}]({f.references[0]})"
        else:
            ident = _cell(ident)
        kev = " 🔥" if f.known_exploited else ""
        return f"| {f.severity.value.upper()}{kev} | {ident} | {_cell(where)} | {_cell(', '.join(f.fixed_versions))} | {state} |"
