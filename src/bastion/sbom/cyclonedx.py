"""CycloneDX 1.6 out (JSON and XML, via cyclonedx-python-lib) and CycloneDX JSON 1.2 to 1.6 in.

Encoding (one component per package, ``bom-ref`` = package id):

- ``metadata.component`` is the target: a ``container`` (image, with its digest as version and an
  ``pkg:oci`` purl), or an ``application`` (directory, repository) or ``file`` (SBOM); ``metadata.tools``
  names bastion and its version.
- The operating system is an ``operating-system`` component; the target depends on it and on the direct
  (or top-level) packages; the OS depends on its top-level packages; packages depend on packages.
- Licenses: SPDX ids as ``license.id``, names as ``license.name``, one expression as ``expression``
  (several licenses that include an expression become one conjunction, as CycloneDX allows only one
  expression and no mixing).
- ``hashes`` from ``Package.metadata`` (``sha1`` of a jar, …); ``scope: excluded`` for dev dependencies;
  ``evidence.occurrences`` for the paths; everything else bastion knows (found_by, ecosystem, layers,
  source package, direct/dev, metadata) as ``bastion:`` properties, so bastion reads its own output back
  without loss.
- Vulnerability findings become ``vulnerabilities`` (a VDR): id, source, aliases as references, ratings
  from CVSS plus the overall severity, ``affects`` the package's bom-ref with the installed version, and
  an ``analysis`` for suppressed findings (VEX not_affected with justification; a waiver as will_not_fix).

Decoding reads what syft, trivy and bastion write: purl → ecosystem/name/version, the tool's properties
for source packages and locations (``syft:location:N:path``, ``aquasecurity:trivy:SrcName`` …), trivy's
lockfile ``application`` components for paths and direct dependencies, the ``operating-system``
component (or the purls' ``distro`` qualifiers) for the OS, and the ``dependencies`` graph.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO, ClassVar, TextIO
from xml.etree.ElementTree import Element

from cyclonedx.model import HashAlgorithm, HashType, Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.component import Component, ComponentScope, ComponentType
from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.impact_analysis import (
    ImpactAnalysisAffectedStatus,
    ImpactAnalysisJustification,
    ImpactAnalysisResponse,
    ImpactAnalysisState,
)
from cyclonedx.model.license import DisjunctiveLicense, License, LicenseAcknowledgement, LicenseExpression
from cyclonedx.model.tool import ToolRepository
from cyclonedx.model.vulnerability import (
    BomTarget,
    BomTargetVersionRange,
    Vulnerability,
    VulnerabilityAdvisory,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilityScoreSource,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from packageurl import PackageURL

from bastion.errors import SbomFormatError
from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.fs.parsing import ParseError, load_json, parse_xml
from bastion.model import (
    ArtifactKind,
    ArtifactRef,
    Finding,
    FindingKind,
    LayerInfo,
    Location,
    OsInfo,
    Package,
    Severity,
    Unknown,
    VulnEvidence,
)
from bastion.sbom import _common as c
from bastion.sbom import _licenses, _purl
from bastion.sbom.base import Sbom, Tool

__all__ = [
    "CycloneDxJsonDecoder",
    "CycloneDxJsonEncoder",
    "CycloneDxXmlDecoder",
    "CycloneDxXmlEncoder",
    "build_bom",
]

SPEC_VERSION = "1.6"
_SCHEMA = SchemaVersion.V1_6

_HASH_ALG = {
    "md5": HashAlgorithm.MD5,
    "sha1": HashAlgorithm.SHA_1,
    "sha256": HashAlgorithm.SHA_256,
    "sha384": HashAlgorithm.SHA_384,
    "sha512": HashAlgorithm.SHA_512,
}
_HASH_KEY = {alg.value: key for key, alg in _HASH_ALG.items()}

_SEVERITY = {
    Severity.CRITICAL: VulnerabilitySeverity.CRITICAL,
    Severity.HIGH: VulnerabilitySeverity.HIGH,
    Severity.MEDIUM: VulnerabilitySeverity.MEDIUM,
    Severity.LOW: VulnerabilitySeverity.LOW,
    Severity.UNKNOWN: VulnerabilitySeverity.UNKNOWN,
}
_CVSS_METHOD = {
    "2": VulnerabilityScoreSource.CVSS_V2,
    "2.0": VulnerabilityScoreSource.CVSS_V2,
    "3": VulnerabilityScoreSource.CVSS_V3,
    "3.0": VulnerabilityScoreSource.CVSS_V3,
    "3.1": VulnerabilityScoreSource.CVSS_V3_1,
    "4": VulnerabilityScoreSource.CVSS_V4,
    "4.0": VulnerabilityScoreSource.CVSS_V4,
}
#: OpenVEX / CSAF justifications → CycloneDX; CycloneDX's own values map to themselves.
_JUSTIFICATION = {
    "component_not_present": ImpactAnalysisJustification.CODE_NOT_PRESENT,
    "vulnerable_code_not_present": ImpactAnalysisJustification.CODE_NOT_PRESENT,
    "vulnerable_code_not_in_execute_path": ImpactAnalysisJustification.CODE_NOT_REACHABLE,
    "vulnerable_code_cannot_be_controlled_by_adversary": ImpactAnalysisJustification.PROTECTED_BY_MITIGATING_CONTROL,
    "inline_mitigations_already_exist": ImpactAnalysisJustification.PROTECTED_BY_MITIGATING_CONTROL,
    **{j.value: j for j in ImpactAnalysisJustification},
}


# ==================================================================================================
# encoding
# ==================================================================================================


class _Refs:
    """Unique bom-refs: package ids where they are unique, otherwise a suffixed form."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, wanted: str) -> str:
        ref = wanted
        n = 1
        while ref in self.used:
            n += 1
            ref = f"{wanted}-{n}"
        self.used.add(ref)
        return ref


