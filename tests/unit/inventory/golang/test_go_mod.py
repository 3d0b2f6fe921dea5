"""go.mod: Trivy's go.mod fixtures (expected results from its parse_test.go, with bastion's documented
differences: indirect requirements are kept with direct=False for every go version, and a local-path
replacement is kept unversioned instead of dropped)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.errors import ExtractError
from bastion.inventory.golang.go_mod import GoModExtractor, toolchain_stdlib
from bastion.model import Ecosystem, FileRef, Location, Package
from tests._support.lang_inventory import LOCKFILES, SHARED_PARSER, extract

FIX = LOCKFILES / "go" / "go-mod"
EX = GoModExtractor()


def pkg(
    name: str,
    version: str,
    file: str,
    *,
    purl: str,
    direct: bool | None = None,
    deps: tuple[str, ...] = (),
    metadata: dict[str, str] | None = None,
) -> Package:
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.GO,
        purl=purl,
        locations=(Location(file),),
        found_by="go/go-mod",
        direct=direct,
        dependencies=deps,
        metadata=metadata or {},
    )


DEP_PARSER_OLD = "v0.0.0-20211224170007-df43bca6b6ff"
DEP_PARSER_NEW = "v0.0.0-20220406074731-71021a481237"
XERRORS_OLD = "v0.0.0-20200804184101-5ec99f83aff1"
YAML = "v3.0.0-20210107192922-496545a6307b"


def _cases() -> list[tuple[str, list[Package]]]:
    def main(file: str, deps: tuple[str, ...], **meta: str) -> Package:
        return pkg(
            "github.com/org/repo",
            "",
            file,
            purl="pkg:golang/github.com/org/repo",
            deps=deps,
            metadata={"role": "main", **meta},
        )

    def dp(file: str, version: str, **kw: object) -> Package:
        return pkg(
            "github.com/aquasecurity/go-dep-parser",
            version,
            file,
            purl=f"pkg:golang/github.com/aquasecurity/go-dep-parser@{version}",
            **kw,
        )  # type: ignore[arg-type]

    def xerrors(file: str, version: str, **kw: object) -> Package:
        purl = "pkg:golang/golang.org/x/xerrors" + (f"@{version}" if version else "")
        return pkg("golang.org/x/xerrors", version, file, purl=purl, **kw)  # type: ignore[arg-type]

    def yaml(file: str) -> Package:
        return pkg("gopkg.in/yaml.v3", YAML, file, purl=f"pkg:golang/gopkg.in/yaml.v3@{YAML}", direct=False)

    n = "normal.mod"
    normal = [
        pkg(
            "github.com/aquasecurity/go-version",
            "v0.0.0-20240603093900-cf8a8d29271d",
            n,
            purl="pkg:golang/github.com/aquasecurity/go-version@v0.0.0-20240603093900-cf8a8d29271d",
            direct=True,
        ),
        pkg(
            "github.com/davecgh/go-spew",
            "v1.1.2-0.20180830191138-d8f796af33cc",
            n,
            purl="pkg:golang/github.com/davecgh/go-spew@v1.1.2-0.20180830191138-d8f796af33cc",
            direct=False,
        ),
        pkg(
            "github.com/pmezard/go-difflib",
            "v1.0.1-0.20181226105442-5d4384ee4fb2",
            n,
            purl="pkg:golang/github.com/pmezard/go-difflib@v1.0.1-0.20181226105442-5d4384ee4fb2",
            direct=False,
        ),
        pkg(
            "github.com/stretchr/testify",
            "v1.9.0",
            n,
            purl="pkg:golang/github.com/stretchr/testify@v1.9.0",
            direct=False,
        ),
        xerrors(n, "v0.0.0-20231012003039-104605ab7028", direct=False),
        pkg(
            "stdlib", "1.22.5", n, purl="pkg:golang/stdlib@1.22.5", direct=True, metadata={"minimum": "true"}
        ),
        main(
            n,
            ("github.com/aquasecurity/go-version@v0.0.0-20240603093900-cf8a8d29271d", "stdlib@1.22.5"),
            go="1.22.0",
            toolchain="go1.22.5",
        ),
    ]
    g = "go116.mod"
    go116 = [
        dp(g, DEP_PARSER_OLD, direct=True),
        yaml(g),
        main(g, (f"github.com/aquasecurity/go-dep-parser@{DEP_PARSER_OLD}",), go="1.16"),
    ]
    nv = "no-go-version.mod"
    no_go = [
        dp(nv, DEP_PARSER_OLD, direct=True),
        main(nv, (f"github.com/aquasecurity/go-dep-parser@{DEP_PARSER_OLD}",)),
    ]
    r = "replaced.mod"
    replaced = [
        dp(
            r,
            DEP_PARSER_NEW,
            direct=True,
            metadata={"replaces": "github.com/aquasecurity/go-dep-parser@v0.0.0-20211110174639-8257534ffed3"},
        ),
        xerrors(r, XERRORS_OLD, direct=False),
        main(r, (f"github.com/aquasecurity/go-dep-parser@{DEP_PARSER_NEW}",), go="1.17"),
    ]
    lp = "replaced-with-local-path.mod"
    local = [
        dp(lp, DEP_PARSER_OLD, direct=True),
        xerrors(lp, "", direct=False, metadata={"replace": "./xerrors"}),
        yaml(lp),
        main(lp, (f"github.com/aquasecurity/go-dep-parser@{DEP_PARSER_OLD}",), go="1.17"),
    ]
    mm = "replaced-with-version-mismatch.mod"
    mismatch = [  # the replace names v0.0.1, which is not the required version: not applied
        dp(mm, DEP_PARSER_OLD, direct=True),
        xerrors(mm, XERRORS_OLD, direct=False),
        yaml(mm),
        main(mm, (f"github.com/aquasecurity/go-dep-parser@{DEP_PARSER_OLD}",), go="1.17"),
    ]
    return [
        ("normal", normal),
        ("go116", go116),
        ("no-go-version", no_go),
        ("replaced", replaced),
        ("replaced-with-local-path", local),
        ("replaced-with-version-mismatch", mismatch),
    ]


@pytest.mark.parametrize(("scenario", "expected"), _cases(), ids=[c[0] for c in _cases()])
def test_fixtures(scenario: str, expected: list[Package]) -> None:
    got, warnings = extract(EX, FIX / f"{scenario}.mod", FIX)
    assert sorted(got, key=lambda p: p.name) == sorted(expected, key=lambda p: p.name)
    assert warnings == []


def test_exclude_and_block_forms(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text(
        'module "example.com/m"\n\ngo 1.21\n\nrequire (\n\texample.com/a v1.0.0\n\texample.com/b v2.0.0+incompatible '
        "// indirect; used by tests\n)\n\nexclude (\n\texample.com/a v1.0.0\n\texample.com/c v0.1.0\n)\n"
        "replace example.com/b => example.com/b2 v2.1.0\n"
    )
    got, warnings = extract(EX, tmp_path / "go.mod")
    assert got == [
        pkg(
            "example.com/b2",
            "v2.1.0",
            "go.mod",
            purl="pkg:golang/example.com/b2@v2.1.0",
            direct=False,
            metadata={"replaces": "example.com/b@v2.0.0+incompatible"},
        ),
        pkg(
            "stdlib",
            "1.21.0",
            "go.mod",
            purl="pkg:golang/stdlib@1.21.0",
            direct=True,
            metadata={"minimum": "true"},
        ),
        pkg(
            "example.com/m",
            "",
            "go.mod",
            purl="pkg:golang/example.com/m",
            deps=("stdlib@1.21.0",),
            metadata={"role": "main", "go": "1.21", "exclude": "example.com/a@v1.0.0, example.com/c@v0.1.0"},
        ),
    ]
    assert warnings == [("go.mod", "require example.com/a v1.0.0 is also excluded; not reported")]


@pytest.mark.parametrize(
    ("toolchain", "go", "expected"),
    [
        ("go1.22.5", "1.22.0", "1.22.5"),
        ("go1.22.5-custom", None, "1.22.5"),
        (None, "1.21", "1.21.0"),
        (None, "1.22rc1", "1.22rc1"),
        (None, "1.21.4", "1.21.4"),
        (None, "1.20", ""),
        (None, "1.16", ""),
        (None, None, ""),
    ],
)
def test_toolchain_stdlib(toolchain: str | None, go: str | None, expected: str) -> None:
    assert toolchain_stdlib(toolchain, go) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("module x\nrequire (\n a v1\n", "unterminated require"),
        ("module x\nrequire a\n", "expected 'require PATH VERSION'"),
        ("module x\nreplace a v1 b v2\n", "expected 'replace OLD"),
        ('{"not": "go.mod"}\n', "unknown directive"),
        ("\n// only a comment\n", "no module or require directive"),
    ],
)
def test_bad_input(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "go.mod").write_text(text)
    with pytest.raises(ExtractError, match=message):
        extract(EX, tmp_path / "go.mod")


@pytest.mark.parametrize(
    ("path", "wanted"),
    [("go.mod", True), ("src/app/go.mod", True), ("go.sum", False), ("go.mod.bak", False), ("gomod", False)],
)
def test_wants(path: str, wanted: bool) -> None:
    assert EX.wants(FileRef(path, size=100)) is wanted


SHARED_GO = SHARED_PARSER / "golang" / "mod" / "testdata"


@pytest.mark.skipif(not SHARED_GO.is_dir(), reason="shared fixtures absent")
@pytest.mark.parametrize(
    "path", sorted(SHARED_GO.rglob("go.mod")) or [None], ids=lambda p: str(p and p.parent.name)
)
def test_shared_corpus(path: Path) -> None:
    got, _ = extract(EX, path)
    assert any(p.metadata.get("role") == "main" for p in got)
    assert all(p.version or p.metadata.get("role") == "main" or p.metadata.get("replace") for p in got)
