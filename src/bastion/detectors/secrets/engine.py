"""The secret engine: a cheap multi-pattern pass finds candidate positions, Python's ``re`` confirms
them on small windows, then the rule's checks (entropy, validator, placeholders, allow-lists) decide.

Two interchangeable matchers find candidates:

- :class:`HyperscanMatcher` (the default when ``hyperscan``/Vectorscan is installed): every rule's
  pattern in **one** compiled database, scanned once per chunk. Hyperscan's own literal prefilter
  plays the keyword filter's part (on a 869 MB tree: 0.9 s, against 14 s for a separate Aho-Corasick
  keyword pass in Python). Patterns compile with ``HS_FLAG_SOM_LEFTMOST`` where Hyperscan can track
  the start of match; others report end offsets only, and those that use constructs Hyperscan lacks
  (look-arounds) compile in prefilter mode. The compiled database is cached on disk by the digest of
  the rules (compiling ~200 patterns takes seconds; loading takes milliseconds).
- :class:`RegexMatcher` (pure Python fallback): an Aho-Corasick automaton (``pyahocorasick``) finds
  the rules' keywords; each rule's regex then runs only on windows around its keywords' occurrences.

Both confirm with the same Python regexes, so they report the same matches (the tests run the whole
labelled corpus through both). Input is processed in chunks (4 MiB, overlapping by more than the
longest possible match), and every regex runs on windows bounded by the rule's maximum match width, so
regex work per byte is bounded whatever the input (very long lines, minified bundles).
"""

from __future__ import annotations

import bisect
import hashlib
import importlib
import logging
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bastion.detectors.secrets.noise import (
    char_classes,
    has_stopword,
    inline_ignore,
    is_placeholder,
    shannon_entropy,
)
from bastion.detectors.secrets.rules import CompiledRule, RuleSet
from bastion.detectors.secrets.validators import validate

log = logging.getLogger(__name__)

__all__ = [
    "CHUNK_SIZE",
    "OVERLAP",
    "Candidate",
    "HyperscanMatcher",
    "Matcher",
    "RawMatch",
    "RegexMatcher",
    "SecretScanner",
    "hyperscan_available",
    "make_matcher",
]

CHUNK_SIZE = 4 << 20
#: Larger than the widest match window of any rule (PGP key blocks: 66 000 bytes).
OVERLAP = 72 << 10
#: Bytes of candidate windows one rule may confirm per buffer (bounds regex work on hostile input).
CONFIRM_BUDGET = 8 << 20
#: Slack after a reported match end, so a confirming regex sees the terminator that follows.
_TAIL = 64
#: Validators whose failure makes a value doubtful rather than wrong: it has the exact shape of a
#: credential (a provider token with a bad checksum, a key block that does not parse), so it is kept
#: and reported suppressed, with the reason.
DOUBTFUL_VALIDATORS = {
    "github-checksum": "checksum",
    "npm-checksum": "checksum",
    "private-key": "unparseable",
    "pgp-private-key": "unparseable",
    "putty-private-key": "unparseable",
    "base64-body": "unparseable",
}
_DOUBTFUL = frozenset(DOUBTFUL_VALIDATORS.values())
#: Rules at or above this priority are specific formats (tokens with a prefix or structure).
_SPECIFIC = 45
#: Patterns whose match width varies by at most this many bytes compile with start-of-match tracking.
_SOM_MAX_SLACK = 16
#: Window width used for rules whose maximum match width is unbounded (custom/imported rules).
_UNBOUNDED_WINDOW = 4096


@dataclass(slots=True)
class RawMatch:
    rule: CompiledRule
    start: int
    end: int
    sstart: int
    send: int


@dataclass(slots=True)
class Candidate:
    """A confirmed secret in one buffer. ``secret`` is plaintext: keep it no longer than needed."""

    rule: CompiledRule
    secret: bytes
    start: int
    end: int
    line: int
    end_line: int
    entropy: float
    inline_ignored: bool = False
    #: Why a kept candidate is doubtful: ``"checksum"`` (provider format, wrong checksum),
    #: ``"unparseable"`` (a key block that is not a key), or None.
    note: str | None = None