def build_bom(sbom: Sbom) -> Bom:
    """The cyclonedx-python-lib model of an :class:`Sbom` (what both encoders serialise)."""
    refs = _Refs()
    tools = ToolRepository(
        components=[
            Component(
                type=ComponentType.APPLICATION,
                name=t.name,
                group=t.vendor or None,
                version=t.version or None,
                bom_ref=refs.take(f"tool:{t.name}"),
            )
            for t in sbom.tools
        ]
    )
    root = _target_component(sbom.target, refs)
    bom = Bom(
        serial_number=sbom.serial_uuid(),
        metadata=BomMetaData(timestamp=sbom.timestamp(), tools=tools, component=root),
    )

    components: list[Component] = []
    os_component: Component | None = None
    os_info = sbom.target.os
    if os_info is not None:
        os_component = _os_component(os_info, refs)
        components.append(os_component)

    by_id: dict[str, Component] = {}
    pkg_refs: dict[str, str] = {}
    for pkg in sbom.packages:
        comp = _package_component(pkg, refs)
        components.append(comp)
        key = pkg.id or comp.bom_ref.value or ""
        by_id.setdefault(key, comp)
        pkg_refs.setdefault(key, str(comp.bom_ref.value))
    bom.components.update(components)

    # dependency graph
    deps: dict[str, list[str]] = {}
    os_pkgs = [p for p in sbom.packages if c.is_os_package(p)]
    lang_pkgs = [p for p in sbom.packages if not c.is_os_package(p)]
    root_deps: list[str] = []
    if os_component is not None and os_pkgs:
        root_deps.append(str(os_component.bom_ref.value))
        deps[str(os_component.bom_ref.value)] = [
            pkg_refs[p.id] for p in c.top_level(os_pkgs) if p.id in pkg_refs
        ]
    elif os_component is not None:
        deps[str(os_component.bom_ref.value)] = []
    else:
        lang_pkgs = list(sbom.packages)
    top = {p.id for p in c.top_level(lang_pkgs)}
    for p in lang_pkgs:
        if p.direct or (p.direct is None and p.id in top):
            root_deps.append(pkg_refs[p.id or ""])
    deps[str(root.bom_ref.value)] = root_deps
    for pkg in sbom.packages:
        ref = pkg_refs.get(pkg.id or "")
        if ref is None or ref in deps:
            continue
        deps[ref] = [pkg_refs[d] for d in pkg.dependencies if d in pkg_refs and pkg_refs[d] != ref]
    for ref, targets in deps.items():
        bom.dependencies.add(
            Dependency(
                ref=BomRef(ref), dependencies=[Dependency(ref=BomRef(t)) for t in dict.fromkeys(targets)]
            )
        )

    _fast_dependency_check(bom)

    vulns = [f for f in sbom.findings if f.kind is FindingKind.VULNERABILITY]
    if vulns:
        purl_refs = {
            p.purl: pkg_refs[p.id or ""] for p in sbom.packages if p.purl and (p.id or "") in pkg_refs
        }
        bom.vulnerabilities.update(_vulnerability(f, pkg_refs, purl_refs, refs) for f in vulns)
    return bom


def _fast_dependency_check(bom: Bom) -> None:
    """The outputters call ``Bom.validate()``, which registers every component's dependency entry with a
    linear search each (quadratic: 6 s for 2,000 packages). Every component already has its entry here,
    so answer that check from a set and leave anything else to the library."""
    known = {d.ref for d in bom.dependencies}
    original = bom.register_dependency

    def register(target: Any, depends_on: Any = None) -> None:
        if depends_on is None and target.bom_ref in known:
            return
        original(target, depends_on)

    bom.register_dependency = register  # type: ignore[method-assign]


def _target_component(ref: ArtifactRef, refs: _Refs) -> Component:
    name = c.subject_name(ref)
    ident = hashlib.sha256(f"{ref.kind.value}\x00{ref.ref}\x00{ref.digest or ''}".encode()).hexdigest()[:16]
    props = [
        Property(name=c.P_TARGET + "kind", value=ref.kind.value),
        Property(name=c.P_TARGET + "ref", value=ref.ref),
    ]
    purl: PackageURL | None = None
    version: str | None = None
    hashes: list[HashType] = []
    ctype = ComponentType.APPLICATION
    match ref.kind:
        case ArtifactKind.IMAGE:
            ctype = ComponentType.CONTAINER
            version = ref.digest
            if ref.digest:
                purl = _oci_purl(ref)
            if ref.image_id:
                props.append(Property(name=c.P_TARGET + "image_id", value=ref.image_id))
            props.extend(Property(name=c.P_TARGET + "repo_tag", value=t) for t in ref.repo_tags)
            props.extend(Property(name=c.P_TARGET + "repo_digest", value=d) for d in ref.repo_digests)
            if ref.platform:
                props.append(Property(name=c.P_TARGET + "platform", value=ref.platform))
            for layer in ref.layers:
                props.append(Property(name=f"{c.P_TARGET}layer:{layer.index}:diff_id", value=layer.diff_id))
                if layer.digest:
                    props.append(Property(name=f"{c.P_TARGET}layer:{layer.index}:digest", value=layer.digest))
        case ArtifactKind.SBOM:
            ctype = ComponentType.FILE
            if ref.digest and ref.digest.startswith("sha256:"):
                hashes.append(HashType(alg=HashAlgorithm.SHA_256, content=ref.digest.removeprefix("sha256:")))
        case ArtifactKind.FS | ArtifactKind.REPO | ArtifactKind.CONFIG:
            version = ref.digest
    props.extend(Property(name=f"{c.P_TARGET}metadata:{k}", value=v) for k, v in sorted(ref.metadata.items()))
    return Component(
        type=ctype,
        name=name,
        version=version,
        purl=purl,
        hashes=hashes,
        bom_ref=refs.take(f"target:{ident}"),
        properties=props,
    )


