"""VEX: read OpenVEX and CycloneDX VEX documents into statements, match them to findings, write OpenVEX.

Reading is an edge of the system, so the documents are validated with pydantic models; an error names
the file, the key and the line. Matching rules (docs/policy.md, "VEX"):

- the vulnerability matches when the statement's name or one of its aliases equals the finding's id or
  one of its aliases (case-insensitive);
- a product (or subcomponent) given as a purl matches the finding's package purl when type, namespace
  and name are equal, the version is equal *or absent from the statement's purl*, and every qualifier
  the statement gives is equal (qualifiers the statement leaves out are ignored);
- a product that names the scanned artifact (its reference, its digest, or a ``pkg:oci``/``pkg:docker``
  purl with the image's name) covers the findings of its subcomponents, or every finding when it lists
  none;
- when several statements match, the one with the latest timestamp wins (document order breaks ties).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bastion.errors import PolicyError
from bastion.fs.parsing import ParseError, decode_text, load_json
from bastion.model import ArtifactRef, Finding
from bastion.policy._locate import LineMap, dotted
from bastion.policy.model import VEX_JUSTIFICATIONS, VexProduct, VexStatement, VexStatus, Waiver

OPENVEX_CONTEXT = "https://openvex.dev/ns/v0.2.0"


class VexError(PolicyError):
    """A VEX document is malformed."""


# -- OpenVEX wire model -------------------------------------------------------------------------------


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class _OvVuln(_Wire):
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    id_: str | None = Field(default=None, alias="@id")


class _OvIdentifiers(_Wire):
    purl: str | None = None


class _OvSub(_Wire):
    id_: str | None = Field(default=None, alias="@id")
    identifiers: _OvIdentifiers | None = None

    def ident(self) -> str | None:
        return self.id_ or (self.identifiers.purl if self.identifiers else None)


class _OvProduct(_OvSub):
    subcomponents: list[_OvSub] = Field(default_factory=list)


class _OvStatement(_Wire):
    vulnerability: _OvVuln | str
    status: VexStatus
    products: list[_OvProduct | str] = Field(default_factory=list)
    justification: str | None = None
    impact_statement: str | None = None
    action_statement: str | None = None
    timestamp: str | None = None

    @field_validator("justification")
    @classmethod
    def _known_justification(cls, value: str | None) -> str | None:
        if value is not None and value not in VEX_JUSTIFICATIONS:
            raise ValueError(
                f"unknown justification {value!r}; expected one of {', '.join(VEX_JUSTIFICATIONS)}"
            )
        return value


class _OpenVex(_Wire):
    context: str = Field(alias="@context")
    statements: list[_OvStatement]
    timestamp: str | None = None


# -- CycloneDX VEX wire model ---------------------------------------------------------------------------

_CDX_STATE: dict[str, VexStatus] = {
    "not_affected": "not_affected",
    "false_positive": "not_affected",
    "resolved": "fixed",
    "resolved_with_pedigree": "fixed",
    "exploitable": "affected",
    "in_triage": "under_investigation",
}
_CDX_JUSTIFICATION = {
    "code_not_present": "vulnerable_code_not_present",
    "code_not_reachable": "vulnerable_code_not_in_execute_path",
    "requires_configuration": "vulnerable_code_cannot_be_controlled_by_adversary",
    "requires_dependency": "component_not_present",
    "requires_environment": "vulnerable_code_cannot_be_controlled_by_adversary",
    "protected_by_compiler": "inline_mitigations_already_exist",
    "protected_at_runtime": "inline_mitigations_already_exist",
    "protected_at_perimeter": "inline_mitigations_already_exist",
    "protected_by_mitigating_control": "inline_mitigations_already_exist",
}


class _CdxAnalysis(_Wire):
    state: Literal[
        "resolved", "resolved_with_pedigree", "exploitable", "in_triage", "false_positive", "not_affected"
    ]
    justification: (
        Literal[
            "code_not_present",
            "code_not_reachable",
            "requires_configuration",
            "requires_dependency",
            "requires_environment",
            "protected_by_compiler",
            "protected_at_runtime",
            "protected_at_perimeter",
            "protected_by_mitigating_control",
        ]
        | None
    ) = None
    detail: str | None = None
    response: list[str] = Field(default_factory=list)
    lastUpdated: str | None = None
    firstIssued: str | None = None


class _CdxRef(_Wire):
    id: str


class _CdxAffects(_Wire):
    ref: str = Field(min_length=1)


class _CdxVuln(_Wire):
    id: str = Field(min_length=1)
    references: list[_CdxRef] = Field(default_factory=list)
    analysis: _CdxAnalysis
    affects: list[_CdxAffects] = Field(min_length=1)


class _CdxComponent(_Wire):
    bom_ref: str | None = Field(default=None, alias="bom-ref")
    purl: str | None = None
    components: list[_CdxComponent] = Field(default_factory=list)


class _CdxMetadata(_Wire):
    component: _CdxComponent | None = None
    timestamp: str | None = None


class _CycloneDx(_Wire):
    bomFormat: Literal["CycloneDX"]
    metadata: _CdxMetadata | None = None
    components: list[_CdxComponent] = Field(default_factory=list)
    vulnerabilities: list[_CdxVuln] = Field(default_factory=list)


# -- loading ----------------------------------------------------------------------------------------------


def load_vex(path: Path, *, display: str | None = None) -> tuple[VexStatement, ...]:
    """Read one OpenVEX or CycloneDX VEX (JSON) document. Raises :class:`VexError` naming file:line."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise VexError(f"{name}: cannot read VEX document: {exc.strerror or exc}") from None
    try:
        data = load_json(raw, name)
    except ParseError as exc:
        raise VexError(exc.message, hint="VEX documents are JSON (OpenVEX or CycloneDX)") from None
    text = decode_text(raw, name)
    if not isinstance(data, dict):
        raise VexError(f"{name}: expected a JSON object (an OpenVEX or CycloneDX document)")
    context = data.get("@context")
    if isinstance(context, str) and "openvex" in context:
        return _openvex(data, name, text)
    if data.get("bomFormat") == "CycloneDX":
        return _cyclonedx(data, name, text)
    raise VexError(
        f"{name}: not a VEX document: expected an OpenVEX '@context' or CycloneDX 'bomFormat'",
        hint="bastion reads OpenVEX (https://openvex.dev) and CycloneDX VEX JSON",
    )


