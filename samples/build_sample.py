"""Build ``samples/vulnerable-app/``: a small, deterministic, deliberately vulnerable OCI image layout.

    python samples/build_sample.py          # rewrites samples/vulnerable-app/ (byte-identical every run)
    bastion scan image oci:samples/vulnerable-app

What is inside (and what a scanner should find):

- layer 0 ``ADD rootfs``: a Debian 12 (bookworm) base — the real ``/etc/os-release`` (a symlink to
  ``/usr/lib/os-release``, as Debian ships it) and a real ``/var/lib/dpkg/status`` excerpt
  (``samples/data/dpkg-status``: stanzas copied verbatim from a Debian 12 machine: base-files, bash,
  libc6, libssl3/openssl, zlib1g, tar, gzip, libgcc-s1, debian-archive-keyring);
- layer 1 ``COPY app``: ``/app/requirements.txt`` pinning known-vulnerable Python packages (requests
  2.19.0, urllib3 1.24.1, Jinja2 2.10, PyYAML 5.3), ``/app/package-lock.json`` with lodash 4.17.15 and
  minimist 1.2.0, installed dist-info for requests/urllib3, and the app itself;
- layer 2 ``COPY credentials``: an AWS access key pair in ``/root/.aws/credentials`` …
- layer 3 ``RUN rm``: … deleted again (a whiteout) — invisible in the squashed view, still in layer 2;
- the config runs as root, with a secret-looking ``ENV`` and Dockerfile-style history.

The AWS key is random-looking and syntactically valid (``AKIA`` + 16 base32 characters, 40-character
secret), derived from a fixed seed; it is not a real credential and not AWS's documented example key.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests._support.images import Dir, File, Layer, Symlink, Whiteout, build_oci_layout  # noqa: E402

OUT = HERE / "vulnerable-app"
DATA = HERE / "data"
SEED = b"bastion sample image v1"


def fake_aws_key_pair() -> tuple[str, str]:
    digest = hashlib.sha256(SEED + b"/aws").digest() + hashlib.sha256(SEED + b"/aws/2").digest()
    b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    key_id = "AKIA" + "".join(b32[b % 32] for b in digest[:16])
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    secret = "".join(b64[b % 64] for b in digest[16:56])
    return key_id, secret


REQUIREMENTS = b"""\
# pinned by the build; do not upgrade without QA sign-off
requests==2.19.0
urllib3==1.24.1
Jinja2==2.10
PyYAML==5.3
flask==1.0
"""

PACKAGE_JSON = {
    "name": "vulnerable-app-frontend",
    "version": "1.0.0",
    "private": True,
    "dependencies": {"lodash": "4.17.15", "minimist": "1.2.0"},
}

PACKAGE_LOCK = {
    "name": "vulnerable-app-frontend",
    "version": "1.0.0",
    "lockfileVersion": 3,
    "requires": True,
    "packages": {
        "": {
            "name": "vulnerable-app-frontend",
            "version": "1.0.0",
            "dependencies": {"lodash": "4.17.15", "minimist": "1.2.0"},
        },
        "node_modules/lodash": {
            "version": "4.17.15",
            "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.15.tgz",
            "integrity": "sha512-8xOcRHvCjnocdS5cpwXQXVzmmh5e5+saE2QGoeQmbKmRS6J3VQppPOIt0MnmE+4xlZoumy0GPG0D0MVIQbNA1A==",
        },
        "node_modules/minimist": {
            "version": "1.2.0",
            "resolved": "https://registry.npmjs.org/minimist/-/minimist-1.2.0.tgz",
            "integrity": "sha512-7Wl+Jz+IGWuSdgsQEJ4JunV0si/iMhg42MnQQG6h1R6TNeVenp4U9x5CC5v/gYqz/fENLQITAWXidNtVL0NNbw==",
        },
    },
}

APP_PY = b'''\
"""A tiny web service that reads its settings from the environment."""
import os

import requests
import yaml
from flask import Flask

app = Flask(__name__)


@app.route("/health")
def health():
    return {"ok": True, "upstream": requests.get(os.environ["UPSTREAM_URL"], timeout=5).status_code}


def load_settings(path="/app/settings.yaml"):
    with open(path) as fh:
        return yaml.load(fh)  # unsafe loader on purpose (PyYAML 5.3)
'''


def dist_info(name: str, version: str, summary: str) -> dict[str, bytes]:
    base = f"usr/local/lib/python3.11/site-packages/{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {summary}\n".encode()
    return {f"{base}/METADATA": metadata, f"{base}/INSTALLER": b"pip\n"}


def build(out: Path = OUT) -> None:
    key_id, secret = fake_aws_key_pair()
    credentials = f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\nregion = eu-west-1\n".encode()
    rootfs = {
        "bin": Symlink("usr/bin"),
        "lib": Symlink("usr/lib"),
        "etc/": Dir(),
        "etc/os-release": Symlink("../usr/lib/os-release"),
        "etc/debian_version": b"12.11\n",
        "etc/hostname": b"vulnerable-app\n",
        "etc/passwd": b"root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        "etc/group": b"root:x:0:\nnogroup:x:65534:\n",
        "root/": Dir(0o700),
        "tmp/": Dir(0o1777),
        "usr/bin/": Dir(),
        "usr/lib/os-release": (DATA / "os-release").read_bytes(),
        "var/lib/dpkg/status": (DATA / "dpkg-status").read_bytes(),
    }
    app = {
        "app/": Dir(),
        "app/app.py": APP_PY,
        "app/requirements.txt": REQUIREMENTS,
        "app/package.json": (json.dumps(PACKAGE_JSON, indent=2) + "\n").encode(),
        "app/package-lock.json": (json.dumps(PACKAGE_LOCK, indent=2) + "\n").encode(),
        "app/entrypoint.sh": File(b"#!/bin/sh\nexec python3 /app/app.py\n", 0o755),
        **dist_info("requests", "2.19.0", "Python HTTP for Humans."),
        **dist_info(
            "urllib3", "1.24.1", "HTTP library with thread-safe connection pooling, file post, and more."
        ),
    }
    history = [
        {
            "created": "2024-05-13T00:00:00Z",
            "created_by": "/bin/sh -c #(nop) ADD file:bookworm-slim-rootfs.tar.xz in / ",
        },
        {
            "created": "2024-05-13T00:00:00Z",
            "created_by": '/bin/sh -c #(nop)  CMD ["bash"]',
            "empty_layer": True,
        },
        {
            "created": "2024-05-14T09:00:00Z",
            "created_by": "COPY app/ /app/ # buildkit",
            "comment": "buildkit.dockerfile.v0",
        },
        {
            "created": "2024-05-14T09:00:01Z",
            "created_by": "COPY config/credentials /root/.aws/credentials # buildkit",
            "comment": "buildkit.dockerfile.v0",
        },
        {
            "created": "2024-05-14T09:00:02Z",
            "created_by": "RUN /bin/sh -c rm /root/.aws/credentials # buildkit",
            "comment": "buildkit.dockerfile.v0",
        },
        {
            "created": "2024-05-14T09:00:02Z",
            "created_by": "ENV DB_PASSWORD=SuperSecret123! API_TOKEN=tok_live_8f2b1c",
            "empty_layer": True,
        },
        {"created": "2024-05-14T09:00:02Z", "created_by": "USER root", "empty_layer": True},
        {"created": "2024-05-14T09:00:02Z", "created_by": "EXPOSE map[8080/tcp:{}]", "empty_layer": True},
        {
            "created": "2024-05-14T09:00:02Z",
            "created_by": 'ENTRYPOINT ["/app/entrypoint.sh"]',
            "empty_layer": True,
        },
    ]
    config = {
        "created": "2024-05-14T09:00:02Z",
        "author": "platform-team@example.com",
        "history": history,
        "config": {
            "User": "root",
            "Env": [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "DB_PASSWORD=SuperSecret123!",
                "API_TOKEN=tok_live_8f2b1c",
            ],
            "Entrypoint": ["/app/entrypoint.sh"],
            "Cmd": None,
            "WorkingDir": "/app",
            "ExposedPorts": {"8080/tcp": {}},
            "Labels": {
                "org.opencontainers.image.title": "vulnerable-app",
                "org.opencontainers.image.description": "bastion's deliberately vulnerable sample image",
                "org.opencontainers.image.version": "1.0.0",
            },
        },
    }
    if out.exists():
        shutil.rmtree(out)
    build_oci_layout(
        out,
        layers=[
            Layer(rootfs),
            Layer(app),
            Layer({"root/.aws/": Dir(0o700), "root/.aws/credentials": File(credentials, 0o600)}),
            Layer({"root/.aws/credentials": Whiteout()}),
        ],
        config=config,
        tag="latest",
    )


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    print(f"wrote {OUT if len(sys.argv) < 2 else sys.argv[1]}")  # noqa: T201 - a script