def _oci_purl(ref: ArtifactRef) -> PackageURL | None:
    """``pkg:oci/<name>@<digest>?repository_url=<registry>/<repo>&tag=<tag>`` (the purl spec's OCI type)."""
    text = ref.ref
    if ":" in text.split("/", 1)[0] and text.startswith(("oci:", "docker-archive:")):
        return None
    repo = text.split("@", 1)[0]
    tag = None
    last = repo.rsplit("/", 1)[-1]
    if ":" in last:
        repo, tag = repo.rsplit(":", 1)
    if not repo or repo.startswith(("/", ".")) or ":" in repo.split("/", 1)[-1]:
        return None
    name = repo.rsplit("/", 1)[-1].lower()
    quals: dict[str, str] = {"repository_url": repo}
    if tag:
        quals["tag"] = tag
    if ref.platform:
        arch = ref.platform.split("/")[1] if "/" in ref.platform else ""
        if arch:
            quals["arch"] = arch
    try:
        return PackageURL(type="oci", name=name, version=ref.digest, qualifiers=quals)
    except ValueError:
        return None


def _os_component(os_info: OsInfo, refs: _Refs) -> Component:
    props = []
    if os_info.codename:
        props.append(Property(name="bastion:os:codename", value=os_info.codename))
    if os_info.distroless:
        props.append(Property(name="bastion:os:distroless", value="true"))
    return Component(
        type=ComponentType.OPERATING_SYSTEM,
        name=os_info.family,
        version=os_info.version or None,
        description=os_info.name,
        bom_ref=refs.take(f"os:{os_info.family}@{os_info.version}"),
        properties=props,
    )


def _package_component(pkg: Package, refs: _Refs) -> Component:
    purl = _purl.parse(pkg.purl)
    name = pkg.name
    group = None
    if purl is not None and purl.type == "maven" and purl.namespace:
        group, name = purl.namespace, purl.name
    props = [Property(name=c.P_ECOSYSTEM, value=pkg.ecosystem.value)]
    if name != pkg.name:
        props.append(Property(name=c.P_NAME, value=pkg.name))
    if pkg.found_by:
        props.append(Property(name=c.P_FOUND_BY, value=pkg.found_by))
    if purl is None and pkg.purl:
        props.append(Property(name="bastion:package:purl", value=pkg.purl))
    for i, loc in enumerate(pkg.locations):
        props.append(Property(name=c.P_LOCATION.format(i=i, field="path"), value=loc.path))
        if loc.layer:
            props.append(Property(name=c.P_LOCATION.format(i=i, field="layer"), value=loc.layer))
    if pkg.source_name:
        props.append(Property(name=c.P_SOURCE_NAME, value=pkg.source_name))
    if pkg.source_version:
        props.append(Property(name=c.P_SOURCE_VERSION, value=pkg.source_version))
    if pkg.direct is not None:
        props.append(Property(name=c.P_DIRECT, value=c.bool_text(pkg.direct)))
    if pkg.dev is not None:
        props.append(Property(name=c.P_DEV, value=c.bool_text(pkg.dev)))
    props.extend(Property(name=c.P_METADATA + k, value=v) for k, v in sorted(pkg.metadata.items()))
    hashes = [
        HashType(alg=_HASH_ALG[k], content=v.lower())
        for k, v in sorted(pkg.metadata.items())
        if k in _HASH_ALG and re.fullmatch(r"[0-9a-fA-F]{32,128}", v)
    ]
    paths = list(dict.fromkeys(loc.path for loc in pkg.locations if loc.path))
    evidence = ComponentEvidence(occurrences=[Occurrence(location=p) for p in paths]) if paths else None
    return Component(
        type=ComponentType.LIBRARY,
        name=name,
        group=group,
        version=pkg.version or None,
        purl=purl,
        bom_ref=refs.take(pkg.id or pkg.purl or f"{pkg.ecosystem.value}:{pkg.name}@{pkg.version}"),
        licenses=_licenses_of(pkg.licenses),
        hashes=hashes,
        scope=ComponentScope.EXCLUDED if pkg.dev else None,
        evidence=evidence,
        properties=props,
    )


def _licenses_of(values: Iterable[str]) -> list[License]:
    terms = [_licenses.classify(v) for v in dict.fromkeys(v for v in values if v and v.strip())]
    if not terms:
        return []
    declared = LicenseAcknowledgement.DECLARED
    if any(t.kind == "expression" for t in terms):
        if all(t.kind != "name" for t in terms):
            expr = _licenses.conjunction([t.value for t in terms])
            return [LicenseExpression(expr, acknowledgement=declared)]
        # A name cannot be part of an expression: keep every entry, expressions as names.
        return [
            DisjunctiveLicense(id=t.value, acknowledgement=declared)
            if t.kind == "id"
            else DisjunctiveLicense(name=t.value, acknowledgement=declared)
            for t in terms
        ]
    return [
        DisjunctiveLicense(id=t.value, acknowledgement=declared)
        if t.kind == "id"
        else DisjunctiveLicense(name=t.value, acknowledgement=declared)
        for t in terms
    ]


def _source_for(identifier: str, data_source: str = "") -> VulnerabilitySource:
    if identifier.startswith("CVE-"):
        return VulnerabilitySource(name="NVD", url=XsUri(f"https://nvd.nist.gov/vuln/detail/{identifier}"))
    if identifier.startswith("GHSA-"):
        return VulnerabilitySource(name="GitHub", url=XsUri(f"https://github.com/advisories/{identifier}"))
    if data_source:
        return VulnerabilitySource(name=data_source)
    return VulnerabilitySource(name="OSV", url=XsUri(f"https://osv.dev/vulnerability/{identifier}"))


