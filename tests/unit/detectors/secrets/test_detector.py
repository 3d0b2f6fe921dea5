"""The secret detector through the scanner: files, layers, image config, archives, suppression,
configuration, errors — and that no secret ever reaches the result in plaintext."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bastion import codec
from bastion.detectors.secrets.baseline import BASELINE_NAME
from bastion.errors import ConfigError
from bastion.fs.limits import Limits
from bastion.model import Finding, ScanResult, SecretEvidence
from bastion.scan import ScanOptions, scan
from bastion.targets.directory import DirectoryTarget
from bastion.targets.factory import TargetOptions
from bastion.targets.image import image_target
from tests._support.images import Layer, Whiteout, build_oci_layout
from tests.fixtures.secrets.generate import Gen, crc_token


def scan_dir(root: Path, settings: dict[str, Any] | None = None, limits: Limits | None = None) -> ScanResult:
    opts = ScanOptions(scanners=("secret",), inventory=False, settings={"secret": settings or {}})
    if limits is not None:
        opts = ScanOptions(
            scanners=("secret",), inventory=False, settings={"secret": settings or {}}, limits=limits
        )
    return scan(DirectoryTarget(root), opts)


def by_id(result: ScanResult, rule: str) -> list[Finding]:
    return [f for f in result.findings if f.id == rule]


@pytest.fixture
def tokens() -> dict[str, str]:
    g = Gen(99)
    return {
        "ghp": crc_token("ghp_", g),
        "ghp2": crc_token("ghp_", g),
        "akia": "AKIA" + g.b32(16),
        "aws_secret": g.aws_secret(),
        "slack": "xoxb-" + g.d(12) + "-" + g.d(13) + "-" + g.a(24),
        "stripe": "sk_live_" + g.a(24),
    }


def test_finding_shape_and_no_plaintext(tmp_path: Path, tokens: dict[str, str]) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "settings.py").write_text(f'import os\n\nGITHUB_TOKEN = "{tokens["ghp"]}"\n')
    (tmp_path / ".env").write_text(f"STRIPE_KEY={tokens['stripe']}\nSLACK={tokens['slack']}\n")
    result = scan_dir(tmp_path)
    (f,) = by_id(result, "github-pat")
    assert f.location is not None and (f.location.path, f.location.line) == ("app/settings.py", 3)
    assert f.fingerprint.startswith("secr:") and f.found_by == "secret/rules"
    ev = f.evidence
    assert isinstance(ev, SecretEvidence)
    assert (
        ev.match == f"ghp_…({len(tokens['ghp'])})"
        and len(ev.secret_hash) == 64
        and ev.validation == "unverified"
    )
    assert {x.id for x in result.findings} == {"github-pat", "stripe-secret-key", "slack-bot-token"}
    text = codec.dumps(result)
    for value in tokens.values():
        assert value not in text  # never in plaintext, anywhere in the JSON result


def test_checksum_mismatch_is_reported_suppressed(tmp_path: Path, tokens: dict[str, str]) -> None:
    fake = tokens["ghp"][:-6] + "ZZZZZZ"
    (tmp_path / "a.py").write_text(f'TOKEN = "{fake}"\n')
    (f,) = scan_dir(tmp_path).findings
    assert f.id == "github-pat" and f.suppressed is not None and "checksum mismatch" in f.suppressed.reason


def test_fingerprint_survives_moving_lines(tmp_path: Path, tokens: dict[str, str]) -> None:
    p = tmp_path / "a.py"
    p.write_text(f'T = "{tokens["ghp"]}"\n')
    first = by_id(scan_dir(tmp_path), "github-pat")[0]
    p.write_text("# a comment\n\n\n" + f'T = "{tokens["ghp"]}"\n')
    moved = by_id(scan_dir(tmp_path), "github-pat")[0]
    assert first.fingerprint == moved.fingerprint and moved.location is not None and moved.location.line == 4


def test_suppression_kinds(tmp_path: Path, tokens: dict[str, str]) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(f'T = "{tokens["ghp"]}"  # bastion:ignore\n')
    (tmp_path / "tests" / "testdata").mkdir(parents=True)
    (tmp_path / "tests" / "testdata" / "t.py").write_text(f'T = "{tokens["ghp2"]}"\n')
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "x.md").write_text(f"token: {tokens['slack']}\n")
    (tmp_path / "b.py").write_text(f'S = "{tokens["stripe"]}"\n')
    result = scan_dir(tmp_path, {"allow": {"paths": ["docs/**"], "regexes": ["^sk_live_"]}})
    by = {f.location.path: f.suppressed for f in result.findings if f.location}
    assert by["src/a.py"] is not None and by["src/a.py"].by == "inline"
    assert by["tests/testdata/t.py"] is not None and "test fixture" in by["tests/testdata/t.py"].reason
    assert by["docs/x.md"] is not None and by["docs/x.md"].by == "config"
    assert by["b.py"] is not None and "allow.regexes" in by["b.py"].reason
    # test paths are configurable: an empty list reports them
    result = scan_dir(tmp_path, {"test_paths": []})
    assert (
        next(f for f in result.findings if f.location and f.location.path == "tests/testdata/t.py").suppressed
        is None
    )


def test_baseline_in_the_target_root(tmp_path: Path, tokens: dict[str, str]) -> None:
    (tmp_path / "a.py").write_text(f'A = "{tokens["ghp"]}"\nB = "{tokens["ghp2"]}"\n')
    first = scan_dir(tmp_path)
    known = by_id(first, "github-pat")[0]
    (tmp_path / BASELINE_NAME).write_text(
        json.dumps({"version": 1, "findings": [{"fingerprint": known.fingerprint}]})
    )
    again = scan_dir(tmp_path)
    states = {f.fingerprint: f.suppressed for f in by_id(again, "github-pat")}
    assert states[known.fingerprint] is not None and states[known.fingerprint].by == "baseline"
    assert sum(1 for s in states.values() if s is None) == 1


def test_custom_rules_from_settings(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: [{id: acme-token, token: 'acme_[a-z0-9]{32}', keywords: [acme_], entropy: 3}]\n")
    (tmp_path / "a.txt").write_text(f"key acme_{Gen(1).lo(32)} end\n")
    result = scan_dir(tmp_path, {"rules": [str(rules)]})
    assert [f.id for f in result.findings] == ["acme-token"]


def test_bad_configuration_stops_the_scan_as_a_configuration_error(tmp_path: Path) -> None:
    """secret: settings are configuration; broken, they must never leave secrets silently unscanned."""
    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(ConfigError, match=r"secret\.no_such_key: unknown key"):
        scan_dir(tmp_path, {"no_such_key": 1})
    with pytest.raises(ConfigError, match=r"missing\.yaml"):
        scan_dir(tmp_path, {"rules": ["missing.yaml"]})


def test_binary_minified_and_oversized_files(tmp_path: Path, tokens: dict[str, str]) -> None:
    blob = b"\x00\x01\x02" * 100 + b' password = "Xk9#pl2Qz!mW" ' + tokens["ghp"].encode() + b"\x00" * 10
    (tmp_path / "blob.dat1").write_bytes(blob)
    (tmp_path / "bundle.js").write_text(("var a=1;" * 2000) + f'var t="{tokens["ghp2"]}";')
    (tmp_path / "big.txt").write_text(f'T = "{tokens["slack"]}"\n' + "x" * 5000)
    (tmp_path / "bad-utf8.txt").write_bytes(
        b"\xff\xfe\xfa not utf8 \xc3\x28 " + f'S="{tokens["stripe"]}"'.encode()
    )
    result = scan_dir(tmp_path, limits=Limits(max_scan_size=4096))
    got = {(f.location.path, f.id) for f in result.findings if f.location}
    # binary content: the token format, not the generic assignment; minified skipped; big not read;
    # invalid UTF-8 is fine
    assert got == {("bad-utf8.txt", "stripe-secret-key"), ("blob.dat1", "github-pat")}
    assert any(e.path == "big.txt" and "content limit" in e.message for e in result.errors)
    only_text = scan_dir(tmp_path, {"skip_binary": True}, limits=Limits(max_scan_size=4096))
    assert {f.location.path for f in only_text.findings if f.location} == {"bad-utf8.txt"}


def test_corrupt_and_deep_archives_are_bounded_error_entries(tmp_path: Path, tokens: dict[str, str]) -> None:
    (tmp_path / "broken.jar").write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    data = f"token={tokens['ghp']}\n".encode()
    name = "leaf.txt"
    for depth in range(8):  # deeper than the archive depth limit
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr(name, data)
        data, name = buf.getvalue(), f"level{depth}.zip"
    (tmp_path / "deep.zip").write_bytes(data)
    result = scan_dir(tmp_path)
    assert any(e.path.startswith("broken.jar") and "corrupt" in e.message for e in result.errors)
    assert any("nested deeper" in e.message for e in result.errors)
    assert not by_id(result, "github-pat")  # below the depth limit: not expanded, and said so


def test_secrets_inside_archives(tmp_path: Path, tokens: dict[str, str]) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("config/app.properties", f"github.token={tokens['ghp']}\n")
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("lib/inner.jar", inner.getvalue())
    (tmp_path / "app.war").write_bytes(outer.getvalue())
    result = scan_dir(tmp_path)
    (f,) = by_id(result, "github-pat")
    assert f.location is not None and f.location.path == "app.war!lib/inner.jar!config/app.properties"
    assert (
        isinstance(f.evidence, SecretEvidence)
        and f.evidence.extra["archive"] == "app.war!lib/inner.jar!config/app.properties"
    )


def test_private_key_details_and_weak_key(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    (tmp_path / "id_rsa").write_bytes(pem)
    enc = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"x"),
    )
    (tmp_path / "enc.pem").write_bytes(enc)
    result = scan_dir(tmp_path)
    (rsa_f,) = by_id(result, "private-key-rsa")
    assert isinstance(rsa_f.evidence, SecretEvidence)
    assert rsa_f.evidence.extra["key_type"] == "RSA" and rsa_f.evidence.extra["key_size"] == "1024"
    assert rsa_f.location is not None and rsa_f.location.end_line is not None and rsa_f.location.end_line > 10
    (weak,) = by_id(result, "private-key-weak")
    assert "1024" in weak.title
    (e,) = by_id(result, "private-key-pkcs8-encrypted")
    assert isinstance(e.evidence, SecretEvidence) and e.evidence.extra["encrypted"] == "true"


def _image(tmp_path: Path, tokens: dict[str, str]) -> Path:
    creds = (
        f"[default]\naws_access_key_id = {tokens['akia']}\naws_secret_access_key = {tokens['aws_secret']}\n"
    )
    build_oci_layout(
        tmp_path / "img",
        layers=[
            Layer({"etc/os-release": b"ID=alpine\nVERSION_ID=3.19.1\n"}, created_by="ADD rootfs /"),
            Layer({"root/.aws/credentials": creds.encode()}, created_by="COPY creds /root/.aws/credentials"),
            Layer(
                {"root/.aws/credentials": Whiteout(), "app/main.py": b"print(1)\n"},
                created_by="RUN rm -rf /root/.aws",
            ),
        ],
        config={
            "config": {
                "Env": ["PATH=/usr/bin", f"GITHUB_TOKEN={tokens['ghp']}", "DB_PASSWORD=Xk9#pl2Qz!mW"],
                "Labels": {"ci.slack": tokens["slack"]},
            },
            "history": [
                {"created_by": "ADD rootfs /"},
                {
                    "created_by": f"ARG NPM_TOKEN\n|1 NPM_TOKEN={tokens['stripe']} /bin/sh -c npm ci",
                    "empty_layer": True,
                },
                {"created_by": "COPY creds /root/.aws/credentials"},
                {"created_by": "RUN rm -rf /root/.aws"},
            ],
        },
    )
    return tmp_path / "img"


def test_image_layers_and_config(tmp_path: Path, tokens: dict[str, str]) -> None:
    layout = _image(tmp_path, tokens)
    target = image_target(f"oci:{layout}", TargetOptions(cache_dir=tmp_path / "cache"))
    result = scan(target, ScanOptions(scanners=("secret",), inventory=False))
    (kid,) = by_id(result, "aws-access-key-id")
    ev = kid.evidence
    assert isinstance(ev, SecretEvidence) and ev.deleted_in_later_layer
    assert kid.location is not None and kid.location.layer == result.target.layers[1].diff_id
    assert ev.extra["layer_created_by"] == "COPY creds /root/.aws/credentials"
    assert "deleted in a later layer" in kid.title and "COPY creds" in kid.description
    assert by_id(result, "aws-secret-access-key")
    cfg = {
        (f.id, f.location.resource)
        for f in result.findings
        if f.location and f.location.path == "image-config"
    }
    assert ("github-pat", "config.env[1]") in cfg
    assert ("generic-secret-config", "config.env[2]") in cfg
    assert ("slack-bot-token", "config.labels[ci.slack]") in cfg
    assert ("stripe-secret-key", "history[1].created_by") in cfg
    # Findings never hold the value (the target's own description of the image config does: that is
    # the image's metadata as published, not a finding).
    findings_only = dataclasses.replace(result, target=dataclasses.replace(result.target, image=None))
    assert tokens["ghp"] not in codec.dumps(findings_only)
