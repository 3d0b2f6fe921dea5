"""Recall and precision on the labelled corpus (tests/fixtures/secrets/generate.py), per rule and
overall, with both matchers. Every rule must reach 0.95 on both."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from bastion.detectors.secrets.rules import builtin_rules
from bastion.scan import ScanOptions, scan
from bastion.targets.directory import DirectoryTarget
from tests.fixtures.secrets.generate import MULTILINE_RULES, SPECS, build_corpus

THRESHOLD = 0.95


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("secrets-corpus")
    labels = build_corpus(root)
    (root / "labels.json").unlink()
    return root, labels


def test_the_corpus_covers_every_rule(corpus: tuple[Path, dict[str, Any]]) -> None:
    _root, labels = corpus
    labelled = {p["rule"] for p in labels["positives"]}
    reported = {r.id for r in builtin_rules() if r.report}
    assert reported <= labelled, f"rules without true samples: {sorted(reported - labelled)}"
    assert set(SPECS) | MULTILINE_RULES >= reported
    counts = defaultdict(int)
    for p in labels["positives"]:
        counts[p["rule"]] += 1
    assert min(counts[r] for r in reported) >= 1
    assert sum(1 for r in reported if counts[r] >= 3) >= 200  # most rules: three samples in three file types


@pytest.mark.parametrize("engine", ["hyperscan", "re"])
def test_recall_and_precision_per_rule(corpus: tuple[Path, dict[str, Any]], engine: str) -> None:
    root, labels = corpus
    result = scan(
        DirectoryTarget(root),
        ScanOptions(scanners=("secret",), inventory=False, settings={"secret": {"engine": engine}}),
    )
    assert not result.errors
    positives = {(p["path"], p["line"], p["rule"]) for p in labels["positives"]}
    must_suppress = {(s["path"], s["line"], s["rule"]) for s in labels["suppressed"]}
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    suppressed_ok = set()
    for f in result.findings:
        assert f.location is not None
        key = (f.location.path, f.location.line, f.id)
        if f.suppressed is not None:
            if key in must_suppress:
                suppressed_ok.add(key)
            continue
        if key in positives:
            tp[f.id] += 1
        else:
            fp[f.id] += 1
    total: dict[str, int] = defaultdict(int)
    for _path, _line, rule in positives:
        total[rule] += 1
    failures = []
    for rule, n in sorted(total.items()):
        recall = tp[rule] / n
        precision = tp[rule] / (tp[rule] + fp[rule]) if tp[rule] + fp[rule] else 0.0
        if recall < THRESHOLD or precision < THRESHOLD:
            failures.append(
                f"{rule}: recall {recall:.2f} precision {precision:.2f} ({tp[rule]}/{n}, fp {fp[rule]})"
            )
    unexpected = sorted(r for r in fp if r not in total)
    assert not failures, "\n".join(failures)
    assert not unexpected, f"false positives from rules without samples: {unexpected}"
    all_tp, all_fp = sum(tp.values()), sum(fp.values())
    assert all_tp / len(positives) >= THRESHOLD
    assert all_tp / (all_tp + all_fp) >= THRESHOLD
    assert suppressed_ok == must_suppress