def _vulnerability(
    f: Finding, pkg_refs: dict[str, str], purl_refs: dict[str, str], refs: _Refs
) -> Vulnerability:
    ev = f.evidence if isinstance(f.evidence, VulnEvidence) else None
    data_source = ev.data_source if ev else ""
    ratings = [_cvss_rating(cv) for cv in f.cvss]
    ratings.append(
        VulnerabilityRating(
            source=VulnerabilitySource(name=(ev.severity_source if ev and ev.severity_source else "bastion")),
            severity=_SEVERITY[f.severity],
            method=VulnerabilityScoreSource.OTHER,
        )
    )
    target = pkg_refs.get(f.package_id or "") or purl_refs.get(f.package or "") or f.package or ""
    versions = (
        [BomTargetVersionRange(version=f.installed_version, status=ImpactAnalysisAffectedStatus.AFFECTED)]
        if f.installed_version
        else []
    )
    advisories = []
    for url in dict.fromkeys(f.references):
        try:
            advisories.append(VulnerabilityAdvisory(url=XsUri(url)))
        except Exception:  # an unusable URL is left out of the advisories, it stays in detail
            continue
    props = [Property(name="bastion:finding:fingerprint", value=f.fingerprint)]
    if f.found_by:
        props.append(Property(name="bastion:finding:found_by", value=f.found_by))
    if f.known_exploited:
        props.append(Property(name="bastion:finding:known_exploited", value="true"))
    if f.fixed_versions:
        props.append(Property(name="bastion:finding:fixed_versions", value=", ".join(f.fixed_versions)))
    if ev is not None:
        for key in ("fix_state", "data_source", "match_reason", "kev_due_date", "distro_urgency"):
            val = getattr(ev, key)
            if val:
                props.append(Property(name=f"bastion:finding:{key}", value=str(val)))
        if ev.epss is not None:
            props.append(Property(name="bastion:finding:epss", value=f"{ev.epss:.5f}"))
    if f.suppressed is not None:
        s = f.suppressed
        props.append(Property(name="bastion:suppressed:by", value=s.by))
        for key in ("ref", "owner", "expires"):
            val = getattr(s, key)
            if val:
                props.append(Property(name=f"bastion:suppressed:{key}", value=val))
    recommendation = None
    if f.fixed_versions:
        recommendation = f"Upgrade to {', '.join(f.fixed_versions)}"
    return Vulnerability(
        bom_ref=refs.take(f"vuln:{f.fingerprint}"),
        id=f.id,
        source=_source_for(f.id, data_source),
        references=[
            VulnerabilityReference(id=a, source=_source_for(a)) for a in dict.fromkeys(f.aliases) if a != f.id
        ],
        ratings=ratings,
        description=f.title or None,
        detail=f.description or None,
        recommendation=recommendation,
        advisories=advisories,
        published=c.parse_time(ev.published) if ev else None,
        updated=c.parse_time(ev.modified) if ev else None,
        analysis=_analysis(f),
        affects=[BomTarget(ref=target, versions=versions)] if target else [],
        properties=props,
    )


def _cvss_rating(cv: Any) -> VulnerabilityRating:
    score: Decimal | None = None
    if cv.score is not None:
        try:
            score = Decimal(str(cv.score))
        except InvalidOperation:
            score = None
    severity = cv.severity if cv.severity is not Severity.UNKNOWN else Severity.from_score(cv.score)
    return VulnerabilityRating(
        source=VulnerabilitySource(name=cv.source) if cv.source else None,
        score=score,
        severity=_SEVERITY[severity],
        method=_CVSS_METHOD.get(cv.version, VulnerabilityScoreSource.OTHER),
        vector=cv.vector or None,
    )


def _analysis(f: Finding) -> VulnerabilityAnalysis | None:
    s = f.suppressed
    if s is None:
        return None
    detail = f"suppressed by {s.by}" + (f" {s.ref}" if s.ref else "") + f": {s.reason}"
    if s.owner:
        detail += f" (owner: {s.owner})"
    if s.expires:
        detail += f" (expires {s.expires})"
    if s.by == "vex":
        just = (s.justification or "").strip().lower()
        if just in ("fixed", "resolved"):
            return VulnerabilityAnalysis(state=ImpactAnalysisState.RESOLVED, detail=detail)
        return VulnerabilityAnalysis(
            state=ImpactAnalysisState.NOT_AFFECTED, justification=_JUSTIFICATION.get(just), detail=detail
        )
    if s.by == "waiver":
        return VulnerabilityAnalysis(responses=[ImpactAnalysisResponse.WILL_NOT_FIX], detail=detail)
    return VulnerabilityAnalysis(detail=detail)


_KEY_ORDER = ("$schema", "bomFormat", "specVersion", "serialNumber", "version", "metadata", "components")


class CycloneDxJsonEncoder:
    format_id: ClassVar[str] = "cyclonedx-json"
    spec_version: ClassVar[str] = SPEC_VERSION
    media_type: ClassVar[str] = "application/vnd.cyclonedx+json; version=1.6"
    file_extension: ClassVar[str] = ".cdx.json"

    def encode(self, sbom: Sbom, out: TextIO) -> None:
        text = make_outputter(build_bom(sbom), OutputFormat.JSON, _SCHEMA).output_as_string()
        # The library sorts keys; put the identifying ones first, as syft and trivy do, so that tools
        # (and people) that look at the head of the file see what it is.
        doc = json.loads(text)
        ordered = {k: doc[k] for k in _KEY_ORDER if k in doc}
        ordered.update((k, v) for k, v in doc.items() if k not in ordered)
        json.dump(ordered, out, indent=2, ensure_ascii=False)
        out.write("\n")


class CycloneDxXmlEncoder:
    format_id: ClassVar[str] = "cyclonedx-xml"
    spec_version: ClassVar[str] = SPEC_VERSION
    media_type: ClassVar[str] = "application/vnd.cyclonedx+xml; version=1.6"
    file_extension: ClassVar[str] = ".cdx.xml"

    def encode(self, sbom: Sbom, out: TextIO) -> None:
        text = make_outputter(build_bom(sbom), OutputFormat.XML, _SCHEMA).output_as_string(indent=2)
        out.write(text)
        out.write("\n")


# ==================================================================================================
# decoding
# ==================================================================================================