class Matcher(Protocol):
    name: str
    #: Rules that hit the confirmation budget in the last :meth:`find`.
    truncated: set[str]

    def find(self, data: bytes) -> list[RawMatch]: ...


# -- shared ---------------------------------------------------------------------------------------


def _secret_span(m: Any) -> tuple[int, int]:
    if "secret" in m.re.groupindex and m.start("secret") >= 0:
        return m.start("secret"), m.end("secret")
    return m.start(), m.end()


def _confirm(
    rule: CompiledRule, data: bytes, windows: list[tuple[int, int]], out: list[RawMatch], truncated: set[str]
) -> None:
    """Run the rule's regex on merged windows; append every match. At most ``CONFIRM_BUDGET`` bytes of
    windows per rule and buffer: past that the rule stops (and is listed in ``truncated``)."""
    if not windows:
        return
    windows.sort()
    merged: list[list[int]] = []
    for s, e in windows:
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1][1] = e
        else:
            merged.append([s, e])
    pattern = rule.pattern
    seen_until = -1
    budget = CONFIRM_BUDGET
    for s, e in merged:
        budget -= e - s
        if budget < 0:
            truncated.add(rule.id)
            break
        for m in pattern.finditer(data, max(s, 0), min(e, len(data))):
            if m.start() < seen_until:
                continue
            ss, se = _secret_span(m)
            if se <= ss:
                continue
            out.append(RawMatch(rule, m.start(), m.end(), ss, se))
            seen_until = m.end()


def _chunks(n: int) -> Iterable[tuple[int, int]]:
    """(start, end) of overlapping chunks covering ``n`` bytes."""
    if n <= CHUNK_SIZE + OVERLAP:
        yield 0, n
        return
    pos = 0
    while pos < n:
        yield pos, min(n, pos + CHUNK_SIZE + OVERLAP)
        pos += CHUNK_SIZE


def _dedupe(matches: list[RawMatch]) -> list[RawMatch]:
    seen: set[tuple[str, int, int]] = set()
    out = []
    for m in matches:
        key = (m.rule.id, m.sstart, m.send)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def _window_width(rule: CompiledRule) -> int:
    return rule.max_width if rule.max_width is not None else _UNBOUNDED_WINDOW


# -- Hyperscan ------------------------------------------------------------------------------------


def hyperscan_available() -> bool:
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class _Expr:
    rule: CompiledRule
    pattern: bytes
    som: bool
    prefilter: bool
    #: The pattern is the rule's anchor (the full regex confirms within ``rule.window`` after it).
    anchored: bool


