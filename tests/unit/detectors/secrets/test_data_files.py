"""Data files (tokenizer vocabularies, test vectors) must not flood a scan with generic findings."""

import base64
import json
import random

from bastion.detectors.secrets.detector import MAX_GENERIC_PER_FILE
from bastion.scan import ScanOptions, scan
from bastion.targets.directory import DirectoryTarget


def _random_b64(rng: random.Random) -> str:
    return base64.b64encode(rng.randbytes(15)).decode()


def test_tokenizer_vocabulary_entries_are_not_secrets(tmp_path):
    rng = random.Random(7)
    vocab = [{"rank": i, "token_bytes": _random_b64(rng), "token_str": f"t{i}"} for i in range(200)]
    (tmp_path / "tekken.json").write_text(json.dumps({"vocab": vocab}, indent=2))
    result = scan(DirectoryTarget(tmp_path), ScanOptions(scanners=("secret",)))
    assert result.findings == ()


def _values(rng: random.Random, n: int) -> list[str]:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return ["".join(rng.choice(alphabet) for _ in range(32)) for _ in range(n)]


def test_generic_matches_per_file_are_capped_and_the_rest_counted(tmp_path):
    rng = random.Random(11)
    values = _values(rng, MAX_GENERIC_PER_FILE + 15)
    # each value on its own is a finding
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "settings.py").write_text(f'service_api_key = "{values[0]}"\n')
    assert len(scan(DirectoryTarget(tmp_path / "one"), ScanOptions(scanners=("secret",))).findings) == 1

    lines = [f'service_{i}_api_key = "{v}"' for i, v in enumerate(values)]
    (tmp_path / "many").mkdir()
    (tmp_path / "many" / "settings.py").write_text("\n".join(lines) + "\n")
    result = scan(DirectoryTarget(tmp_path / "many"), ScanOptions(scanners=("secret",)))
    assert len(result.findings) == MAX_GENERIC_PER_FILE
    assert [e.message for e in result.errors] == [
        f"15 further generic secret match(es) not reported: more than {MAX_GENERIC_PER_FILE} in one file "
        "looks like data, not configuration"
    ]


def test_documentation_sample_credentials_are_not_findings(tmp_path):
    # real lines from SQLAlchemy's dialect docs and keyv's README, as installed in a real venv and node_modules
    (tmp_path / "base.py").write_text(
        '"""\n    "mysql+mysqldb://scott:tiger@localhost/test",\n'
        '    "mysql+pymysql://user:pass@some_mariadb/dbname?charset=utf8mb4"\n"""\n'
    )
    (tmp_path / "README.md").write_text(
        "const keyv = new Keyv('postgresql://user:pass@localhost:5432/dbname');\n"
    )
    assert scan(DirectoryTarget(tmp_path), ScanOptions(scanners=("secret",))).findings == ()


def test_a_real_password_in_a_connection_string_is_still_found(tmp_path):
    url = "postgresql://app:Vq7#pL2x9wKm@db.internal:5432/app"  # bastion:ignore test input, not a credential
    (tmp_path / "settings.py").write_text(f'DATABASE_URL = "{url}"\n')
    result = scan(DirectoryTarget(tmp_path), ScanOptions(scanners=("secret",)))
    assert [f.id for f in result.findings] == ["postgres-connection-string"]


def test_lookup_table_in_gnu_bash_is_not_a_twitter_token(tmp_path):
    """The exact bytes around offset 987402 of Debian 12's /usr/bin/bash (a letter-frequency table)."""
    table = (
        b"??????@@"
        + b"A" * 44
        + b"BBBCCDDEEEEEFFFFFFFFFFFGGGGGGGGHHHHIIIIIIIIJJJKKKKLLMNNOOOOOPPPQRSTTTUUVVVVWWWWWW"
        b"XXYYZZZ[[[[[[\\\\"
    )
    (tmp_path / "bash").write_bytes(b"\x7fELF\x02\x01\x01" + b"\x00" * 64 + table + b"\x00" * 64)
    assert scan(DirectoryTarget(tmp_path), ScanOptions(scanners=("secret",))).findings == ()
