"""A self-contained, offline HTML report: inline CSS, inline JS, inline SVG charts; no network requests.

Findings are rendered server-side (so the page is readable without JavaScript); the script only
filters rows by kind, severity, gate status and a search text. Everything user-controlled is escaped.
"""

from __future__ import annotations

import html
from typing import ClassVar, TextIO

from bastion.model import Finding, FindingKind, Package, ScanResult, Severity
from bastion.reports import _common as c

_COLORS = {
    Severity.CRITICAL: "#b3001b",
    Severity.HIGH: "#e4572e",
    Severity.MEDIUM: "#f0a202",
    Severity.LOW: "#3a86ff",
    Severity.UNKNOWN: "#8d99ae",
}
_OUTCOME = {
    "pass": ("passed", "#2a9d55"),
    "warn": ("passed with warnings", "#c98a00"),
    "fail": ("failed", "#b3001b"),
}

_CSS = """
:root{--fg:#1d2330;--muted:#5c6575;--bg:#f6f7f9;--card:#fff;--line:#e3e6eb}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:20px}header .sub{color:#c5cad3;font-size:13px;word-break:break-all}
main{padding:20px 28px;max-width:1500px;margin:auto}
.badge{display:inline-block;padding:3px 10px;border-radius:12px;color:#fff;font-weight:600;font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(330px,1fr));gap:16px;margin-bottom:18px;align-items:start}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px}
.card h2{font-size:14px;margin:0 0 10px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0}dt{color:var(--muted)}dd{margin:0;word-break:break-all}
.controls{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:8px 0 12px}
.controls input[type=search]{flex:1 1 260px;padding:7px 10px;border:1px solid var(--line);border-radius:6px;font-size:14px}
.controls select{padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:#fff}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef0f4;font-size:12px;text-transform:uppercase;color:var(--muted);position:sticky;top:0}
tr.suppressed td{opacity:.55}tr.violation td:first-child{box-shadow:inset 3px 0 0 #b3001b}
.sev{display:inline-block;min-width:70px;text-align:center;padding:2px 6px;border-radius:4px;color:#fff;font-size:12px;font-weight:600}
.muted{color:var(--muted)}.ver{word-break:normal!important;white-space:nowrap}.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px;word-break:break-all}
.tag{display:inline-block;padding:1px 6px;border-radius:4px;background:#eef0f4;font-size:12px;margin-right:4px}
.tag.fail{background:#fde2e4;color:#8a0014}.tag.kev{background:#ffe8d6;color:#8a3b00}
ul.reasons{margin:6px 0 0;padding-left:18px}#count{color:var(--muted)}footer{color:var(--muted);font-size:12px;padding:20px 28px}
"""

