"""packages.lock.json, *.deps.json and packages.config (Trivy's fixtures; values agree with its
parse_test.go files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bastion.errors import ExtractError
from bastion.inventory.dotnet.nuget import DepsJsonExtractor, PackagesConfigExtractor, PackagesLockExtractor
from bastion.inventory.runner import run_extractors
from bastion.model import Ecosystem, FileRef, Location, Package
from bastion.targets.directory import DirectoryTree
from tests._support.lang_inventory import LOCKFILES, SHARED_PARSER, extract

LOCK, DEPS, CONFIG = PackagesLockExtractor(), DepsJsonExtractor(), PackagesConfigExtractor()
FIX = LOCKFILES / "dotnet"
NET5 = ".NETCoreApp,Version=v5.0"


def nu(
    name: str,
    version: str,
    path: str,
    found_by: str,
    *,
    direct: bool | None,
    dev: bool | None = None,
    deps: tuple[str, ...] = (),
    **meta: str,
) -> Package:
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.NUGET,
        purl=f"pkg:nuget/{name}@{version}",
        locations=(Location(path),),
        found_by=found_by,
        direct=direct,
        dev=dev,
        dependencies=deps,
        metadata=meta,
    )


def test_packages_lock_subdependencies() -> None:
    f, by = "subdependencies.json", "dotnet/packages-lock"
    got, _ = extract(LOCK, FIX / "packages-lock" / f)
    assert got == [
        nu("Newtonsoft.Json", "12.0.3", f, by, direct=True, frameworks=NET5),
        nu("NuGet.Frameworks", "5.7.0", f, by, direct=True, frameworks=NET5),
        nu(
            "Swashbuckle.AspNetCore",
            "5.5.1",
            f,
            by,
            direct=True,
            frameworks=NET5,
            deps=(
                "Microsoft.Extensions.ApiDescription.Server@3.0.0",
                "Swashbuckle.AspNetCore.Swagger@5.5.1",
                "Swashbuckle.AspNetCore.SwaggerGen@5.5.1",
                "Swashbuckle.AspNetCore.SwaggerUI@5.5.1",
            ),
        ),
        nu("Microsoft.Extensions.ApiDescription.Server", "3.0.0", f, by, direct=False, frameworks=NET5),
        nu("Microsoft.OpenApi", "1.1.4", f, by, direct=False, frameworks=NET5),
        nu(
            "Swashbuckle.AspNetCore.Swagger",
            "5.5.1",
            f,
            by,
            direct=False,
            frameworks=NET5,
            deps=("Microsoft.OpenApi@1.1.4",),
        ),
        nu(
            "Swashbuckle.AspNetCore.SwaggerGen",
            "5.5.1",
            f,
            by,
            direct=False,
            frameworks=NET5,
            deps=("Swashbuckle.AspNetCore.Swagger@5.5.1",),
        ),
        nu("Swashbuckle.AspNetCore.SwaggerUI", "5.5.1", f, by, direct=False, frameworks=NET5),
    ]


def test_packages_lock_multi_framework_and_projects(tmp_path: Path) -> None:
    doc = {
        "version": 2,
        "dependencies": {
            "net6.0": {"Serilog": {"type": "Direct", "resolved": "2.12.0"}, "Lib": {"type": "Project"}},
            "net48": {
                "Serilog": {"type": "Transitive", "resolved": "2.12.0"},
                "System.Memory": {"type": "CentralTransitive", "resolved": "4.5.5"},
            },
        },
    }
    (tmp_path / "packages.lock.json").write_text(json.dumps(doc))
    got, _ = extract(LOCK, tmp_path / "packages.lock.json")
    f, by = "packages.lock.json", "dotnet/packages-lock"
    assert got == [
        nu("Serilog", "2.12.0", f, by, direct=True, frameworks="net6.0, net48"),
        nu("System.Memory", "4.5.5", f, by, direct=False, frameworks="net48"),
    ]


@pytest.mark.parametrize(
    ("file", "expected", "warnings"),
    [
        (
            "happy.deps.json",
            [
                (
                    "Newtonsoft.Json",
                    "13.0.1",
                    True,
                    {
                        "sha512": "sha512-ppPFpBcvxdsfUonNcvITKqLl3bqxWbDCZIzDWHzjpdAHRFfZe0Dw9HmA0+za13IdyrgJwpkDTDA9fHaxOrt20A=="
                    },
                )
            ],
            [],
        ),
        (
            "missing-target.deps.json",
            [
                (
                    "Newtonsoft.Json",
                    "13.0.1",
                    False,
                    {
                        "sha512": "sha512-ppPFpBcvxdsfUonNcvITKqLl3bqxWbDCZIzDWHzjpdAHRFfZe0Dw9HmA0+za13IdyrgJwpkDTDA9fHaxOrt20A=="
                    },
                )
            ],
            [
                (
                    "missing-target.deps.json",
                    "runtime target '.NETCoreApp,Version=v5.0' is not among the targets; dependency edges omitted",
                )
            ],
        ),
        (
            "self-contained.deps.json",
            [
                (
                    "Newtonsoft.Json",
                    "13.0.1",
                    True,
                    {
                        "sha512": "sha512-ppPFpBcvxdsfUonNcvITKqLl3bqxWbDCZIzDWHzjpdAHRFfZe0Dw9HmA0+za13IdyrgJwpkDTDA9fHaxOrt20A=="
                    },
                ),
                ("Microsoft.NETCore.App.Runtime.linux-x64", "8.0.0", False, {"type": "runtimepack"}),
                ("Microsoft.AspNetCore.App.Runtime.linux-x64", "8.0.0", False, {"type": "runtimepack"}),
            ],
            [],
        ),
    ],
)
def test_deps_json(
    file: str, expected: list[tuple[str, str, bool, dict[str, str]]], warnings: list[tuple[str, str]]
) -> None:
    got, warned = extract(DEPS, FIX / "deps-json" / file)
    assert got == [nu(n, v, file, "dotnet/deps-json", direct=d, dev=False, **m) for n, v, d, m in expected]
    assert warned == warnings


def test_deps_json_edges(tmp_path: Path) -> None:
    doc = {
        "runtimeTarget": {"name": "net8.0"},
        "targets": {
            "net8.0": {
                "App/1.0.0": {"dependencies": {"A": "1.0.0"}},
                "A/1.0.0": {"dependencies": {"B": "2.0.0"}, "runtime": {"lib/net8.0/A.dll": {}}},
                "B/2.0.0": {"native": {"runtimes/linux-x64/native/libb.so": {}}},
            }
        },
        "libraries": {
            "App/1.0.0": {"type": "project"},
            "A/1.0.0": {"type": "package"},
            "B/2.0.0": {"type": "package"},
            "Ref/1.0.0": {"type": "reference"},
        },
    }
    (tmp_path / "App.deps.json").write_text(json.dumps(doc))
    got, _ = extract(DEPS, tmp_path / "App.deps.json")
    f, by = "App.deps.json", "dotnet/deps-json"
    assert got == [
        nu("A", "1.0.0", f, by, direct=True, dev=False, deps=("B@2.0.0",)),
        nu("B", "2.0.0", f, by, direct=False, dev=False),
    ]


def test_deps_json_invalid() -> None:
    with pytest.raises(ExtractError, match="invalid JSON"):
        extract(DEPS, FIX / "deps-json" / "invalid.deps.json")


def test_packages_config() -> None:
    f, by = "dev-dependency.config", "dotnet/packages-config"
    got, _ = extract(CONFIG, FIX / "packages-config" / f)
    assert got == [
        nu("Microsoft.Net.Compilers", "1.0.0", f, by, direct=True, dev=True, targetFramework="net46"),
        nu(
            "Newtonsoft.Json",
            "8.0.3",
            f,
            by,
            direct=True,
            dev=False,
            targetFramework="net46",
            allowedVersions="[8,10)",
        ),
    ]
    with pytest.raises(ExtractError, match="invalid XML"):
        extract(CONFIG, FIX / "packages-config" / "malformed.config")


@pytest.mark.parametrize(
    ("ex", "text", "message"),
    [
        (LOCK, '{"version": 1}', "'dependencies' map"),
        (LOCK, '{"dependencies": {"net6.0": {"A": {"type": "Direct"}}}}', "has no 'resolved' version"),
        (DEPS, '{"libraries": {"nokey": {"type": "package"}}}', "is not NAME/VERSION"),
        (DEPS, '{"libraries": []}', "'libraries' map"),
        (CONFIG, "<configuration/>", "expected <packages>"),
        (CONFIG, '<packages><package id="x"/></packages>', "without id and version"),
    ],
)
def test_bad_input(
    tmp_path: Path,
    ex: PackagesLockExtractor | DepsJsonExtractor | PackagesConfigExtractor,
    text: str,
    message: str,
) -> None:
    (tmp_path / "f").write_text(text)
    with pytest.raises(ExtractError, match=message):
        extract(ex, tmp_path / "f")


@pytest.mark.parametrize(
    ("ex", "path", "wanted"),
    [
        (LOCK, "src/App/packages.lock.json", True),
        (LOCK, "package-lock.json", False),
        (DEPS, "app/publish/App.deps.json", True),
        (DEPS, ".deps.json", False),
        (CONFIG, "packages.config", True),
        (CONFIG, "web.config", False),
    ],
)
def test_wants(
    ex: PackagesLockExtractor | DepsJsonExtractor | PackagesConfigExtractor, path: str, wanted: bool
) -> None:
    assert ex.wants(FileRef(path, size=10)) is wanted


@pytest.mark.skipif(not SHARED_PARSER.is_dir(), reason="shared fixtures absent")
def test_shared_corpus() -> None:
    cases = [
        (LOCK, SHARED_PARSER / "nuget" / "lock" / "testdata"),
        (DEPS, SHARED_PARSER / "dotnet" / "core_deps" / "testdata"),
        (CONFIG, SHARED_PARSER / "nuget" / "config" / "testdata"),
    ]
    for ex, folder in cases:
        for path in sorted(folder.iterdir()):
            if "invalid" in path.name or "malformed" in path.name:
                with pytest.raises(ExtractError):
                    extract(ex, path)
            elif "no-libraries" in path.name:
                assert extract(ex, path)[0] == []
            else:
                assert extract(ex, path)[0], path


def test_deps_json_without_runtime_assets() -> None:
    """Trivy's without-runtime fixture. Microsoft.NETCore.App, Microsoft.NETCore.Platforms,
    NETStandard.Library and System.Net.Http list no runtime/runtimeTargets/native assets in the runtime
    target (meta-packages, assemblies the shared framework supplies) and are not reported, as in Trivy;
    bastion reported them before bench/compare_inventory.py showed it. System.Collections.Immutable is
    not in the target at all and is kept. Edges to dropped libraries are left for the runner to drop."""
    file = "without-runtime.deps.json"
    got, warned = extract(DEPS, FIX / "deps-json" / file)
    by = "dotnet/deps-json"
    sha = {
        "JsonDiffPatch": "sha512-nZ4QtcU3jR+CBT69qcJBvCcWi5uKgPRrrvSMm4V8Z76ljJ/MFo1P55qXk/nQY0q0WC4v94m5qH4SDhovFfci+Q==",
        "Libuv": "sha512-uqX2Frwf9PW8MaY7PRNY6HM5BpW1D8oj1EdqzrmbEFD5nH63Yat3aEjN/tws6Tw6Fk7LwmLBvtUh32tTeTaHiA==",
        "Immutable": "sha512-zukBRPUuNxwy9m4TGWLxKAnoiMc9+B+8VXeXVyPiBPvOd7yLgAlZ1DlsRWJjMx4VsvhhF2+6q6kO2GRbPja6hA==",
    }
    assert got == [
        nu("JsonDiffPatch", "2.0.61", file, by, direct=True, dev=False, deps=("Microsoft.NETCore.App@1.1.2",),
           sha512=sha["JsonDiffPatch"]),
        nu("Libuv", "1.9.1", file, by, direct=False, dev=False, deps=("Microsoft.NETCore.Platforms@1.1.0",),
           sha512=sha["Libuv"]),
        nu("System.Collections.Immutable", "1.3.0", file, by, direct=False, dev=False, sha512=sha["Immutable"]),
    ]  # fmt: skip
    assert warned == []
    run = run_extractors(DirectoryTree(FIX / "deps-json"), [DEPS])
    kept = [p for p in run.inventory.packages if p.path == file]
    assert {p.name for p in kept} == {"JsonDiffPatch", "Libuv", "System.Collections.Immutable"}
    assert all(p.dependencies == () for p in kept)
