"""SPDX 2.3 out (JSON and tag-value, via spdx-tools) and SPDX JSON 2.2/2.3 in.

Encoding:

- The document ``DESCRIBES`` one package for the target (``primaryPackagePurpose`` CONTAINER for images,
  APPLICATION for directories and repositories, FILE for SBOM files), which ``CONTAINS`` an
  OPERATING-SYSTEM package (that ``CONTAINS`` the OS packages) and the language packages. Packages
  ``DEPENDS_ON`` packages; the target ``DEPENDS_ON`` its direct (or top-level) packages.
- Each package: ``SPDXRef-Package-<package id>``, ``versionInfo``, a ``purl`` external reference,
  ``checksums`` from ``Package.metadata`` (a jar's SHA-1 …), ``filesAnalyzed: false``,
  ``downloadLocation``/``licenseConcluded``/``copyrightText`` NOASSERTION (bastion does not conclude
  licenses or read copyright notices), ``licenseDeclared`` the declared licenses as one SPDX expression
  joined with AND (NOASSERTION when none is declared; names that are not SPDX ids become
  ``LicenseRef-`` entries with their text in ``hasExtractedLicensingInfos``).
- ``sourceInfo`` says where the package was found (or the source package it was built from); the
  rest of what bastion knows is one ``OTHER`` annotation per package with ``bastion:key=value`` lines, so
  bastion reads its own output back without loss.

Decoding reads the shapes syft, trivy and bastion write: purl external references, ``sourceInfo``
(``acquired package info from …: paths``, ``built package from: name version``, ``package found in:``),
trivy's annotations (``SrcName:``/``LayerDiffID:`` …), trivy's APPLICATION packages (lockfiles) and
OPERATING-SYSTEM package, and ``DEPENDS_ON``/``DEPENDENCY_OF`` relationships.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, ClassVar, TextIO

from bastion.errors import SbomFormatError
from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.fs.parsing import ParseError, load_json
from bastion.model import ArtifactKind, ArtifactRef, LayerInfo, Location, OsInfo, Package, Unknown
from bastion.sbom import _common as c
from bastion.sbom import _licenses, _purl
from bastion.sbom.base import Sbom, Tool

__all__ = ["SpdxJsonDecoder", "SpdxJsonEncoder", "SpdxTagValueEncoder", "build_document"]

SPEC_VERSION = "2.3"
_DOC_ID = "SPDXRef-DOCUMENT"
_NAMESPACE_BASE = "https://spdx.org/spdxdocs/bastion"
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9.\-]+")
_PLUGIN = "sbom/spdx-json"

_CHECKSUM_NAMES = {"md5": "MD5", "sha1": "SHA1", "sha256": "SHA256", "sha384": "SHA384", "sha512": "SHA512"}
_CHECKSUM_KEYS = {v: k for k, v in _CHECKSUM_NAMES.items()}


# ==================================================================================================
# encoding
# ==================================================================================================


def _spdx_id(prefix: str, text: str, used: set[str]) -> str:
    safe = _ID_UNSAFE.sub("-", text).strip("-") or hashlib.sha256(text.encode()).hexdigest()[:16]
    ident = f"SPDXRef-{prefix}-{safe}"
    n = 1
    while ident in used:
        n += 1
        ident = f"SPDXRef-{prefix}-{safe}-{n}"
    used.add(ident)
    return ident


def build_document(sbom: Sbom) -> Any:
    """The spdx-tools model (``spdx_tools.spdx.model.Document``) of an :class:`Sbom`."""
    from license_expression import Licensing
    from spdx_tools.spdx.model.actor import Actor, ActorType
    from spdx_tools.spdx.model.annotation import Annotation, AnnotationType
    from spdx_tools.spdx.model.checksum import Checksum, ChecksumAlgorithm
    from spdx_tools.spdx.model.document import CreationInfo, Document
    from spdx_tools.spdx.model.extracted_licensing_info import ExtractedLicensingInfo
    from spdx_tools.spdx.model.package import ExternalPackageRef, ExternalPackageRefCategory, PackagePurpose
    from spdx_tools.spdx.model.package import Package as SpdxPackage
    from spdx_tools.spdx.model.relationship import Relationship, RelationshipType
    from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion

    ts = sbom.timestamp()
    target = sbom.target
    name = c.subject_name(target)
    tools = [Actor(ActorType.TOOL, f"{t.name}-{t.version}" if t.version else t.name) for t in sbom.tools]
    namespace_name = _ID_UNSAFE.sub("-", f"{target.kind.value}-{name}").strip("-")[:80]
    creation = CreationInfo(
        spdx_version=f"SPDX-{SPEC_VERSION}",
        spdx_id=_DOC_ID,
        name=name,
        document_namespace=f"{_NAMESPACE_BASE}/{namespace_name}-{sbom.serial_uuid()}",
        creators=tools or [Actor(ActorType.TOOL, "bastion")],
        created=ts,
    )
    annotator = tools[0] if tools else Actor(ActorType.TOOL, "bastion")
    used: set[str] = {_DOC_ID}
    packages: list[SpdxPackage] = []
    relationships: list[Relationship] = []
    annotations: list[Annotation] = []
    extracted: dict[str, ExtractedLicensingInfo] = {}
    noassert = SpdxNoAssertion()
    # A plain Licensing: the SPDX one maps LicenseRef-GPL to GPL-1.0-or-later by alias, which would turn
    # a name into a claim. Expressions here are already normalised by _licenses.classify.
    licensing = Licensing()

    def annotate(spdx_id: str, pairs: list[tuple[str, str]]) -> None:
        if pairs:
            comment = "\n".join(f"{k}={v}" for k, v in pairs)
            annotations.append(Annotation(spdx_id, AnnotationType.OTHER, annotator, ts, comment))

    # -- the target --------------------------------------------------------------------------------
    purpose = {
        ArtifactKind.IMAGE: PackagePurpose.CONTAINER,
        ArtifactKind.SBOM: PackagePurpose.FILE,
    }.get(target.kind, PackagePurpose.APPLICATION)
    root_id = _spdx_id(
        "Target", hashlib.sha256(f"{target.kind.value}\x00{target.ref}".encode()).hexdigest()[:16], used
    )
    root_checksums = []
    if target.digest and target.digest.startswith("sha256:") and target.kind is not ArtifactKind.IMAGE:
        root_checksums.append(Checksum(ChecksumAlgorithm.SHA256, target.digest.removeprefix("sha256:")))
    root_refs = []
    if target.kind is ArtifactKind.IMAGE and target.digest:
        from bastion.sbom.cyclonedx import _oci_purl

        oci = _oci_purl(target)
        if oci is not None:
            root_refs.append(
                ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", oci.to_string())
            )
    packages.append(
        SpdxPackage(
            spdx_id=root_id,
            name=name,
            download_location=noassert,
            version=target.digest,
            files_analyzed=False,
            checksums=root_checksums,
            license_concluded=noassert,
            license_declared=noassert,
            copyright_text=noassert,
            external_references=root_refs,
            primary_package_purpose=purpose,
        )
    )
    relationships.append(Relationship(_DOC_ID, RelationshipType.DESCRIBES, root_id))
    pairs = [(c.P_TARGET + "kind", target.kind.value), (c.P_TARGET + "ref", target.ref)]
    if target.image_id:
        pairs.append((c.P_TARGET + "image_id", target.image_id))
    pairs.extend((c.P_TARGET + "repo_tag", t) for t in target.repo_tags)
    pairs.extend((c.P_TARGET + "repo_digest", d) for d in target.repo_digests)
    if target.platform:
        pairs.append((c.P_TARGET + "platform", target.platform))
    for layer in target.layers:
        pairs.append((f"{c.P_TARGET}layer:{layer.index}:diff_id", layer.diff_id))
        if layer.digest:
            pairs.append((f"{c.P_TARGET}layer:{layer.index}:digest", layer.digest))
    pairs.extend((f"{c.P_TARGET}metadata:{k}", v) for k, v in sorted(target.metadata.items()))
    annotate(root_id, pairs)

    # -- the operating system ---------------------------------------------------------------------------
    os_id: str | None = None
    if target.os is not None:
        os_info = target.os
        os_id = _spdx_id("OperatingSystem", f"{os_info.family}-{os_info.version}", used)
        packages.append(
            SpdxPackage(
                spdx_id=os_id,
                name=os_info.family,
                download_location=noassert,
                version=os_info.version or None,
                files_analyzed=False,
                description=os_info.name,
                primary_package_purpose=PackagePurpose.OPERATING_SYSTEM,
            )
        )
        relationships.append(Relationship(root_id, RelationshipType.CONTAINS, os_id))
        os_pairs = []
        if os_info.codename:
            os_pairs.append(("bastion:os:codename", os_info.codename))
        if os_info.distroless:
            os_pairs.append(("bastion:os:distroless", "true"))
        annotate(os_id, os_pairs)

    # -- packages -----------------------------------------------------------------------------------
    ids: dict[str, str] = {}
    for pkg in sbom.packages:
        spdx_id = _spdx_id("Package", pkg.id or pkg.purl or pkg.name, used)
        ids.setdefault(pkg.id or spdx_id, spdx_id)
        declared: Any = noassert
        expression = _declared_expression(pkg.licenses, extracted, ExtractedLicensingInfo)
        if expression:
            declared = licensing.parse(expression)
        checksums = [
            Checksum(ChecksumAlgorithm[_CHECKSUM_NAMES[k]], v.lower())
            for k, v in sorted(pkg.metadata.items())
            if k in _CHECKSUM_NAMES and re.fullmatch(r"[0-9a-fA-F]{32,128}", v)
        ]
        refs = []
        if _purl.parse(pkg.purl) is not None:
            refs.append(ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", pkg.purl))
        packages.append(
            SpdxPackage(
                spdx_id=spdx_id,
                name=pkg.name,
                download_location=noassert,
                version=pkg.version or None,
                files_analyzed=False,
                checksums=checksums,
                source_info=_source_info(pkg),
                license_concluded=noassert,
                license_declared=declared,
                copyright_text=noassert,
                external_references=refs,
                primary_package_purpose=PackagePurpose.LIBRARY,
            )
        )
        parent = os_id if os_id is not None and c.is_os_package(pkg) else root_id
        relationships.append(Relationship(parent, RelationshipType.CONTAINS, spdx_id))
        annotate(spdx_id, _package_pairs(pkg))

    # -- dependencies -------------------------------------------------------------------------------
    lang = [p for p in sbom.packages if not (os_id is not None and c.is_os_package(p))]
    top = {p.id for p in c.top_level(lang)}
    for p in lang:
        if p.direct or (p.direct is None and p.id in top):
            relationships.append(Relationship(root_id, RelationshipType.DEPENDS_ON, ids[p.id or ""]))
    for pkg in sbom.packages:
        src = ids.get(pkg.id or "")
        for dep in dict.fromkeys(pkg.dependencies):
            dst = ids.get(dep)
            if src and dst and dst != src:
                relationships.append(Relationship(src, RelationshipType.DEPENDS_ON, dst))

    return Document(
        creation_info=creation,
        packages=packages,
        relationships=relationships,
        annotations=annotations,
        extracted_licensing_info=sorted(extracted.values(), key=lambda e: e.license_id or ""),
    )


def _declared_expression(values: Iterable[str], extracted: dict[str, Any], info_type: Any) -> str:
    terms: list[str] = []
    for value in dict.fromkeys(v.strip() for v in values if v and v.strip()):
        term = _licenses.classify(value)
        if term.kind == "name":
            ref = _licenses.license_ref(value)
            if ref not in extracted:
                extracted[ref] = info_type(license_id=ref, extracted_text=value, license_name=value)
            terms.append(ref)
        else:
            terms.append(term.value)
    return _licenses.conjunction(terms) if terms else ""


def _source_info(pkg: Package) -> str | None:
    if pkg.source_name:
        return f"built package from: {pkg.source_name} {pkg.source_version or ''}".rstrip()
    paths = [loc.path for loc in pkg.locations if loc.path]
    if paths:
        return f"acquired package info from {pkg.found_by or 'bastion'}: {', '.join(dict.fromkeys(paths))}"
    return None


def _package_pairs(pkg: Package) -> list[tuple[str, str]]:
    pairs = [(c.P_ECOSYSTEM, pkg.ecosystem.value), (c.P_NAME, pkg.name)]
    if pkg.found_by:
        pairs.append((c.P_FOUND_BY, pkg.found_by))
    for i, loc in enumerate(pkg.locations):
        pairs.append((c.P_LOCATION.format(i=i, field="path"), loc.path))
        if loc.layer:
            pairs.append((c.P_LOCATION.format(i=i, field="layer"), loc.layer))
    if pkg.source_name:
        pairs.append((c.P_SOURCE_NAME, pkg.source_name))
    if pkg.source_version:
        pairs.append((c.P_SOURCE_VERSION, pkg.source_version))
    if pkg.direct is not None:
        pairs.append((c.P_DIRECT, c.bool_text(pkg.direct)))
    if pkg.dev is not None:
        pairs.append((c.P_DEV, c.bool_text(pkg.dev)))
    for lic in pkg.licenses:
        pairs.append(("bastion:package:license", lic))
    if _purl.parse(pkg.purl) is None and pkg.purl:
        pairs.append(("bastion:package:purl", pkg.purl))
    pairs.extend((c.P_METADATA + k, v.replace("\n", " ")) for k, v in sorted(pkg.metadata.items()))
    return pairs


class SpdxJsonEncoder:
    format_id: ClassVar[str] = "spdx-json"
    spec_version: ClassVar[str] = SPEC_VERSION
    media_type: ClassVar[str] = "application/spdx+json"
    file_extension: ClassVar[str] = ".spdx.json"

    def encode(self, sbom: Sbom, out: TextIO) -> None:
        import json

        from spdx_tools.spdx.jsonschema.annotation_converter import AnnotationConverter
        from spdx_tools.spdx.jsonschema.document_converter import DocumentConverter

        document = build_document(sbom)
        # spdx-tools looks up each package's annotations by scanning all of them (quadratic): convert the
        # document without them and attach each package's own, in the converter's key order.
        annotations = document.annotations
        document.annotations = []
        data = DocumentConverter().convert(document)  # type: ignore[no-untyped-call]
        converter = AnnotationConverter()
        by_element: dict[str, list[Any]] = defaultdict(list)
        for annotation in annotations:
            by_element[annotation.spdx_id].append(converter.convert(annotation))
        for i, package in enumerate(data.get("packages", [])):
            own = by_element.get(package["SPDXID"])
            if own:
                data["packages"][i] = {"SPDXID": package["SPDXID"], "annotations": own, **package}
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")


class SpdxTagValueEncoder:
    format_id: ClassVar[str] = "spdx-tv"
    spec_version: ClassVar[str] = SPEC_VERSION
    media_type: ClassVar[str] = "text/spdx"
    file_extension: ClassVar[str] = ".spdx"

    def encode(self, sbom: Sbom, out: TextIO) -> None:
        from spdx_tools.spdx.writer.tagvalue.tagvalue_writer import write_document

        write_document(build_document(sbom), out)


# ==================================================================================================
# decoding
# ==================================================================================================

_JSON_SPDX = re.compile(rb'"spdxVersion"\s*:\s*"SPDX-(\d+\.\d+)"')
_TV_SPDX = re.compile(rb"^SPDXVersion:\s*SPDX-(\d+\.\d+)", re.MULTILINE)
SUPPORTED = ("2.2", "2.3")
_SOURCE_BUILT = re.compile(r"^built package from:\s*(\S+)(?:\s+(\S+))?\s*$")
_SOURCE_ACQUIRED = re.compile(r"^acquired package info from [^:]*:\s*(.+)$")
_SOURCE_FOUND = re.compile(r"^package found in:\s*(.+)$")
_NOT_A_LICENSE = ("NOASSERTION", "NONE", "")


def identify_tag_value(head: bytes) -> str | None:
    m = _TV_SPDX.search(head)
    return m.group(1).decode() if m else None


class SpdxJsonDecoder:
    format_id: ClassVar[str] = "spdx-json"

    def identify(self, head: bytes) -> str | None:
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not stripped.startswith(b"{"):
            return None
        m = _JSON_SPDX.search(stripped)
        return m.group(1).decode() if m else None

    def decode(self, stream: BinaryIO, *, source: str = "<sbom>", limits: Limits = DEFAULT_LIMITS) -> Sbom:
        data = c.read_bounded(stream, source, limits)
        try:
            doc = load_json(data, source, limits)
        except ParseError as exc:
            raise SbomFormatError(exc.message) from None
        return decode_document(doc, source=source, digest=c.sha256_digest(data))


def decode_document(doc: Any, *, source: str, digest: str) -> Sbom:
    if not isinstance(doc, dict):
        raise SbomFormatError(f"{source}: expected an SPDX JSON object, got {type(doc).__name__}")
    version = doc.get("spdxVersion")
    if not isinstance(version, str) or not version.startswith("SPDX-"):
        raise SbomFormatError(f"{source}: not an SPDX document (spdxVersion is {version!r})")
    spec = version.removeprefix("SPDX-")
    if spec not in SUPPORTED:
        raise SbomFormatError(f"{source}: SPDX version {spec!r} is not supported (expected 2.2 or 2.3)")
    return _Reader(doc, source, spec, digest).read()


def _str(obj: dict[str, Any], key: str) -> str:
    val = obj.get(key)
    return val if isinstance(val, str) else ""


def _one(pairs: dict[str, list[str]], key: str) -> str | None:
    vals = pairs.get(key)
    return vals[0] if vals else None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


class _Reader:
    def __init__(self, doc: dict[str, Any], source: str, spec: str, digest: str) -> None:
        self.doc = doc
        self.source = source
        self.spec = spec
        self.digest = digest
        self.unknowns: list[Unknown] = []
        self.license_names: dict[str, str] = {}
        for info in _dicts(doc.get("hasExtractedLicensingInfos")):
            lid = _str(info, "licenseId")
            if lid:
                self.license_names[lid] = _str(info, "name") or _str(info, "extractedText") or lid

    def read(self) -> Sbom:
        doc = self.doc
        rels = _dicts(doc.get("relationships"))
        described = [
            _str(r, "relatedSpdxElement") for r in rels if _str(r, "relationshipType") == "DESCRIBES"
        ]
        describes = doc.get("documentDescribes")
        described += [d for d in describes if isinstance(d, str)] if isinstance(describes, list) else []
        depends: dict[str, list[str]] = defaultdict(list)
        contains: dict[str, list[str]] = defaultdict(list)
        for r in rels:
            a, kind, b = _str(r, "spdxElementId"), _str(r, "relationshipType"), _str(r, "relatedSpdxElement")
            if kind == "DEPENDS_ON":
                depends[a].append(b)
            elif kind in (
                "DEPENDENCY_OF",
                "DEV_DEPENDENCY_OF",
                "RUNTIME_DEPENDENCY_OF",
                "OPTIONAL_DEPENDENCY_OF",
            ):
                depends[b].append(a)
            elif kind == "CONTAINS":
                contains[a].append(b)
            elif kind == "CONTAINED_BY":
                contains[b].append(a)

        annotations = self._annotations()
        os_info: OsInfo | None = None
        os_ids: set[str] = set()
        holders: dict[str, str] = {}
        roots: dict[str, dict[str, Any]] = {}
        packages: dict[str, Package] = {}
        distros: list[OsInfo] = []
        for index, raw in enumerate(_dicts(doc.get("packages"))):
            sid = _str(raw, "SPDXID") or f"#package-{index}"
            purpose = _str(raw, "primaryPackagePurpose").replace("_", "-")  # JSON schema: _, tag-value: -
            pairs = annotations.get(sid, {})
            if purpose == "OPERATING-SYSTEM":
                os_ids.add(sid)
                if os_info is None:
                    os_info = OsInfo(
                        family=_str(raw, "name").lower(),
                        version=_str(raw, "versionInfo"),
                        name=_str(raw, "description") or None,
                        codename=_one(pairs, "bastion:os:codename"),
                        distroless=(pairs.get("bastion:os:distroless") or [""])[0] == "true",
                    )
                continue
            if sid in described:
                roots[sid] = raw
                continue
            pkg = self._package(raw, sid, pairs)
            if pkg is None:
                if purpose == "APPLICATION" and _str(raw, "name"):
                    holders[sid] = c.clean_path(_str(raw, "name"))
                continue
            packages[sid] = pkg
            if pkg.ecosystem.is_os:
                parsed = _purl.parse(pkg.purl)
                if parsed is not None:
                    facts = _purl.facts(parsed)
                    if facts.distro is not None:
                        distros.append(facts.distro)

        packages = c.place_in_holders(
            packages,
            holders,
            lambda r: [*contains.get(r, ()), *depends.get(r, ())],
            lambda r: depends.get(r, ()),
        )
        parents = [r for r in (*roots, *holders) if depends.get(r)]
        top = {t for r in parents for t in depends.get(r, ()) if t not in os_ids}
        if top:
            packages = {
                sid: dataclasses.replace(p, direct=True)
                if p.direct is None
                and not p.ecosystem.is_os
                and sid in top
                and c.P_ECOSYSTEM not in annotations.get(sid, {})
                else p
                for sid, p in packages.items()
            }

        ids: dict[str, str] = {}
        final: dict[str, Package] = {}
        for sid, pkg in packages.items():
            pkg = c.with_id(pkg)
            ids[sid] = pkg.id
            prev = final.get(pkg.id)
            final[pkg.id] = (
                pkg
                if prev is None
                else dataclasses.replace(prev, locations=tuple(dict.fromkeys(prev.locations + pkg.locations)))
            )
        edges: dict[str, list[str]] = defaultdict(list)
        for sid, targets in depends.items():
            src = ids.get(sid)
            if src is not None:
                edges[src].extend(ids[t] for t in targets if t in ids and ids[t] != src)
        result = [
            dataclasses.replace(p, dependencies=tuple(dict.fromkeys(edges.get(pid, ()))))
            for pid, p in final.items()
        ]

        creation = doc.get("creationInfo") if isinstance(doc.get("creationInfo"), dict) else {}
        assert isinstance(creation, dict)
        tools = list(self._tools(creation))
        if os_info is None:
            os_info = c.dominant_distro(distros)
        root = next(iter(roots.values()), None)
        target = self._target(root, annotations.get(_str(root, "SPDXID"), {}) if root else {}, os_info, tools)
        return Sbom(
            target=target,
            packages=c.sort_packages(result),
            unknowns=tuple(self.unknowns),
            tools=tuple(tools),
            created=c.parse_time(creation.get("created")),
            serial=_str(doc, "documentNamespace") or None,
            source_format="spdx-json",
            spec_version=self.spec,
        )

    def _annotations(self) -> dict[str, dict[str, list[str]]]:
        """Per element: bastion ``key=value`` lines and trivy ``Key: value`` comments, as key → values."""
        out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))

        def add(sid: str, comment: str) -> None:
            for line in comment.splitlines():
                if line.startswith("bastion:") and "=" in line:
                    key, _, value = line.partition("=")
                    out[sid][key].append(value)
                elif ": " in line:
                    key, _, value = line.partition(": ")
                    out[sid][f"trivy:{key.strip()}"].append(value.strip())

        for element in _dicts(self.doc.get("packages")):
            sid = _str(element, "SPDXID")
            for ann in _dicts(element.get("annotations")):
                add(sid, _str(ann, "comment"))
        for ann in _dicts(self.doc.get("annotations")):  # 2.2-style document-level annotations
            sid = _str(ann, "spdxElementId") or _str(ann, "SPDXID")
            if sid:
                add(sid, _str(ann, "comment"))
        return out

    def _package(self, raw: dict[str, Any], sid: str, pairs: dict[str, list[str]]) -> Package | None:
        purl_text = ""
        for ref in _dicts(raw.get("externalRefs")):
            if _str(ref, "referenceType") == "purl":
                purl_text = _str(ref, "referenceLocator")
                break
        purl_text = purl_text or (pairs.get("bastion:package:purl") or [""])[0]
        purl = _purl.parse(purl_text)
        name = _str(raw, "name")
        if purl is None:
            if purl_text:
                self.unknowns.append(
                    Unknown(
                        self.source,
                        f"package {sid!r}: {purl_text!r} is not a valid package URL; skipped",
                        _PLUGIN,
                    )
                )
            return None
        purl_text = purl.to_string()  # canonical: qualifiers sorted, special characters encoded
        version_hint = _str(raw, "versionInfo")
        facts = _purl.facts(purl, name_hint=name, version_hint=version_hint)
        one = {k: v[0] for k, v in pairs.items() if v}
        ecosystem = c.parse_ecosystem(one.get(c.P_ECOSYSTEM)) or facts.ecosystem
        pkg_name = one.get(c.P_NAME) or facts.name

        locations = self._locations(raw, pairs)
        source_name, source_version = self._source(raw, one, purl, facts.version)
        metadata = {k[len(c.P_METADATA) :]: v for k, v in one.items() if k.startswith(c.P_METADATA)}
        for cs in _dicts(raw.get("checksums")):
            key = _CHECKSUM_KEYS.get(_str(cs, "algorithm"))
            if key and _str(cs, "checksumValue"):
                metadata.setdefault(key, _str(cs, "checksumValue").lower())
        licenses = tuple(pairs.get("bastion:package:license", ())) or self._licenses(raw)
        return Package(
            name=pkg_name,
            version=facts.version,
            ecosystem=ecosystem,
            purl=purl_text,
            locations=locations,
            found_by=one.get(c.P_FOUND_BY) or _PLUGIN,
            source_name=source_name,
            source_version=source_version,
            direct=c.parse_bool(one.get(c.P_DIRECT)),
            dev=c.parse_bool(one.get(c.P_DEV)),
            licenses=licenses,
            metadata=metadata,
        )

    def _locations(self, raw: dict[str, Any], pairs: dict[str, list[str]]) -> tuple[Location, ...]:
        indexed: dict[int, dict[str, str]] = defaultdict(dict)
        pattern = re.compile(r"^bastion:location:(\d+):(path|layer)$")
        for key, vals in pairs.items():
            m = pattern.match(key)
            if m and vals:
                indexed[int(m.group(1))][m.group(2)] = vals[0]
        if indexed:
            return tuple(
                Location(path=e.get("path", ""), layer=e.get("layer")) for _, e in sorted(indexed.items())
            )
        layer = _one(pairs, "trivy:LayerDiffID")
        info = _str(raw, "sourceInfo")
        paths: list[str] = []
        for pattern_ in (_SOURCE_ACQUIRED, _SOURCE_FOUND):
            m = pattern_.match(info)
            if m:
                paths = [c.clean_path(p) for p in m.group(1).split(",")]
        if not paths:
            return (Location(path="", layer=layer),) if layer else ()
        return tuple(Location(path=p, layer=layer) for p in c.location_order(paths))

    def _source(
        self, raw: dict[str, Any], one: dict[str, str], purl: Any, version: str
    ) -> tuple[str | None, str | None]:
        if one.get(c.P_SOURCE_NAME):
            return one[c.P_SOURCE_NAME], one.get(c.P_SOURCE_VERSION)
        if one.get(c.P_ECOSYSTEM):  # a bastion document that names no source package
            return None, None
        m = _SOURCE_BUILT.match(_str(raw, "sourceInfo"))
        if m:
            return m.group(1), m.group(2) or version or None
        quals = purl.qualifiers if isinstance(purl.qualifiers, dict) else {}
        upstream = quals.get("upstream")
        if upstream and purl.type in _purl.OS_TYPES:
            up_name, _, up_version = upstream.partition("@")
            return up_name, up_version or version or None
        return None, None

    def _licenses(self, raw: dict[str, Any]) -> tuple[str, ...]:
        expr = _str(raw, "licenseDeclared")
        if expr in _NOT_A_LICENSE:
            expr = _str(raw, "licenseConcluded")
        if expr in _NOT_A_LICENSE:
            return ()
        out = []
        for term in _licenses.split_conjunction(expr):
            if term in self.license_names:
                out.append(self.license_names[term])
            else:
                out.append(
                    re.sub(
                        r"LicenseRef-[A-Za-z0-9.\-]+",
                        lambda m: self.license_names.get(m.group(0), m.group(0)),
                        term,
                    )
                )
        return tuple(dict.fromkeys(out))

    def _tools(self, creation: dict[str, Any]) -> Iterator[Tool]:
        for creator in creation.get("creators") or []:
            if isinstance(creator, str) and creator.startswith("Tool:"):
                text = creator.removeprefix("Tool:").strip()
                name, sep, version = text.rpartition("-")
                if sep and version[:1].isdigit():
                    yield Tool(name=name, version=version)
                else:
                    yield Tool(name=text)

    def _target(
        self,
        root: dict[str, Any] | None,
        pairs: dict[str, list[str]],
        os_info: OsInfo | None,
        tools: list[Tool],
    ) -> ArtifactRef:
        metadata: dict[str, str] = {"sbom_format": "spdx-json", "sbom_spec_version": self.spec}
        if tools:
            metadata["sbom_tools"] = ", ".join(str(t) for t in tools)
        name = _str(self.doc, "name")
        layers: list[LayerInfo] = []
        image_id = None
        repo_tags: list[str] = []
        repo_digests: list[str] = []
        platform = None
        if root is not None:
            name = _str(root, "name") or name
            purpose = _str(root, "primaryPackagePurpose").replace("_", "-")
            if purpose:
                metadata["subject_type"] = purpose.lower()
            version = _str(root, "versionInfo")
            if version:
                metadata["subject_version"] = version
                if purpose == "CONTAINER" and version.startswith("sha256:"):
                    metadata["subject_digest"] = version
            for key, field in ((c.P_TARGET + "kind", "subject_kind"), (c.P_TARGET + "ref", "subject_ref")):
                if pairs.get(key):
                    metadata[field] = pairs[key][0]
            image_id = _one(pairs, c.P_TARGET + "image_id") or _one(pairs, "trivy:ImageID")
            repo_tags = pairs.get(c.P_TARGET + "repo_tag", []) + pairs.get("trivy:RepoTag", [])
            repo_digests = pairs.get(c.P_TARGET + "repo_digest", []) + pairs.get("trivy:RepoDigest", [])
            platform = _one(pairs, c.P_TARGET + "platform")
            index = 0
            while pairs.get(f"{c.P_TARGET}layer:{index}:diff_id"):
                layers.append(
                    LayerInfo(
                        index=index,
                        digest=(pairs.get(f"{c.P_TARGET}layer:{index}:digest") or [""])[0],
                        diff_id=pairs[f"{c.P_TARGET}layer:{index}:diff_id"][0],
                    )
                )
                index += 1
            if not layers:
                layers = [
                    LayerInfo(index=i, digest="", diff_id=d)
                    for i, d in enumerate(pairs.get("trivy:DiffID", []))
                ]
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