def _validation_error(exc: ValidationError, name: str, text: str) -> VexError:
    first = exc.errors()[0]
    loc = tuple(p for p in first["loc"] if isinstance(p, str | int))
    # Union members add their class name to the path; drop those segments for the user.
    loc = tuple(p for p in loc if not (isinstance(p, str) and p[:1].isupper() and p[1:2].islower()))
    line = LineMap.from_text(text).line(loc)
    where = f"{name}:{line}" if line else name
    return VexError(f"{where}: {dotted(loc)}: {first['msg']}")


def _openvex(data: dict[str, Any], name: str, text: str) -> tuple[VexStatement, ...]:
    try:
        doc = _OpenVex.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, name, text) from None
    out: list[VexStatement] = []
    for index, st in enumerate(doc.statements):
        aliases: tuple[str, ...] = ()
        if isinstance(st.vulnerability, str):  # OpenVEX 0.0.x wrote the id as a string
            vuln = st.vulnerability
        else:
            vuln, aliases = st.vulnerability.name, tuple(st.vulnerability.aliases)
        products: list[VexProduct] = []
        for p in st.products:
            if isinstance(p, str):
                products.append(VexProduct(p))
                continue
            ident = p.ident()
            if ident is None:
                line = LineMap.from_text(text).line(("statements", index, "products"))
                raise VexError(
                    f"{name}:{line}: statements[{index}].products: a product needs '@id' or identifiers.purl"
                )
            subs = tuple(s for s in (sub.ident() for sub in p.subcomponents) if s)
            products.append(VexProduct(ident, subs))
        if not products:
            line = LineMap.from_text(text).line(("statements", index))
            raise VexError(
                f"{name}:{line}: statements[{index}]: no products: a statement must name what it is about"
            )
        if st.status == "not_affected" and not (st.justification or st.impact_statement):
            line = LineMap.from_text(text).line(("statements", index, "status"))
            raise VexError(
                f"{name}:{line}: statements[{index}]: not_affected needs a justification or impact_statement"
            )
        out.append(
            VexStatement(
                vulnerability=vuln,
                aliases=aliases,
                status=st.status,
                products=tuple(products),
                justification=st.justification,
                impact_statement=st.impact_statement,
                action_statement=st.action_statement,
                timestamp=st.timestamp or doc.timestamp,
                source=f"{name}#{index}",
            )
        )
    return tuple(out)


