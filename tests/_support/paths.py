"""Where test data lives."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
#: The team's read-only shared data; tests that use it must skip cleanly when it is absent.
SHARED = (REPO.parent / "shared").resolve()
