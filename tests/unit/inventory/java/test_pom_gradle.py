"""pom.xml (Trivy's fixtures; values agree with its pom parse_test.go for the declared dependencies) and
gradle lock files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.errors import ExtractError
from bastion.inventory.java.gradle_lockfile import GradleLockfileExtractor
from bastion.inventory.java.pom_xml import PomXmlExtractor, substitute
from bastion.model import Ecosystem, FileRef, Location, Package
from tests._support.lang_inventory import LOCKFILES, SHARED_PARSER, extract

POMS = LOCKFILES / "java" / "pom-xml"
GRADLE = LOCKFILES / "java" / "gradle-lockfile"
POM = PomXmlExtractor()
LOCK = GradleLockfileExtractor()


def dep(
    g: str,
    a: str,
    v: str,
    path: str,
    scope: str = "compile",
    *,
    dev: bool = False,
    found_by: str = "java/pom-xml",
    direct: bool | None = True,
    **meta: str,
) -> Package:
    purl = f"pkg:maven/{g}/{a}" + (f"@{v}" if v else "")
    metadata = {"scope": scope, **meta} if found_by == "java/pom-xml" else meta
    return Package(
        name=f"{g}:{a}",
        version=v,
        ecosystem=Ecosystem.MAVEN,
        purl=purl,
        locations=(Location(path),),
        found_by=found_by,
        direct=direct,
        dev=dev,
        metadata=metadata,
    )


def project(
    g: str, a: str, v: str, path: str, deps: tuple[str, ...], licenses: tuple[str, ...] = (), **meta: str
) -> Package:
    return Package(
        name=f"{g}:{a}",
        version=v,
        ecosystem=Ecosystem.MAVEN,
        purl=f"pkg:maven/{g}/{a}@{v}",
        locations=(Location(path),),
        found_by="java/pom-xml",
        dependencies=deps,
        licenses=licenses,
        metadata={"role": "main", **meta},
    )


CASES = {
    "happy/pom.xml": [
        dep("org.example", "example-api", "1.7.30", "happy/pom.xml"),
        dep("org.example", "example-runtime", "1.0.0", "happy/pom.xml", "runtime"),
        dep("org.example", "example-provided", "999", "happy/pom.xml", "provided"),
        project(
            "com.example",
            "happy",
            "1.0.0",
            "happy/pom.xml",
            (
                "org.example:example-api@1.7.30",
                "org.example:example-runtime@1.0.0",
                "org.example:example-provided@999",
            ),
            ("BSD-3-Clause",),
        ),
    ],
    "parent-relative-path/pom.xml": [
        dep("org.example", "example-api", "1.7.30", "parent-relative-path/pom.xml"),
        project(
            "com.example",
            "child",
            "1.0.0",
            "parent-relative-path/pom.xml",
            ("org.example:example-api@1.7.30",),
            ("Apache 2.0",),
            local_parents="parent-relative-path/parent/pom.xml",
        ),
    ],
    "parent-properties/child/pom.xml": [
        dep("org.example", "example-api", "1.7.30", "parent-properties/child/pom.xml"),
        project(
            "com.example",
            "child",
            "1.0.0",
            "parent-properties/child/pom.xml",
            ("org.example:example-api@1.7.30",),
            ("Apache 2.0",),
            local_parents="parent-properties/pom.xml",
        ),
    ],
    "parent-dependency-management/child/pom.xml": [
        dep("org.example", "example-api", "1.7.30", "parent-dependency-management/child/pom.xml"),
        project(
            "com.example",
            "child",
            "3.0.0",
            "parent-dependency-management/child/pom.xml",
            ("org.example:example-api@1.7.30",),
            ("Apache 2.0",),
            local_parents="parent-dependency-management/pom.xml",
        ),
    ],
    # ${project.version} / ${project.parent.version} are the model's coordinates even where <properties>
    # define keys of the same name (2.3.4 / 1.1.1): Maven resolves 1.2.3 and 4.0.3 (Trivy's comment
    # quotes `mvn dependency:tree`); the comparison with syft and trivy found 2.3.4 here.
    "parent-child-properties/pom.xml": [
        dep("org.example", "example-dependency", "1.2.3", "parent-child-properties/pom.xml"),
        dep("org.example", "example-api3", "4.0.3", "parent-child-properties/pom.xml"),
        project(
            "com.example",
            "child",
            "1.2.3",
            "parent-child-properties/pom.xml",
            ("org.example:example-dependency@1.2.3", "org.example:example-api3@4.0.3"),
            local_parents="parent-child-properties/parent/pom.xml",
        ),
    ],
    "dep-without-version/pom.xml": [  # the parent is not local, so the version cannot be resolved
        dep("org.example", "example-api", "", "dep-without-version/pom.xml"),
        project(
            "com.example",
            "dep-without-version",
            "1.0.0",
            "dep-without-version/pom.xml",
            ("org.example:example-api@",),
            parent="com.example:wrong-parent:1.0.0",
        ),
    ],
}


@pytest.mark.parametrize(("rel", "expected"), list(CASES.items()), ids=list(CASES))
def test_pom_fixtures(rel: str, expected: list[Package]) -> None:
    got, warnings = extract(POM, POMS / rel, POMS)
    assert got == expected
    assert warnings == []


def test_pom_scopes_ranges_and_loops(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "pom.xml").write_text(
        "<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version>"
        "<parent><groupId>g</groupId><artifactId>b</artifactId><version>1</version><relativePath>../b</relativePath></parent>"
        "<properties><self>${self}</self><lib.version>${base.version}</lib.version></properties>"
        "<dependencies>"
        "<dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13.2</version><scope>test</scope></dependency>"
        "<dependency><groupId>x</groupId><artifactId>ranged</artifactId><version>[1.0,2.0)</version><optional>true</optional></dependency>"
        "<dependency><groupId>x</groupId><artifactId>loop</artifactId><version>${self}</version></dependency>"
        "<dependency><groupId>x</groupId><artifactId>lib</artifactId><version>${lib.version}</version></dependency>"
        "</dependencies></project>"
    )
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "pom.xml").write_text(  # b's parent is a again: a loop, which must stop
        "<project><groupId>g</groupId><artifactId>b</artifactId><version>1</version>"
        "<parent><groupId>g</groupId><artifactId>a</artifactId><version>1</version><relativePath>../a/pom.xml</relativePath></parent>"
        "<properties><base.version>2.5</base.version></properties></project>"
    )
    got, warnings = extract(POM, tmp_path / "a" / "pom.xml", tmp_path)
    p = "a/pom.xml"
    assert got == [
        dep("junit", "junit", "4.13.2", p, "test", dev=True),
        dep("x", "ranged", "", p, optional="true", constraint="[1.0,2.0)"),
        dep("x", "loop", "", p, constraint="${self}"),
        dep("x", "lib", "2.5", p),
        project(
            "g",
            "a",
            "1",
            p,
            ("junit:junit@4.13.2", "x:ranged@", "x:loop@", "x:lib@2.5"),
            local_parents="b/pom.xml",
        ),
    ]
    assert warnings == [("a/pom.xml", "parent POMs form a loop at a/pom.xml; stopped following")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<notaproject/>", "expected <project>"),
        ("<project><unclosed></project>", "invalid XML"),
        ('<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><project>&a;</project>', "refused XML"),
    ],
)
def test_pom_bad_input(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "pom.xml").write_text(text)
    with pytest.raises(ExtractError, match=message):
        extract(POM, tmp_path / "pom.xml")


def test_substitute_is_bounded() -> None:
    assert substitute("${a}", {"a": "${a}${a}"}).count("${a}") <= 2**9


def test_gradle_lockfile() -> None:
    got, _ = extract(LOCK, GRADLE / "happy.lockfile")
    f = "happy.lockfile"
    kw = {"found_by": "java/gradle-lockfile", "direct": None}
    assert got == [
        dep(
            "cglib",
            "cglib-nodep",
            "2.1.2",
            f,
            dev=False,
            configurations="testRuntimeClasspath,classpath",
            **kw,
        ),  # type: ignore[arg-type]
        dep(
            "junit",
            "junit",
            "4.13.2",
            f,
            dev=True,
            configurations="testCompileClasspath,testRuntimeClasspath",
            **kw,
        ),  # type: ignore[arg-type]
        dep(
            "org.springframework",
            "spring-asm",
            "3.1.3.RELEASE",
            f,
            dev=False,
            configurations="classpath",
            **kw,
        ),  # type: ignore[arg-type]
        dep(
            "org.springframework",
            "spring-beans",
            "5.0.5.RELEASE",
            f,
            dev=False,
            configurations="compileClasspath,runtimeClasspath",
            **kw,
        ),  # type: ignore[arg-type]
    ]
    assert extract(LOCK, GRADLE / "empty.lockfile")[0] == []


def test_gradle_bad_line(tmp_path: Path) -> None:
    (tmp_path / "gradle.lockfile").write_text("just-a-name=compileClasspath\n")
    with pytest.raises(ExtractError, match=":1: expected 'group:artifact:version=configurations'"):
        extract(LOCK, tmp_path / "gradle.lockfile")


@pytest.mark.parametrize(
    ("ex", "path", "wanted"),
    [
        (POM, "pom.xml", True),
        (POM, "module/pom.xml", True),
        (POM, "pom.xml.orig", False),
        (POM, "x.pom", False),
        (LOCK, "gradle.lockfile", True),
        (LOCK, "app/buildscript-gradle.lockfile", True),
        (LOCK, "gradle/dependency-locks/compileClasspath.lockfile", True),
        (LOCK, "other/foo.lockfile", False),
    ],
)
def test_wants(ex: PomXmlExtractor | GradleLockfileExtractor, path: str, wanted: bool) -> None:
    assert ex.wants(FileRef(path, size=10)) is wanted


SHARED_POM = SHARED_PARSER / "java" / "pom" / "testdata"


@pytest.mark.skipif(not SHARED_POM.is_dir(), reason="shared fixtures absent")
def test_shared_pom_corpus() -> None:
    """Every pom.xml in Trivy's corpus parses and reports its project (settings.xml files are not POMs)."""
    paths = sorted(SHARED_POM.rglob("pom.xml"))
    assert len(paths) > 50
    for path in paths:
        got, _ = extract(POM, path, SHARED_POM)
        assert any(p.metadata.get("role") == "main" for p in got), path