_JSON_FORMAT = re.compile(rb'"bomFormat"\s*:\s*"CycloneDX"')
_JSON_SPEC = re.compile(rb'"specVersion"\s*:\s*"(\d+\.\d+)"')
_XML_NS = re.compile(rb"<bom\b[^>]*xmlns=[\"']http://cyclonedx\.org/schema/bom/(\d+\.\d+)[\"']")
SUPPORTED_JSON = ("1.2", "1.3", "1.4", "1.5", "1.6")
_BASTION_LOCATION = re.compile(r"^bastion:location:(\d+):(path|layer)$")


def _identify_json(head: bytes) -> str | None:
    if not _JSON_FORMAT.search(head):
        return None
    m = _JSON_SPEC.search(head)
    return m.group(1).decode() if m else "unknown"


class CycloneDxJsonDecoder:
    format_id: ClassVar[str] = "cyclonedx-json"

    def identify(self, head: bytes) -> str | None:
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not stripped.startswith(b"{"):
            return None
        return _identify_json(stripped)

    def decode(self, stream: BinaryIO, *, source: str = "<sbom>", limits: Limits = DEFAULT_LIMITS) -> Sbom:
        data = c.read_bounded(stream, source, limits)
        try:
            doc = load_json(data, source, limits)
        except ParseError as exc:
            raise SbomFormatError(exc.message) from None
        return decode_document(doc, source=source, digest=c.sha256_digest(data))


def identify_xml(head: bytes) -> str | None:
    """The spec version of a CycloneDX XML document, from its namespace."""
    m = _XML_NS.search(head)
    return m.group(1).decode() if m else None


class CycloneDxXmlDecoder:
    """CycloneDX XML (1.2 to 1.6), read into the same shape as the JSON form and decoded by the same code."""

    format_id: ClassVar[str] = "cyclonedx-xml"

    def identify(self, head: bytes) -> str | None:
        return identify_xml(head)

    def decode(self, stream: BinaryIO, *, source: str = "<sbom>", limits: Limits = DEFAULT_LIMITS) -> Sbom:
        data = c.read_bounded(stream, source, limits)
        try:
            root = parse_xml(data, source, limits)
        except ParseError as exc:
            raise SbomFormatError(exc.message) from None
        doc = _XmlDoc(root).document()
        return decode_document(doc, source=source, digest=c.sha256_digest(data), fmt="cyclonedx-xml")


class _XmlDoc:
    """The parts of a CycloneDX XML document the decoder reads, as the JSON form's dicts and lists."""

    def __init__(self, root: Element) -> None:
        self.root = root
        self.ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""

    def q(self, *tags: str) -> str:
        return "/".join(f"{{{self.ns}}}{t}" if self.ns else t for t in tags)

    def text(self, el: Element, tag: str) -> str:
        child = el.find(self.q(tag))
        return (child.text or "").strip() if child is not None else ""

    def document(self) -> dict[str, Any]:
        root = self.root
        if root.tag != self.q("bom"):
            return {"bomFormat": None}
        doc: dict[str, Any] = {
            "bomFormat": "CycloneDX",
            "specVersion": self.ns.rsplit("/", 1)[-1]
            if self.ns.startswith("http://cyclonedx.org/schema/bom/")
            else None,
            "serialNumber": root.get("serialNumber", ""),
        }
        meta_el = root.find(self.q("metadata"))
        if meta_el is not None:
            meta: dict[str, Any] = {"timestamp": self.text(meta_el, "timestamp")}
            tools = [self._component(t) for t in meta_el.findall(self.q("tools", "components", "component"))]
            tools += [
                {
                    "vendor": self.text(t, "vendor"),
                    "name": self.text(t, "name"),
                    "version": self.text(t, "version"),
                }
                for t in meta_el.findall(self.q("tools", "tool"))
            ]
            meta["tools"] = tools
            subject = meta_el.find(self.q("component"))
            if subject is not None:
                meta["component"] = self._component(subject)
            doc["metadata"] = meta
        doc["components"] = [self._component(el) for el in root.findall(self.q("components", "component"))]
        doc["dependencies"] = [
            {
                "ref": d.get("ref", ""),
                "dependsOn": [x.get("ref", "") for x in d.findall(self.q("dependency"))],
            }
            for d in root.findall(self.q("dependencies", "dependency"))
        ]
        return doc

    def _component(self, el: Element) -> dict[str, Any]:
        out: dict[str, Any] = {"type": el.get("type", ""), "bom-ref": el.get("bom-ref", "")}
        for tag in ("name", "version", "group", "purl", "scope", "description", "author"):
            value = self.text(el, tag)
            if value:
                out[tag] = value
        out["properties"] = [
            {"name": p.get("name", ""), "value": (p.text or "").strip()}
            for p in el.findall(self.q("properties", "property"))
        ]
        out["hashes"] = self._hashes(el)
        licenses: list[dict[str, Any]] = []
        lic_el = el.find(self.q("licenses"))
        if lic_el is not None:
            for child in lic_el:
                if child.tag == self.q("license"):
                    licenses.append(
                        {"license": {"id": self.text(child, "id"), "name": self.text(child, "name")}}
                    )
                elif child.tag == self.q("expression"):
                    licenses.append({"expression": (child.text or "").strip()})
        out["licenses"] = licenses
        out["externalReferences"] = [
            {"type": r.get("type", ""), "hashes": self._hashes(r)}
            for r in el.findall(self.q("externalReferences", "reference"))
        ]
        occurrences = el.findall(self.q("evidence", "occurrences", "occurrence"))
        if occurrences:
            out["evidence"] = {"occurrences": [{"location": self.text(o, "location")} for o in occurrences]}
        out["components"] = [self._component(sub) for sub in el.findall(self.q("components", "component"))]
        return out

    def _hashes(self, el: Element) -> list[dict[str, str]]:
        return [
            {"alg": h.get("alg", ""), "content": (h.text or "").strip()}
            for h in el.findall(self.q("hashes", "hash"))
        ]


