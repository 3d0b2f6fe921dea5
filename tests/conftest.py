"""Repository-wide pytest options. Keep this tiny: fixtures live next to the tests that use them."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files (tests/golden/...) from the current output instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(autouse=True, scope="session")
def _isolated_bastion_env(tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads or writes the user's cache, and none tries to reach the network.

    Tests that exercise updates or caches pass their own ``--cache-dir``/``BASTION_*`` values.
    """
    import os

    os.environ.setdefault("BASTION_CACHE_DIR", str(tmp_path_factory.mktemp("bastion-cache")))
    os.environ["BASTION_OFFLINE"] = "1"
    os.environ.pop("BASTION_DB", None)