_JS = """
(function(){
  var q=document.getElementById('q'),k=document.getElementById('kind'),s=document.getElementById('sev'),st=document.getElementById('status');
  var rows=Array.prototype.slice.call(document.querySelectorAll('#findings tbody tr'));
  var count=document.getElementById('count');
  function apply(){
    var text=q.value.toLowerCase(),shown=0;
    rows.forEach(function(r){
      var ok=(!k.value||r.dataset.kind===k.value)&&(!s.value||r.dataset.severity===s.value)&&(!st.value||r.dataset.status===st.value)&&(!text||r.textContent.toLowerCase().indexOf(text)>=0);
      r.style.display=ok?'':'none'; if(ok){shown++;}
    });
    count.textContent=shown+' of '+rows.length+' findings';
  }
  [q,k,s,st].forEach(function(el){el.addEventListener('input',apply);el.addEventListener('change',apply);});
  document.querySelectorAll('[data-filter-sev]').forEach(function(el){
    el.addEventListener('click',function(){s.value=el.getAttribute('data-filter-sev');apply();});
  });
  apply();
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _bar_chart(values: list[tuple[str, int, str, str]], width: int = 320) -> str:
    """Horizontal bars: (label, value, colour, filter value)."""
    top = max((v for _, v, _, _ in values), default=0) or 1
    row_h, label_w = 26, 90
    height = row_h * len(values) + 4
    parts = [
        f'<svg role="img" aria-label="findings by severity" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for i, (label, value, color, key) in enumerate(values):
        y = i * row_h + 2
        w = 0 if value == 0 else max(2, int((width - label_w - 46) * value / top))
        parts.append(
            f'<g data-filter-sev="{_e(key)}" style="cursor:pointer"><text x="0" y="{y + 17}" font-size="12" fill="#5c6575">{_e(label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="18" rx="3" fill="{color}"/>'
            f'<text x="{label_w + w + 6}" y="{y + 17}" font-size="12" fill="#1d2330">{value}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _donut(values: list[tuple[str, int, str]], size: int = 150) -> str:
    total = sum(v for _, v, _ in values)
    r, cx = 52, size / 2
    circ = 2 * 3.141592653589793 * r
    parts = [
        f'<svg role="img" aria-label="findings by kind" width="{size + 170}" height="{size}" viewBox="0 0 {size + 170} {size}">'
    ]
    parts.append(f'<circle cx="{cx}" cy="{cx}" r="{r}" fill="none" stroke="#e3e6eb" stroke-width="22"/>')
    offset = 0.0
    for _label, value, color in values:
        if not total or not value:
            continue
        length = circ * value / total
        parts.append(
            f'<circle cx="{cx}" cy="{cx}" r="{r}" fill="none" stroke="{color}" stroke-width="22" '
            f'stroke-dasharray="{length:.2f} {circ - length:.2f}" stroke-dashoffset="{-offset:.2f}" transform="rotate(-90 {cx} {cx})"/>'
        )
        offset += length
    parts.append(
        f'<text x="{cx}" y="{cx + 6}" text-anchor="middle" font-size="20" font-weight="600" fill="#1d2330">{total}</text>'
    )
    for i, (label, value, color) in enumerate(values):
        y = 18 + i * 24
        parts.append(
            f'<rect x="{size + 10}" y="{y - 11}" width="12" height="12" rx="2" fill="{color}"/>'
            f'<text x="{size + 28}" y="{y}" font-size="12" fill="#1d2330">{_e(label)}: {value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


_KIND_COLORS = {
    FindingKind.VULNERABILITY: "#e4572e",
    FindingKind.SECRET: "#7b2cbf",
    FindingKind.MALWARE: "#1d2330",
    FindingKind.MISCONFIG: "#f0a202",
    FindingKind.LICENSE: "#3a86ff",
}


class HtmlReporter:
    name: ClassVar[str] = "html"
    media_type: ClassVar[str] = "text/html"

    def render(self, result: ScanResult, out: TextIO) -> None:
        out.write(self.page(result))

    def page(self, result: ScanResult) -> str:
        pkgs = c.packages_by_id(result)
        status = c.statuses(result)
        t = result.target
        verdict = result.verdict
        counts = c.counts(result.findings)
        by_sev = {s: sum(counts[k].get(s, 0) for k in c.KINDS) for s in c.SEVERITIES}
        head = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">",
            f"<title>bastion report: {_e(t.ref)}</title>",
            f"<style>{_CSS}</style></head><body>",
            f'<header><h1>bastion security report</h1><div class="sub">{_e(c.target_label(result))}</div></header>',
            "<main>",
        ]
        body: list[str] = []
        # summary cards
        gate = '<span class="muted">no policy applied</span>'
        reasons = ""
        if verdict is not None:
            word, color = _OUTCOME.get(verdict.outcome, ("?", "#8d99ae"))
            gate = f'<span class="badge" style="background:{color}">gate {word}</span>'
            items = [f"<li>[{_e(v.rule)}] {_e(v.message)}</li>" for v in verdict.violations[:8]]
            if len(verdict.violations) > 8:
                items.append(f"<li>… and {len(verdict.violations) - 8} more (status column below)</li>")
            items += [
                f"<li>waiver {_e(w.id)} expired on {_e(w.expires)}</li>" for w in verdict.expired_waivers
            ]
            items += [f"<li>waiver {_e(w.id)} matched no finding</li>" for w in verdict.unused_waivers]
            reasons = f'<ul class="reasons">{"".join(items)}</ul>' if items else ""
        info = [("Kind", t.kind.value), ("Target", t.ref)]
        if t.digest:
            info.append(("Digest", t.digest))
        if t.os is not None:
            info.append(("OS", t.os.name or f"{t.os.family} {t.os.version}"))
        info.append(("Packages", str(len(result.packages))))
        info.append(
            (
                "Findings",
                f"{len(result.findings)} ({sum(1 for f in result.findings if f.suppressed)} suppressed)",
            )
        )
        if result.provenance.finished is not None:
            info.append(("Scanned", result.provenance.finished.isoformat(timespec="seconds")))
        info.append(("bastion", result.bastion_version))
        dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in info)
        body.append('<section class="cards">')
        body.append(
            f'<div class="card"><h2>Gate</h2>{gate}{reasons}<dl style="margin-top:10px">{dl}</dl></div>'
        )
        sev_chart = _bar_chart([(s.value.capitalize(), by_sev[s], _COLORS[s], s.value) for s in c.SEVERITIES])
        body.append(f'<div class="card"><h2>Open findings by severity</h2>{sev_chart}</div>')
        kind_chart = _donut([(c.KIND_TITLES[k], sum(counts[k].values()), _KIND_COLORS[k]) for k in c.KINDS])
        body.append(f'<div class="card"><h2>Open findings by kind</h2>{kind_chart}</div>')
        body.append("</section>")
        # controls + table
        kinds = "".join(f'<option value="{k.value}">{_e(c.KIND_TITLES[k])}</option>' for k in c.KINDS)
        sevs = "".join(f'<option value="{s.value}">{s.value.capitalize()}</option>' for s in c.SEVERITIES)
        body.append(
            '<div class="controls"><input id="q" type="search" placeholder="Search id, package, path, title…" aria-label="search">'
            f'<select id="kind" aria-label="kind"><option value="">All kinds</option>{kinds}</select>'
            f'<select id="sev" aria-label="severity"><option value="">All severities</option>{sevs}</select>'
            '<select id="status" aria-label="status"><option value="">Any status</option><option value="violation">Breaks policy</option>'
            '<option value="open">Open</option><option value="suppressed">Suppressed</option></select><span id="count"></span></div>'
        )
        body.append(
            '<table id="findings"><thead><tr><th>Severity</th><th>Kind</th><th>ID</th><th>Package / location</th>'
            "<th>Installed → fixed</th><th>Title</th><th>Status</th></tr></thead><tbody>"
        )
        for f in result.findings:
            body.append(self._row(f, pkgs, status))
        body.append("</tbody></table>")
        if not result.findings:
            body.append('<p class="muted">No findings.</p>')
        if result.errors:
            errs = "".join(
                f'<li><span class="mono">{_e(e.path)}</span>: {_e(e.message)}</li>'
                for e in result.errors[:200]
            )
            body.append(
                f'<section class="card" style="margin-top:18px"><h2>Not fully scanned ({len(result.errors)})</h2><ul>{errs}</ul></section>'
            )
        if result.packages:
            rows = "".join(
                f'<tr><td>{_e(p.name)}</td><td class="mono">{_e(p.version)}</td><td>{_e(p.ecosystem.value)}</td><td class="mono">{_e(p.path or "")}</td></tr>'
                for p in result.packages
            )
            body.append(
                f'<details style="margin-top:18px"><summary>Packages ({len(result.packages)})</summary>'
                f"<table><thead><tr><th>Name</th><th>Version</th><th>Ecosystem</th><th>Path</th></tr></thead><tbody>{rows}</tbody></table></details>"
            )
        tail = [
            f"</main><footer>Generated by bastion {_e(result.bastion_version)}. This file works offline.</footer>",
            f"<script>{_JS}</script></body></html>",
        ]
        return "\n".join(head + body + tail) + "\n"

    @staticmethod
    def _row(f: Finding, pkgs: dict[str, Package], status: dict[str, c.Status]) -> str:
        st = status.get(f.fingerprint)
        if f.suppressed is not None:
            state_key, state = "suppressed", f"suppressed by {f.suppressed.by}: {f.suppressed.reason}"
        elif st is not None and st.state == "violation":
            state_key, state = "violation", f"breaks {st.rule}"
        else:
            state_key, state = "open", "open"
        name = c.package_name(f, pkgs)
        where = f"{name}" if name else c.location_text(f, pkgs)
        if name and f.package:
            where_html = f'{_e(name)}<div class="muted mono">{_e(c.location_text(f, pkgs))}</div>'
        else:
            where_html = f'<span class="mono">{_e(where)}</span>'
        ident = _e(f.id)
        if f.references and f.references[0].startswith(("https://", "http://")):
            ident = f'<a href="{_e(f.references[0])}" rel="noreferrer noopener">{ident}</a>'
        if f.aliases:
            ident += f'<div class="muted mono">{_e(", ".join(f.aliases))}</div>'
        versions = ""
        if f.installed_version or f.fixed_versions:
            versions = f'<span class="mono ver">{_e(f.installed_version or "")}</span>'
            if f.fixed_versions:
                versions += f' → <span class="mono ver">{_e(", ".join(f.fixed_versions))}</span>'
        tags = ""
        if f.known_exploited:
            tags += '<span class="tag kev">known exploited</span>'
        if f.vex is not None:
            tags += f'<span class="tag">VEX: {_e(f.vex.status)}</span>'
        state_html = f'<span class="tag fail">{_e(state)}</span>' if state_key == "violation" else _e(state)
        return (
            f'<tr class="{state_key}" data-kind="{f.kind.value}" data-severity="{f.severity.value}" data-status="{state_key}">'
            f'<td><span class="sev" style="background:{_COLORS[f.severity]}">{f.severity.value.upper()}</span></td>'
            f"<td>{_e(f.kind.value)}</td><td>{ident}</td><td>{where_html}</td><td>{versions}</td>"
            f"<td>{_e(f.title)}{tags and '<div>' + tags + '</div>'}</td><td>{state_html}</td></tr>"
        )