class HyperscanMatcher:
    """One Hyperscan block-mode database for all rules; see the module docstring."""

    name = "hyperscan"

    def __init__(self, rules: RuleSet, cache_dir: Path | None = None) -> None:
        import hyperscan

        self._hs = hyperscan
        self.rules = rules
        self.exprs: list[_Expr] = []
        #: Rules Hyperscan cannot compile at all; the regex fallback handles them.
        self.leftover: list[CompiledRule] = []
        self.truncated: set[str] = set()
        self._db = self._load_or_build(cache_dir)
        self._fallback = RegexMatcher(self.leftover) if self.leftover else None
        self.nearby = rules.nearby

    # compile ------------------------------------------------------------------------------------
    def _flags(self, som: bool, prefilter: bool) -> int:
        hs = self._hs
        flags = hs.HS_FLAG_MULTILINE
        if som:
            flags |= hs.HS_FLAG_SOM_LEFTMOST
        if prefilter:
            flags |= hs.HS_FLAG_PREFILTER
        return int(flags)

    def _try(self, pattern: bytes, flags: int) -> bool:
        hs = self._hs
        db = hs.Database(mode=hs.HS_MODE_BLOCK)
        try:
            db.compile(expressions=[pattern], ids=[0], elements=1, flags=[flags])
        except hs.error:
            return False
        return True

    def _plan(self, *, trial: bool) -> list[_Expr]:
        """How each rule's pattern compiles: with start-of-match tracking when its width hardly varies
        (SOM on variable-width patterns makes Hyperscan's compile slow or fail), in prefilter mode when
        it uses look-arounds. With ``trial``, each pattern is test-compiled alone first and patterns
        Hyperscan rejects go to the regex fallback (only needed when the combined compile failed)."""
        _parser = importlib.import_module("re._parser")

        exprs = []
        self.leftover = []
        for rule in self.rules.matchable:
            anchored = rule.rule.anchor is not None
            text = rule.rule.anchor or rule.rule.regex
            pattern = text.encode()
            lo, hi = _parser.parse(text).getwidth()
            som = hi - lo <= _SOM_MAX_SLACK
            prefilter = "(?=" in text or "(?!" in text or "(?<" in text.replace("(?P<", "")
            if not trial:
                exprs.append(_Expr(rule, pattern, som and not prefilter, prefilter, anchored))
                continue
            for som_, pre_ in ((som and not prefilter, prefilter), (False, prefilter), (False, True)):
                if self._try(pattern, self._flags(som_, pre_)):
                    exprs.append(_Expr(rule, pattern, som_, pre_, anchored))
                    break
            else:
                self.leftover.append(rule)
        return exprs

    def _compile(self, exprs: list[_Expr]) -> Any:
        hs = self._hs
        db = hs.Database(mode=hs.HS_MODE_BLOCK)
        if exprs:
            db.compile(
                expressions=[e.pattern for e in exprs],
                ids=list(range(len(exprs))),
                elements=len(exprs),
                flags=[self._flags(e.som, e.prefilter) for e in exprs],
            )
        return db

    def _load_or_build(self, cache_dir: Path | None) -> Any:
        hs = self._hs
        version = getattr(hs, "__version__", "") or "hs"
        key = hashlib.sha256(f"{self.rules.digest}:{version}:v1".encode()).hexdigest()[:32]
        path = cache_dir / f"secrets-hs-{key}.db" if cache_dir is not None else None
        plan_path = path.with_suffix(".plan") if path is not None else None
        cached = _MEMO.get(key)
        if cached is not None:
            db, plan = cached
            self._restore_plan(plan)
            if path is not None and plan_path is not None and not path.is_file():
                self._save(db, plan, path, plan_path)
            return db
        if path is not None and plan_path is not None and path.is_file() and plan_path.is_file():
            try:
                db = hs.loadb(path.read_bytes(), hs.HS_MODE_BLOCK)
                db.scratch = hs.Scratch(db)
                plan = plan_path.read_text().split("\n")
                self._restore_plan(plan)
                _MEMO[key] = (db, plan)
                return db
            except (OSError, hs.error, ValueError, KeyError) as exc:
                log.debug("secret rule cache %s unusable (%s); recompiling", path, exc)
        self.exprs = self._plan(trial=False)
        try:
            db = self._compile(self.exprs)
        except hs.error as exc:
            log.debug("combined secret rule compile failed (%s); compiling rule by rule", exc)
            self.exprs = self._plan(trial=True)
            db = self._compile(self.exprs)
        plan = [f"{e.rule.id}\t{int(e.som)}\t{int(e.prefilter)}" for e in self.exprs]
        plan += [f"{r.id}\t-\t-" for r in self.leftover]
        if path is not None and plan_path is not None and self.exprs:
            self._save(db, plan, path, plan_path)
        _MEMO[key] = (db, plan)
        return db

    def _save(self, db: Any, plan: list[str], path: Path, plan_path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(self._hs.dumpb(db))
            ptmp = plan_path.with_suffix(f".ptmp{os.getpid()}")
            ptmp.write_text("\n".join(plan))
            os.replace(ptmp, plan_path)
            os.replace(tmp, path)
        except OSError as exc:
            log.debug("cannot cache compiled secret rules in %s: %s", path, exc)

    def _restore_plan(self, plan: Sequence[str]) -> None:
        self.exprs = []
        self.leftover = []
        for line in plan:
            rid, som, pre = line.split("\t")
            rule = self.rules.by_id[rid]
            if som == "-":
                self.leftover.append(rule)
                continue
            self.exprs.append(
                _Expr(
                    rule,
                    (rule.rule.anchor or rule.rule.regex).encode(),
                    som == "1",
                    pre == "1",
                    rule.rule.anchor is not None,
                )
            )

    # scan ---------------------------------------------------------------------------------------
    def find(self, data: bytes) -> list[RawMatch]:
        self.truncated = set()
        if not self.exprs:
            if self._fallback is None:
                return []
            got = self._fallback.find(data)
            self.truncated = self._fallback.truncated
            return got
        hits: list[tuple[int, int, int]] = []
        append = hits.append

        def on_match(eid: int, start: int, end: int, _flags: int, _ctx: object) -> None:
            append((eid, start, end))

        view = memoryview(data)
        for cs, ce in _chunks(len(data)):
            before = len(hits)
            self._db.scan(view[cs:ce], match_event_handler=on_match)
            if cs:
                for i in range(before, len(hits)):
                    eid, s, e = hits[i]
                    hits[i] = (eid, s + cs, e + cs)
        out: list[RawMatch] = []
        if hits:
            windows: dict[int, list[tuple[int, int]]] = defaultdict(list)
            exprs = self.exprs
            last: dict[int, tuple[int, int]] = {}
            for eid, s, e in hits:
                ex = exprs[eid]
                rule = ex.rule
                if ex.anchored:
                    ws = s if ex.som else max(0, e - (rule.anchor_width or _UNBOUNDED_WINDOW))
                    win = (ws, e + max(rule.rule.window, _TAIL))
                    prev = last.get(eid)
                    if prev is not None and prev[0] == ws:
                        continue
                else:
                    ws = s if ex.som and not ex.prefilter else max(0, e - _window_width(rule))
                    prev = last.get(eid)
                    # Another end offset of a match an earlier window already covers.
                    if prev is not None and ws >= prev[0] and e <= prev[1]:
                        continue
                    win = (ws, e + _TAIL)
                windows[eid].append(win)
                last[eid] = win
            for eid, wins in windows.items():
                _confirm(exprs[eid].rule, data, wins, out, self.truncated)
        if self._fallback is not None:
            out.extend(self._fallback.find(data))
            self.truncated |= self._fallback.truncated
        return _dedupe(out)


#: In-process memo of compiled databases: building one scanner per scan must not recompile.
_MEMO: dict[str, tuple[Any, list[str]]] = {}


# -- pure Python ------------------------------------------------------------------------------------


class RegexMatcher:
    """Aho-Corasick keyword prefilter + ``re`` on windows around keyword hits."""

    name = "re"

    def __init__(self, rules: Sequence[CompiledRule] | RuleSet) -> None:
        import ahocorasick

        rule_list = rules.matchable if isinstance(rules, RuleSet) else tuple(rules)
        self.rules = rule_list
        self.truncated: set[str] = set()
        self._automaton = ahocorasick.Automaton()
        by_kw: dict[str, list[int]] = defaultdict(list)
        self._always: list[int] = []  # rules without usable keywords: scan everything
        self._gated: list[int] = []  # keywords anywhere in the buffer gate a full scan
        for i, rule in enumerate(rule_list):
            kws = rule.keywords
            if not kws:
                self._always.append(i)
                continue
            if not rule.rule.keywords_in_match or rule.max_width is None:
                self._gated.append(i)
            for raw_kw in kws:
                by_kw[raw_kw.decode("latin-1")].append(i)
        for word, idxs in by_kw.items():
            self._automaton.add_word(word, (len(word), tuple(idxs)))
        self._empty = not by_kw
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, data: bytes) -> list[RawMatch]:
        self.truncated = set()
        out: list[RawMatch] = []
        windows: dict[int, list[tuple[int, int]]] = defaultdict(list)
        present: set[int] = set()
        if not self._empty:
            lowered = data.lower().decode("latin-1")
            gated = set(self._gated)
            rules = self.rules
            for end, (klen, idxs) in self._automaton.iter(lowered):
                kstart = end - klen + 1
                for i in idxs:
                    if i in gated:
                        present.add(i)
                        continue
                    width = _window_width(rules[i])
                    windows[i].append((kstart - width, end + 1 + width))
        for i, wins in windows.items():
            _confirm(self.rules[i], data, wins, out, self.truncated)
        for i in (*self._always, *present):
            _confirm(self.rules[i], data, list(_chunks(len(data))), out, self.truncated)
        return _dedupe(out)