def decode_document(doc: Any, *, source: str, digest: str, fmt: str = "cyclonedx-json") -> Sbom:
    """A parsed CycloneDX JSON document → :class:`Sbom` (packages, target identity, OS)."""
    if not isinstance(doc, dict):
        raise SbomFormatError(f"{source}: expected a CycloneDX JSON object, got {type(doc).__name__}")
    if doc.get("bomFormat") != "CycloneDX":
        raise SbomFormatError(f"{source}: not a CycloneDX document (bomFormat is {doc.get('bomFormat')!r})")
    spec = doc.get("specVersion")
    if spec not in SUPPORTED_JSON:
        raise SbomFormatError(
            f"{source}: CycloneDX specVersion {spec!r} is not supported (expected one of {', '.join(SUPPORTED_JSON)})"
        )
    return _Reader(doc, source, str(spec), digest, fmt).read()


def _props(obj: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    raw = obj.get("properties")
    if isinstance(raw, list):
        for p in raw:
            if isinstance(p, dict) and isinstance(p.get("name"), str):
                val = p.get("value")
                out[p["name"]].append(val if isinstance(val, str) else "")
    return out


def _first(props: dict[str, list[str]], name: str) -> str | None:
    vals = props.get(name)
    return vals[0] if vals else None


def _str(obj: dict[str, Any], key: str) -> str:
    val = obj.get(key)
    return val if isinstance(val, str) else ""


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


class _Reader:
    def __init__(self, doc: dict[str, Any], source: str, spec: str, digest: str, fmt: str) -> None:
        self.doc = doc
        self.fmt = fmt
        self.plugin = f"sbom/{fmt}"
        self.source = source
        self.spec = spec
        self.digest = digest
        self.unknowns: list[Unknown] = []
        #: bom-refs of components bastion wrote (their properties are authoritative, nothing is inferred)
        self.own: set[str] = set()

    # -- walk -----------------------------------------------------------------------------------
    def _components(self) -> Iterator[dict[str, Any]]:
        stack = list(reversed(_dicts(self.doc.get("components"))))
        while stack:
            comp = stack.pop()
            yield comp
            stack.extend(reversed(_dicts(comp.get("components"))))

    def read(self) -> Sbom:
        meta = self.doc.get("metadata") if isinstance(self.doc.get("metadata"), dict) else {}
        assert isinstance(meta, dict)
        root = meta.get("component") if isinstance(meta.get("component"), dict) else None
        root_ref = _str(root, "bom-ref") if root else ""

        graph: dict[str, list[str]] = {}
        for dep in _dicts(self.doc.get("dependencies")):
            ref = _str(dep, "ref")
            if ref:
                raw = dep.get("dependsOn")
                targets = [t for t in raw if isinstance(t, str)] if isinstance(raw, list) else []
                graph.setdefault(ref, []).extend(targets)

        os_info: OsInfo | None = None
        os_refs: set[str] = set()
        holders: dict[str, str] = {}  # bom-ref of a lockfile/binary "application" component → its path
        packages: dict[str, Package] = {}  # bom-ref → package (before ids)
        distros: list[OsInfo] = []
        for index, comp in enumerate(self._components()):
            ctype = _str(comp, "type")
            ref = _str(comp, "bom-ref") or f"#component-{index}"
            if ctype == "operating-system":
                os_refs.add(ref)
                if os_info is None:
                    os_info = self._os(comp)
                continue
            pkg = self._package(comp, ref)
            if pkg is None:
                if ctype in ("application", "file") and _str(comp, "name"):
                    holders[ref] = c.clean_path(_str(comp, "name"))
                continue
            packages[ref] = pkg
            if any(p.get("name") == c.P_ECOSYSTEM for p in _dicts(comp.get("properties"))):
                self.own.add(ref)
            if pkg.ecosystem.is_os:
                d = _purl.parse(pkg.purl)
                facts = _purl.facts(d) if d is not None else None
                if facts is not None and facts.distro is not None:
                    distros.append(facts.distro)

        packages = c.place_in_holders(
            packages, holders, lambda r: graph.get(r, ()), lambda r: graph.get(r, ())
        )
        packages = self._directness(packages, graph, root_ref, set(holders), os_refs)

        # ids, duplicates, dependency edges
        ids: dict[str, str] = {}
        final: dict[str, Package] = {}
        for ref, pkg in packages.items():
            pkg = c.with_id(pkg)
            ids[ref] = pkg.id
            prev = final.get(pkg.id)
            if prev is None:
                final[pkg.id] = pkg
            else:
                final[pkg.id] = dataclasses.replace(
                    prev, locations=tuple(dict.fromkeys(prev.locations + pkg.locations))
                )
        edges: dict[str, list[str]] = defaultdict(list)
        for ref, targets in graph.items():
            src = ids.get(ref)
            if src is None:
                continue
            edges[src].extend(ids[t] for t in targets if t in ids and ids[t] != src)
        result = [
            dataclasses.replace(pkg, dependencies=tuple(dict.fromkeys(edges.get(pid, ()))))
            for pid, pkg in final.items()
        ]

        if os_info is None:
            os_info = c.dominant_distro(distros)
        target = self._target(meta, root, os_info)
        return Sbom(
            target=target,
            packages=c.sort_packages(result),
            unknowns=tuple(self.unknowns),
            tools=tuple(self._tools(meta)),
            created=c.parse_time(meta.get("timestamp")),
            serial=_str(self.doc, "serialNumber") or None,
            source_format=self.fmt,
            spec_version=self.spec,
        )

    # -- pieces ---------------------------------------------------------------------------------
    def _os(self, comp: dict[str, Any]) -> OsInfo:
        props = _props(comp)
        family = (_first(props, "syft:distro:id") or _str(comp, "name")).lower()
        version = _first(props, "syft:distro:versionID") or _str(comp, "version")
        pretty = _first(props, "syft:distro:prettyName") or _str(comp, "description") or None
        codename = (
            _first(props, "syft:distro:versionCodename") or _first(props, "bastion:os:codename") or None
        )
        return OsInfo(
            family=family,
            version=version,
            name=pretty,
            codename=codename,
            distroless=_first(props, "bastion:os:distroless") == "true",
        )

    def _package(self, comp: dict[str, Any], ref: str) -> Package | None:
        ctype = _str(comp, "type")
        name = _str(comp, "name")
        purl_text = _str(comp, "purl")
        props = _props(comp)
        purl_text = purl_text or (_first(props, "bastion:package:purl") or "")
        purl = _purl.parse(purl_text)
        if purl is None:
            if purl_text:
                label = ref if not ref.startswith("#component-") else (name or ref)
                self.unknowns.append(
                    Unknown(
                        self.source,
                        f"component {label!r}: {purl_text!r} is not a valid package URL; skipped",
                        self.plugin,
                    )
                )
                return None
            if ctype not in ("library", "framework") or not name:
                return None
            purl = PackageURL(type="generic", name=name, version=_str(comp, "version") or None)
            purl_text = purl.to_string()
        purl_text = purl.to_string()  # canonical: qualifiers sorted, special characters encoded
        version_hint = _str(comp, "version")
        facts = _purl.facts(purl, name_hint=name, version_hint=version_hint)

        ecosystem = c.parse_ecosystem(_first(props, c.P_ECOSYSTEM)) or facts.ecosystem
        pkg_name = _first(props, c.P_NAME) or (name if _first(props, c.P_ECOSYSTEM) and name else facts.name)

        locations = self._locations(comp, props)
        source_name, source_version = self._source(props, purl, facts.version)
        metadata = {
            k[len(c.P_METADATA) :]: v[0] for k, v in props.items() if k.startswith(c.P_METADATA) and v
        }
        for alg, content in self._hashes(comp):
            metadata.setdefault(alg, content)
        tool_found_by = _first(props, "syft:package:foundBy")
        if tool_found_by and not _first(props, c.P_FOUND_BY):
            metadata.setdefault("sbom_found_by", tool_found_by)
        dev = c.parse_bool(_first(props, c.P_DEV))
        if dev is None and _str(comp, "scope") == "excluded":
            dev = True
        return Package(
            name=pkg_name,
            version=facts.version,
            ecosystem=ecosystem,
            purl=purl_text,
            locations=locations,
            found_by=_first(props, c.P_FOUND_BY) or self.plugin,
            source_name=source_name,
            source_version=source_version,
            direct=c.parse_bool(_first(props, c.P_DIRECT)),
            dev=dev,
            licenses=self._licenses(comp),
            metadata=metadata,
        )

    def _locations(self, comp: dict[str, Any], props: dict[str, list[str]]) -> tuple[Location, ...]:
        own: dict[int, dict[str, str]] = defaultdict(dict)
        for key, vals in props.items():
            m = _BASTION_LOCATION.match(key)
            if m and vals:
                own[int(m.group(1))][m.group(2)] = vals[0]
        if own:  # bastion's own document: exactly what was written
            return tuple(
                Location(path=e.get("path", ""), layer=e.get("layer") or None) for _, e in sorted(own.items())
            )
        indexed: dict[int, dict[str, str]] = defaultdict(dict)
        pattern = re.compile(r"^syft:location:(\d+):(path|layerID)$")
        for key, vals in props.items():
            m = pattern.match(key)
            if m and vals and vals[0]:
                indexed[int(m.group(1))]["layer" if m.group(2) == "layerID" else m.group(2)] = vals[0]
        layer_default = _first(props, "aquasecurity:trivy:LayerDiffID")
        paths: list[tuple[str, str | None]] = []
        for i in sorted(indexed):
            entry = indexed[i]
            if entry.get("path"):
                paths.append((c.clean_path(entry["path"]), entry.get("layer") or layer_default))
        trivy_path = _first(props, "aquasecurity:trivy:FilePath")
        if trivy_path:
            paths.append((c.clean_path(trivy_path), layer_default))
        evidence = comp.get("evidence")
        if isinstance(evidence, dict):
            for occ in _dicts(evidence.get("occurrences")):
                loc = _str(occ, "location")
                if loc:
                    paths.append((c.clean_path(loc), layer_default))
        if not paths:
            return (Location(path="", layer=layer_default),) if layer_default else ()
        ordered = c.location_order(p for p, _ in paths)
        layer_of: dict[str, str | None] = {}
        for p, layer in paths:
            layer_of.setdefault(p, layer)
        return tuple(Location(path=p, layer=layer_of.get(p)) for p in dict.fromkeys(ordered))

    def _source(
        self, props: dict[str, list[str]], purl: PackageURL, version: str
    ) -> tuple[str | None, str | None]:
        name = _first(props, c.P_SOURCE_NAME)
        if name:
            return name, _first(props, c.P_SOURCE_VERSION)
        # trivy
        name = _first(props, "aquasecurity:trivy:SrcName")
        if name:
            src_version = _first(props, "aquasecurity:trivy:SrcVersion") or ""
            release = _first(props, "aquasecurity:trivy:SrcRelease")
            epoch = _first(props, "aquasecurity:trivy:SrcEpoch")
            if src_version and release:
                src_version = f"{src_version}-{release}"
            if src_version and epoch and epoch != "0":
                src_version = f"{epoch}:{src_version}"
            return name, src_version or None
        # syft: deb source fields, apk origin, rpm source rpm, purl "upstream" qualifier
        name = _first(props, "syft:metadata:source")
        if name:
            return name, _first(props, "syft:metadata:sourceVersion") or version or None
        origin = _first(props, "syft:metadata:originPackage")
        if origin:
            return origin, version or None
        srpm = _first(props, "syft:metadata:sourceRpm")
        if srpm:
            return _split_srpm(srpm)
        quals = purl.qualifiers if isinstance(purl.qualifiers, dict) else {}
        upstream = quals.get("upstream")
        if upstream and purl.type in _purl.OS_TYPES:
            up_name, _, up_version = upstream.partition("@")
            return up_name, up_version or version or None
        return None, None

    def _hashes(self, comp: dict[str, Any]) -> Iterator[tuple[str, str]]:
        lists = [comp.get("hashes")]
        lists.extend(
            ext.get("hashes")
            for ext in _dicts(comp.get("externalReferences"))
            if ext.get("type") == "build-meta"
        )
        for hashes in lists:
            for h in _dicts(hashes):
                key = _HASH_KEY.get(_str(h, "alg"))
                content = _str(h, "content")
                if key and content:
                    yield key, content.lower()

    def _licenses(self, comp: dict[str, Any]) -> tuple[str, ...]:
        out: list[str] = []
        for choice in _dicts(comp.get("licenses")):
            expr = choice.get("expression")
            if isinstance(expr, str) and expr:
                out.extend(_licenses.split_conjunction(expr))
                continue
            lic = choice.get("license")
            if isinstance(lic, dict):
                value = _str(lic, "id") or _str(lic, "name")
                if value:
                    out.append(value)
        return tuple(dict.fromkeys(out))

    def _directness(
        self,
        packages: dict[str, Package],
        graph: dict[str, list[str]],
        root_ref: str,
        holders: set[str],
        os_refs: set[str],
    ) -> dict[str, Package]:
        """direct = the target, or a lockfile holder (trivy), depends on it.

        Nothing is inferred for the rest: trivy hangs a Go module's or Cargo workspace's requirements
        below the project's own package, so "reached only through a package" does not mean transitive.
        Only language packages; a ``bastion:package:direct`` property wins.
        """
        parents = [r for r in (root_ref, *holders) if r and graph.get(r)]
        top = {t for r in parents for t in graph.get(r, ()) if t not in os_refs}
        if not top:
            return packages
        out = {}
        for ref, pkg in packages.items():
            if pkg.direct is None and not pkg.ecosystem.is_os and ref in top and ref not in self.own:
                pkg = dataclasses.replace(pkg, direct=True)
            out[ref] = pkg
        return out

    def _tools(self, meta: dict[str, Any]) -> Iterator[Tool]:
        tools = meta.get("tools")
        items: list[dict[str, Any]] = []
        if isinstance(tools, dict):  # 1.5+
            items = _dicts(tools.get("components")) + _dicts(tools.get("services"))
        elif isinstance(tools, list):  # 1.2 to 1.4
            items = _dicts(tools)
        for t in items:
            name = _str(t, "name")
            if name:
                vendor = _str(t, "vendor") or _str(t, "group") or _str(t, "author")
                yield Tool(name=name, version=_str(t, "version"), vendor=vendor)

    def _target(
        self, meta: dict[str, Any], root: dict[str, Any] | None, os_info: OsInfo | None
    ) -> ArtifactRef:
        metadata: dict[str, str] = {"sbom_format": self.fmt, "sbom_spec_version": self.spec}
        tools = [str(t) for t in self._tools(meta)]
        if tools:
            metadata["sbom_tools"] = ", ".join(tools)
        name = ""
        image_id = None
        repo_tags: list[str] = []
        repo_digests: list[str] = []
        layers: list[LayerInfo] = []
        platform = None
        if root is not None:
            props = _props(root)
            name = _str(root, "name")
            ctype = _str(root, "type")
            if ctype:
                metadata["subject_type"] = ctype
            if _str(root, "version"):
                metadata["subject_version"] = _str(root, "version")
            kind = _first(props, c.P_TARGET + "kind")
            if kind:
                metadata["subject_kind"] = kind
            subject_ref = _first(props, c.P_TARGET + "ref")
            if subject_ref:
                metadata["subject_ref"] = subject_ref
            image_id = _first(props, c.P_TARGET + "image_id") or _first(props, "aquasecurity:trivy:ImageID")
            repo_tags = props.get(c.P_TARGET + "repo_tag", []) + props.get("aquasecurity:trivy:RepoTag", [])
            repo_digests = props.get(c.P_TARGET + "repo_digest", []) + props.get(
                "aquasecurity:trivy:RepoDigest", []
            )
            platform = _first(props, c.P_TARGET + "platform")
            layer_props = {k: v[0] for k, v in props.items() if k.startswith(c.P_TARGET + "layer:") and v}
            indices = sorted({int(k.split(":")[3]) for k in layer_props if k.split(":")[3].isdigit()})
            for i in indices:
                diff_id = layer_props.get(f"{c.P_TARGET}layer:{i}:diff_id", "")
                layers.append(
                    LayerInfo(
                        index=i, digest=layer_props.get(f"{c.P_TARGET}layer:{i}:digest", ""), diff_id=diff_id
                    )
                )
            if not layers:
                for i, diff_id in enumerate(props.get("aquasecurity:trivy:DiffID", [])):
                    layers.append(LayerInfo(index=i, digest="", diff_id=diff_id))
            if ctype == "container" and _str(root, "version").startswith("sha256:"):
                metadata["subject_digest"] = _str(root, "version")
        return ArtifactRef(
            kind=ArtifactKind.SBOM,
            ref=self.source,
            name=name,
            digest=self.digest,
            image_id=image_id,
            repo_tags=tuple(dict.fromkeys(repo_tags)),
            repo_digests=tuple(dict.fromkeys(repo_digests)),
            platform=platform,
            os=os_info,
            layers=tuple(layers),
            metadata=metadata,
        )


def _split_srpm(srpm: str) -> tuple[str | None, str | None]:
    """``openssl-3.0.7-27.el9.src.rpm`` → (``openssl``, ``3.0.7-27.el9``)."""
    base = srpm.removesuffix(".rpm").removesuffix(".src").removesuffix(".nosrc")
    parts = base.rsplit("-", 2)
    if len(parts) != 3:
        return base or None, None
    return parts[0], f"{parts[1]}-{parts[2]}"
