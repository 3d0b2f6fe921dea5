"""Fixtures for integration tests: real OCI registries (Debian's docker-registry) on 127.0.0.1.

Each flavour starts once per test session (per xdist worker): ``registry`` (anonymous),
``registry_htpasswd`` (basic auth) and ``registry_token`` (bearer-token flow with a real token
server). Tests using them carry ``@pytest.mark.registry`` and are skipped only when the
``docker-registry`` binary is absent.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests._support import registry as reg


def _start(tmp_path_factory: pytest.TempPathFactory, auth: str | None) -> Iterator[reg.Registry]:
    if not reg.available():
        pytest.skip(f"{reg.REGISTRY_BIN} is not installed (apt-get install docker-registry)")
    if reg.SKOPEO_BIN is None:
        pytest.skip("skopeo is not installed (apt-get install skopeo)")
    with reg.running_registry(tmp_path_factory.mktemp(f"registry-{auth or 'anon'}"), auth=auth) as r:
        yield r


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[reg.Registry]:
    yield from _start(tmp_path_factory, None)


@pytest.fixture(scope="session")
def registry_htpasswd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[reg.Registry]:
    yield from _start(tmp_path_factory, "htpasswd")


@pytest.fixture(scope="session")
def registry_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[reg.Registry]:
    yield from _start(tmp_path_factory, "token")
