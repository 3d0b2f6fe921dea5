import json
from dataclasses import dataclass
from pathlib import Path

from bastion.cli.main import main
from bastion.model import ImageConfig
from bastion.redact import redact, scrub

REPO = Path(__file__).resolve().parents[2]


def test_redact_keeps_a_short_prefix_and_the_length():
    assert redact("ghp_" + "x" * 36) == "ghp_…(40)"
    assert redact("hunter2!") == "hu…(8)"
    assert redact(b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----").startswith(
        "-----BEGIN RSA PRIVATE KEY-----…("
    )


def test_scrub_rewrites_nested_model_objects_and_leaves_clean_ones_alone():
    cfg = ImageConfig(env=("PATH=/bin", "TOKEN=s3cr3t-value-123"), labels={"note": "uses s3cr3t-value-123"})
    out = scrub(cfg, {"s3cr3t-value-123", "short"})
    assert out.env == ("PATH=/bin", "TOKEN=s3cr…(16)")
    assert out.labels == {"note": "uses s3cr…(16)"}
    assert scrub(cfg, {"not-present-anywhere"}) is cfg
    assert scrub(cfg, {"short"}) is cfg  # too short to scrub safely


@dataclass(frozen=True)
class _Holder:
    items: tuple[str, ...]


def test_scrub_prefers_the_longest_secret():
    assert scrub(_Holder(("a-long-secret-value",)), {"a-long-secret", "a-long-secret-value"}).items == (
        "a-lo…(19)",
    )


def test_image_config_secrets_never_reach_the_json_result(tmp_path):
    layout = REPO / "samples" / "vulnerable-app"
    index = json.loads((layout / "index.json").read_text())
    manifest_digest = index["manifests"][0]["digest"].split(":")[1]
    manifest = json.loads((layout / "blobs" / "sha256" / manifest_digest).read_text())
    config = json.loads(
        (layout / "blobs" / "sha256" / manifest["config"]["digest"].split(":")[1]).read_text()
    )
    secrets = [
        kv.partition("=")[2]
        for kv in config["config"]["Env"]
        if kv.startswith(("DB_PASSWORD=", "API_TOKEN="))
    ]
    assert len(secrets) == 2

    out = tmp_path / "r.json"
    rc = main(["scan", "image", f"oci:{layout}", "-q", "--offline", "--exit-code", "0", "-o", f"json={out}"])
    assert rc == 0
    text = out.read_text()
    for value in secrets:
        assert value not in text
    assert "DB_PASSWORD=" in text  # the variable is still listed, with its value redacted


def test_identifiers_are_never_rewritten():
    from bastion.model import Finding, FindingKind, Location, Severity

    f = Finding(
        FindingKind.SECRET,
        "postgres-connection-string",
        "Password postgres in a connection string",
        Severity.HIGH,
        "secr:postgres",
        location=Location("db/postgres.env"),
    )
    out = scrub(f, {"postgres"})
    assert (out.id, out.fingerprint) == ("postgres-connection-string", "secr:postgres")
    assert out.title == "Password po…(8) in a connection string"
    assert out.location is not None and out.location.path == "db/postgres.env"  # paths identify files
