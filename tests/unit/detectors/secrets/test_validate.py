"""Live validation against a local HTTP server standing in for the providers (no outside network)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bastion.detectors.secrets.validate import LiveValidator
from bastion.model import SecretEvidence
from bastion.scan import ScanOptions, scan
from bastion.targets.directory import DirectoryTarget
from tests.fixtures.secrets.generate import Gen, crc_token

GOOD = crc_token("ghp_", Gen(31))
BAD = crc_token("ghp_", Gen(32))
SLACK_GOOD = "xoxb-123456789012-1234567890123-" + "A1b2C3d4E5f6G7h8I9j0K1l2"


class Provider(BaseHTTPRequestHandler):
    calls: list[str] = []

    def log_message(self, *_args: object) -> None:
        pass

    def _send(self, code: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        Provider.calls.append(self.path)
        if self.path == "/user":
            ok = self.headers.get("Authorization") == f"token {GOOD}"
            self._send(200 if ok else 401, {"login": "octo"} if ok else {"message": "Bad credentials"})
        elif self.path == "/ratelimited":
            self._send(429, {})
        else:
            self._send(404, {})

    def do_POST(self) -> None:
        Provider.calls.append(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.path == "/api/auth.test":
            ok = self.headers.get("Authorization") == f"Bearer {SLACK_GOOD}"
            self._send(200, {"ok": True} if ok else {"ok": False, "error": "invalid_auth"})
        else:
            self._send(404, {})


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Provider.calls = []
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_statuses(server: str) -> None:
    v = LiveValidator(base_urls={"https://api.github.com": server, "https://slack.com": server})
    assert v.check("github-pat", GOOD) == "valid"
    assert v.check("github-pat", BAD) == "invalid"
    assert v.check("github-pat", GOOD) == "valid"
    assert Provider.calls.count("/user") == 2  # answers are cached
    assert v.check("slack-bot-token", SLACK_GOOD) == "valid"
    assert v.check("slack-bot-token", SLACK_GOOD[:-1] + "x") == "invalid"
    assert v.check("generic-password", "whatever") == "unverified"
    v.close()


def test_network_failure_is_error(server: str) -> None:
    v = LiveValidator(base_urls={"https://api.github.com": "http://127.0.0.1:9"}, timeout=2)
    assert v.check("github-pat", GOOD) == "error"


def test_request_budget(server: str) -> None:
    v = LiveValidator(base_urls={"https://api.github.com": server}, max_requests=1)
    assert v.check("github-pat", BAD) == "invalid"
    assert v.check("github-pat", GOOD) == "unverified"


def test_validation_is_off_by_default(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(f'T = "{GOOD}"\n')
    result = scan(DirectoryTarget(tmp_path), ScanOptions(scanners=("secret",), inventory=False))
    (f,) = result.findings
    assert isinstance(f.evidence, SecretEvidence) and f.evidence.validation == "unverified"