def _cyclonedx(data: dict[str, Any], name: str, text: str) -> tuple[VexStatement, ...]:
    try:
        doc = _CycloneDx.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, name, text) from None
    refs: dict[str, str] = {}
    stack = list(doc.components) + (
        [doc.metadata.component] if doc.metadata and doc.metadata.component else []
    )
    while stack:
        comp = stack.pop()
        if comp.bom_ref and comp.purl:
            refs[comp.bom_ref] = comp.purl
        stack.extend(comp.components)
    if not doc.vulnerabilities:
        raise VexError(f"{name}: CycloneDX document has no 'vulnerabilities': nothing to apply as VEX")
    out: list[VexStatement] = []
    for index, v in enumerate(doc.vulnerabilities):
        products = []
        for a in v.affects:
            target = refs.get(a.ref, a.ref)
            if target.startswith("urn:cdx:"):  # BOM-Link to a component of another BOM: keep the fragment
                target = unquote(target.rpartition("#")[2]) or target
                target = refs.get(target, target)
            products.append(VexProduct(target))
        an = v.analysis
        status = _CDX_STATE[an.state]
        justification = _CDX_JUSTIFICATION.get(an.justification) if an.justification else None
        out.append(
            VexStatement(
                vulnerability=v.id,
                aliases=tuple(r.id for r in v.references),
                status=status,
                products=tuple(products),
                justification=justification,
                impact_statement=an.detail if status != "affected" else None,
                action_statement=(an.detail or ", ".join(an.response) or None)
                if status == "affected"
                else None,
                timestamp=an.lastUpdated
                or an.firstIssued
                or (doc.metadata.timestamp if doc.metadata else None),
                source=f"{name}#{index}",
            )
        )
    return tuple(out)


# -- matching ---------------------------------------------------------------------------------------------


def _purl_parts(purl: str) -> tuple[str, str | None, dict[str, str]] | None:
    """(type/namespace/name lowercased, version, qualifiers) of a purl, or None when not a purl."""
    if not purl.startswith("pkg:"):
        return None
    body = purl[4:].split("#", 1)[0]
    body, _, query = body.partition("?")
    qualifiers = {}
    for pair in query.split("&") if query else ():
        key, _, value = pair.partition("=")
        qualifiers[key.lower()] = unquote(value)
    # the version follows the last '@' of the name part (namespaces never contain '@' unencoded
    # except npm scopes, which are percent-encoded as %40 in canonical purls)
    head, at, version = body.rpartition("@")
    if at and "/" in head:
        base, ver = head, unquote(version)
    else:
        base, ver = body, None
    return unquote(base).strip("/").lower(), ver, qualifiers


def purl_matches(pattern: str, purl: str | None) -> bool:
    """Whether a statement/waiver purl covers a finding's package purl (version-less = any version)."""
    if purl is None:
        return False
    want, have = _purl_parts(pattern), _purl_parts(purl)
    if want is None or have is None:
        return pattern == purl
    if want[0] != have[0]:
        return False
    if want[1] is not None and want[1] != have[1]:
        return False
    return all(have[2].get(k) == v for k, v in want[2].items())


def _ids(finding: Finding) -> set[str]:
    return {finding.id.lower(), *(a.lower() for a in finding.aliases)}