def make_matcher(rules: RuleSet, *, engine: str = "auto", cache_dir: Path | None = None) -> Matcher:
    """``auto``: Hyperscan when installed, else the pure-Python matcher; ``hyperscan`` or ``re`` to force."""
    if engine == "re" or (engine == "auto" and not hyperscan_available()):
        return RegexMatcher(rules)
    return HyperscanMatcher(rules, cache_dir=cache_dir)


# -- from raw matches to candidates ---------------------------------------------------------------


class _Lines:
    """Line numbers of byte offsets (1-based). Few lookups count newlines directly; many build an
    index of line starts once."""

    _INDEX_AFTER = 16

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._starts: list[int] | None = None
        self._calls = 0

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            starts = [0]
            find = self.data.find
            pos = find(b"\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = find(b"\n", pos + 1)
            self._starts = starts
        return self._starts

    def line_of(self, offset: int) -> int:
        self._calls += 1
        if self._starts is None and self._calls <= self._INDEX_AFTER:
            return self.data.count(b"\n", 0, offset) + 1
        return bisect.bisect_right(self.starts, offset)

    def text(self, line: int) -> bytes:
        if line < 1:
            return b""
        if self._starts is None and self._calls <= self._INDEX_AFTER:
            data = self.data
            pos = 0
            for _ in range(line - 1):
                pos = data.find(b"\n", pos)
                if pos == -1:
                    return b""
                pos += 1
            end = data.find(b"\n", pos)
            end = len(data) if end == -1 else end
            return data[pos : min(end, pos + 4096)]
        starts = self.starts
        if line > len(starts):
            return b""
        s = starts[line - 1]
        e = starts[line] - 1 if line < len(starts) else len(self.data)
        return self.data[s : min(e, s + 4096)]

    def line_text_at(self, offset: int) -> bytes:
        """The line containing ``offset`` (at most 4 KiB of it)."""
        data = self.data
        s = data.rfind(b"\n", 0, offset) + 1
        e = data.find(b"\n", offset)
        e = len(data) if e == -1 else e
        return data[max(s, offset - 4096) : min(e, offset + 4096)]

    def previous_line_text(self, offset: int) -> bytes | None:
        data = self.data
        s = data.rfind(b"\n", 0, offset)
        if s <= 0:
            return None
        ps = data.rfind(b"\n", 0, s) + 1
        return data[max(ps, s - 4096) : s]


class SecretScanner:
    """Runs a matcher on a buffer and applies every rule's checks. Stateless between buffers."""

    def __init__(
        self,
        rules: RuleSet,
        matcher: Matcher,
        *,
        stopwords: Sequence[str] = (),
    ) -> None:
        self.rules = rules
        self.matcher = matcher
        self.stopwords = tuple(w.lower().encode() for w in stopwords)
        self._near: dict[str, list[CompiledRule]] = defaultdict(list)
        for r in rules.nearby:
            assert r.rule.near is not None
            self._near[r.rule.near].append(r)

    @property
    def truncated(self) -> set[str]:
        """Rules that stopped early on the last buffer (too many candidate matches)."""
        return self.matcher.truncated

    def scan(self, data: bytes, path: str, *, specific_only: bool = False) -> list[Candidate]:
        """Candidates in ``data``. ``specific_only`` (binary files): only rules for formats with a
        prefix or structure, never assignment or generic rules."""
        raw = self.matcher.find(data)
        if specific_only:
            raw = [m for m in raw if m.rule.rule.priority >= _SPECIFIC and m.rule.rule.category != "generic"]
        if not raw:
            return []
        lines = _Lines(data)
        if self._near:
            raw.extend(self._nearby(raw, data, lines))
        cands: list[Candidate] = []
        #: Spans a specific rule matched but rejected (bad checksum, documented example …): a broader
        #: rule must not report the same value (a ghp_ look-alike is not a "generic secret").
        rejected: list[tuple[int, int, int]] = []
        lowered: bytes | None = None
        for m in raw:
            rule = m.rule
            if not rule.rule.report and rule.rule.category != "certificate":
                continue
            if not rule.applies_to(path):
                continue
            if not rule.rule.keywords_in_match and rule.keywords:
                if lowered is None:
                    lowered = data.lower()
                if not any(k in lowered for k in rule.keywords):
                    continue
            secret = data[m.sstart : m.send]
            verdict = self._accept(rule, secret, data[m.start : m.end])
            if verdict is None and rule.allow_line:
                text = lines.line_text_at(m.sstart)
                if any(a.search(text) for a in rule.allow_line):
                    verdict = "allow"
            if verdict is not None:
                if rule.rule.priority >= _SPECIFIC:
                    rejected.append((m.sstart, m.send, rule.rule.priority))
                if verdict not in _DOUBTFUL:
                    continue
            line = lines.line_of(m.sstart)
            end_line = lines.line_of(max(m.sstart, m.send - 1))
            ignored = inline_ignore(lines.line_text_at(m.sstart), lines.previous_line_text(m.sstart), rule.id)
            if not ignored and end_line != line:
                ignored = inline_ignore(lines.line_text_at(max(m.sstart, m.send - 1)), None, rule.id)
            cands.append(
                Candidate(
                    rule=rule,
                    secret=secret,
                    start=m.sstart,
                    end=m.send,
                    line=line,
                    end_line=end_line,
                    entropy=round(shannon_entropy(secret), 3),
                    inline_ignored=ignored,
                    note=verdict,
                )
            )
        if rejected:
            cands = [
                c
                for c in cands
                if not any(s < c.end and c.start < e and c.rule.rule.priority < p for s, e, p in rejected)
            ]
        return _resolve_overlaps(cands)

    def _accept(self, rule: CompiledRule, secret: bytes, match: bytes) -> str | None:
        """None when the candidate is a secret; else why not. ``"checksum"``: the value has the exact
        shape of a provider token but not its checksum — kept, and reported suppressed."""
        r = rule.rule
        if r.entropy is not None and shannon_entropy(secret) < r.entropy:
            return "entropy"
        if r.char_classes and char_classes(secret) < r.char_classes:
            return "classes"
        if r.placeholder_check and is_placeholder(secret, strict=r.category == "generic"):
            return "placeholder"
        if r.category == "generic" and self.stopwords and has_stopword(secret, self.stopwords):
            return "stopword"
        if any(a.search(secret) for a in rule.allow):
            return "allow"
        if any(a.search(match) for a in rule.allow_match):
            return "allow"
        if not validate(r.validator, secret):
            return DOUBTFUL_VALIDATORS.get(r.validator or "", "validator")
        return None

    def _nearby(self, raw: list[RawMatch], data: bytes, lines: _Lines) -> list[RawMatch]:
        out: list[RawMatch] = []
        starts = lines.starts
        for m in raw:
            partners = self._near.get(m.rule.id)
            if not partners:
                continue
            line = lines.line_of(m.sstart)
            for rule in partners:
                lo = starts[max(0, line - 1 - rule.rule.near_lines)]
                hi_line = line + rule.rule.near_lines
                hi = starts[hi_line] if hi_line < len(starts) else len(data)
                got: list[RawMatch] = []
                _confirm(rule, data, [(lo, hi)], got, self.matcher.truncated)
                out.extend(g for g in got if not (g.sstart < m.send and m.sstart < g.send))
        return _dedupe(out)


def _resolve_overlaps(cands: list[Candidate]) -> list[Candidate]:
    """Where secrets overlap, keep the most specific rule (priority, then the longer secret)."""
    if len(cands) < 2:
        return cands
    cands.sort(key=lambda c: (-c.rule.rule.priority, -(c.end - c.start), c.start, c.rule.id))
    starts: list[int] = []
    kept: list[Candidate] = []  # sorted by start, never overlapping
    for c in cands:
        i = bisect.bisect_left(starts, c.start)
        if i > 0 and kept[i - 1].end > c.start:
            continue
        if i < len(kept) and kept[i].start < c.end:
            continue
        starts.insert(i, c.start)
        kept.insert(i, c)
    return kept