def _names_artifact(product: str, target: ArtifactRef) -> bool:
    if product in (target.ref, target.name) or (target.digest and product == target.digest):
        return True
    if product in target.repo_tags or product in target.repo_digests:
        return True
    parts = _purl_parts(product)
    if parts is None or not parts[0].startswith(("oci/", "docker/")):
        return False
    want_name = parts[0].rsplit("/", 1)[-1]
    repo = (target.name or target.ref).split("@", 1)[0]
    last = repo.rsplit("/", 1)[-1]
    have_name = last.split(":", 1)[0].lower()
    if want_name != have_name:
        return False
    return parts[1] is None or parts[1] == target.digest


def statement_applies(st: VexStatement, finding: Finding, target: ArtifactRef) -> bool:
    if not ({st.vulnerability.lower(), *(a.lower() for a in st.aliases)} & _ids(finding)):
        return False
    for product in st.products:
        if purl_matches(product.id, finding.package):
            return True
        if _names_artifact(product.id, target):
            if not product.subcomponents:
                return True
            if any(purl_matches(sub, finding.package) for sub in product.subcomponents):
                return True
        elif any(purl_matches(sub, finding.package) for sub in product.subcomponents):
            return True
    return False


def select_statement(
    statements: Iterable[VexStatement], finding: Finding, target: ArtifactRef
) -> VexStatement | None:
    """The latest matching statement (by timestamp; later in the input wins ties)."""
    best: tuple[str, int, VexStatement] | None = None
    for order, st in enumerate(statements):
        if not statement_applies(st, finding, target):
            continue
        key = (st.timestamp or "", order, st)
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else None


# -- export -----------------------------------------------------------------------------------------------


def export_openvex(
    waivers: Sequence[Waiver],
    *,
    now: datetime,
    author: str,
    products: Sequence[str] = (),
    doc_id: str | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """An OpenVEX 0.2.0 document from active vulnerability waivers, plus notes about skipped waivers.

    Each waiver with an ``id`` becomes a ``not_affected`` statement: its product is the waiver's
    ``package`` purl, else ``products``; the waiver's ``justification`` is used when it has one,
    else its reason becomes the ``impact_statement``. Expired waivers and waivers without an id or a
    product are skipped (and named in the notes).
    """
    today = now.date()
    stamp = now.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    statements: list[dict[str, Any]] = []
    notes: list[str] = []
    for w in waivers:
        where = f" ({w.source})" if w.source else ""
        if w.expired(today):
            notes.append(f"skipped {w.label}{where}: expired {w.expires.isoformat()}")
            continue
        if not w.id:
            notes.append(f"skipped {w.label}{where}: waives no vulnerability id")
            continue
        prods = [w.package] if w.package and w.package.startswith("pkg:") else list(products)
        if not prods:
            notes.append(
                f"skipped {w.label}{where}: no product (give the waiver a package purl, or --product)"
            )
            continue
        st: dict[str, Any] = {
            "vulnerability": {"name": w.id},
            "timestamp": stamp,
            "products": [{"@id": p} for p in prods],
            "status": "not_affected",
        }
        if w.justification:
            st["justification"] = w.justification
            st["status_notes"] = f"{w.reason} (owner: {w.owner}; expires {w.expires.isoformat()})"
        else:
            st["impact_statement"] = w.reason
            st["status_notes"] = f"owner: {w.owner}; expires {w.expires.isoformat()}"
        statements.append(st)
    if not statements:
        raise PolicyError("no active vulnerability waivers to export", hint="; ".join(notes) or None)
    body = json.dumps(statements, sort_keys=True).encode()
    digest = hashlib.sha256(body).hexdigest()
    doc = {
        "@context": OPENVEX_CONTEXT,
        "@id": doc_id or f"https://openvex.dev/docs/public/bastion-{digest[:32]}",
        "author": author,
        "timestamp": stamp,
        "version": 1,
        "tooling": "bastion vex export",
        "statements": statements,
    }
    return doc, notes
