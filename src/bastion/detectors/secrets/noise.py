"""Noise control: what looks like a secret but is not one, and files not worth reading.

- **Placeholders and documented examples** are dropped: ``AKIAIOSFODNN7EXAMPLE``, ``changeme``,
  ``${DB_PASSWORD}``, ``<your-token>``, ``xxxxxxxx``, ``{{ .Values.password }}``, ``%(password)s``.
- **Stop-words** (generic rules only): a generic password or token containing one of them
  (``example``, ``dummy``, ``test`` …) is dropped; the list is configurable.
- **Inline comments** ``bastion:ignore`` (also ``gitleaks:allow`` and detect-secrets'
  ``pragma: allowlist secret``) on the line, or ``bastion:ignore-next-line`` on the line before, mark a
  finding suppressed (it stays in the result, ``suppressed.by == "inline"``).
- **Binary and minified files** are not scanned for text secrets.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

__all__ = [
    "DEFAULT_STOPWORDS",
    "DEFAULT_TEST_PATHS",
    "DOC_PASSWORDS",
    "KNOWN_EXAMPLES",
    "char_classes",
    "inline_ignore",
    "is_binary",
    "is_minified",
    "is_placeholder",
    "shannon_entropy",
    "skip_by_name",
]

#: Passwords that documentation uses in sample credentials (``user:pass@host``, Oracle's and
#: SQLAlchemy's ``scott:tiger``, the postgres image's ``mysecretpassword``). Compared whole and
#: case-insensitively: ``tiger`` is a placeholder, ``tiger-7Hq2`` is not.
DOC_PASSWORDS: frozenset[bytes] = frozenset(
    {
        b"pass",
        b"passwd",
        b"password",
        b"pwd",
        b"pw",
        b"secret",
        b"tiger",
        b"mypassword",
        b"mysecret",
        b"mysecretpassword",
        b"yourpassword",
        b"your_password",
        b"dbpass",
        b"dbpassword",
        b"s3cr3t",
        b"pa55word",
        b"passw0rd",
        b"p@ssw0rd",
        b"p@ssword",
        b"letmein",
        b"test",
        b"testing",
        b"admin",
    }
)

#: Values published in vendor documentation as examples; never real credentials.
KNOWN_EXAMPLES: frozenset[bytes] = frozenset(
    {
        b"AKIAIOSFODNN7EXAMPLE",
        b"AKIAI44QH8DHBEXAMPLE",
        b"ASIAIOSFODNN7EXAMPLE",
        b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        b"je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        b"sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        b"sk_test_BQokikJOvBiI2HlWgH4olfQ2",
        b"pk_test_TYooMQauvdEDq54NiTphI7jx",
        b"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",
        b"xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",
        b"ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        b"gho_16C7e42F292c6912E7710c838347Ae178B4a",
        b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    }
)

#: Case-insensitive words that make a *generic* password/secret a placeholder or test value.
DEFAULT_STOPWORDS: tuple[str, ...] = (
    "example",
    "sample",
    "dummy",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "your",
    "redacted",
    "notreal",
    "not_real",
    "not-real",
    "fake",
    "foobar",
    "lorem",
    "insert",
    "replace",
    "todo",
    "fixme",
    "xxxx",
    "****",
    "....",
    "mock",
    "masked",
    "censored",
)

#: Test-fixture paths (globs): findings there are reported as suppressed, not dropped.
DEFAULT_TEST_PATHS: tuple[str, ...] = (
    "**/testdata/**",
    "**/test-data/**",
    "**/test_data/**",
    "**/fixtures/**",
    "**/__fixtures__/**",
    "**/__mocks__/**",
    # Examples shipped with documentation and SDKs (botocore's data/*/examples-1.json, examples/ trees)
    "**/examples/**",
    "**/examples-*.json",
    # Documentation inside installed third-party packages (README/CHANGELOG samples)
    "**/node_modules/**/*.md",
    "**/site-packages/**/*.md",
    "**/site-packages/**/*.rst",
)

_PLACEHOLDER_RE = re.compile(
    rb"""(?ix)
      \$\{ | \$\( | \{\{ | \}\} | \{% | <% | %\( | \#\{ | @\{ | \[\[ | \]\] | <[a-z_ -]{2,40}>
    | ^\$[a-z_][a-z0-9_]*$ | ^%[a-z_][a-z0-9_]*%$ | ^@[a-z_][a-z0-9_]*@$ | ^\{[a-z0-9_]*\}$
    | ^!(?:vault|secret|ref|sub|getatt|env)\b
    | x{5,} | \*{3,} | \.{4,} | _{5,} | \#{4,}
    | example | placeholder | changeme | change[_-]me | changeit | your[_-]?(?:[a-z]+[_-]?)?(?:key|token|secret|password|pass|id|here)
    | (?:key|token|secret|password|pass)[_-]?here | redacted | dummy | notreal | not[_-]a[_-]real | insert[_-]?(?:your|key|token)
    | replace[_-]?(?:me|with|this) | lorem | foobar | abcdefghij | 0123456789 | 1234567890 | qwerty
    | ^(?:true|false|null|none|nil|undefined|empty|secret|password|passwd|token|string|value|required|optional)$
    """
)
_REPEAT_RE = re.compile(rb"(.)\1{7,}")
#: Generic values that are not secrets: identifiers without digits (``PUBLIC_KEY_AND_PASSWORD``,
#: ``sas-token-for-azure``), ARNs, URLs and paths, elided examples (``MIIG...``).
_NOT_A_VALUE_RE = re.compile(
    rb"""(?x)
      ^_*[A-Za-z]+(?:[_.-][A-Za-z]+)*_*[.]?$
    | ^(?:arn|https?|s3|gs|file|ftp|sftp|ssh|git|urn):
    | ^(?:/|\./|~/|\.\./)
    | ::
    | \.\.\. | \xe2\x80\xa6
    | ^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}|$)
    | \{[A-Za-z_][A-Za-z0-9_.]*\}
    | (?i:abcd|1234|a1b2|qwer|asdf)
    """
)
_ENV_CALL_RE = re.compile(
    rb"(?i)(?:os\.environ|os\.getenv|getenv\(|process\.env|env\(|System\.getenv|ENV\[|\$env:|secrets\.|vars\.)"
)


def shannon_entropy(data: bytes) -> float:
    if not data:
        return 0.0
    n = len(data)
    return -sum((c / n) * math.log2(c / n) for c in Counter(data).values())


def char_classes(data: bytes) -> int:
    """How many of letters, digits and other characters occur."""
    letters = digits = other = False
    for c in data:
        if 65 <= c <= 90 or 97 <= c <= 122:
            letters = True
        elif 48 <= c <= 57:
            digits = True
        else:
            other = True
    return letters + digits + other


def is_placeholder(secret: bytes, *, strict: bool = False) -> bool:
    """True for documented examples and template/placeholder values.

    ``strict`` (generic rules) also drops low-variety values (``aaaaaaaa1``) and references to
    environment variables or function calls.
    """
    if secret in KNOWN_EXAMPLES or secret.lower() in DOC_PASSWORDS:
        return True
    if _PLACEHOLDER_RE.search(secret):
        return True
    if strict:
        if _REPEAT_RE.search(secret) or _NOT_A_VALUE_RE.search(secret):
            return True
        if len(set(secret)) < max(4, len(secret) // 4):
            return True
        if _ENV_CALL_RE.search(secret):
            return True
    return False


def has_stopword(secret: bytes, stopwords: Iterable[bytes]) -> bool:
    low = secret.lower()
    return any(w in low for w in stopwords)


# -- inline ignores ----------------------------------------------------------------------------------

_IGNORE_RE = re.compile(
    rb"bastion:ignore(?!-next-line)(?:[=:]([a-z0-9._,-]+))?|gitleaks:allow|pragma:\s?allowlist[ -]secret"
)
_IGNORE_NEXT_RE = re.compile(rb"bastion:ignore-next-line(?:[=:]([a-z0-9._,-]+))?")


def _applies(m: re.Match[bytes], rule_id: str) -> bool:
    ids = m.group(1) if m.re.groups else None
    return not ids or rule_id.encode() in ids.split(b",")


def inline_ignore(line: bytes, previous: bytes | None, rule_id: str) -> bool:
    """Whether an inline comment suppresses ``rule_id`` on this line."""
    m = _IGNORE_RE.search(line)
    if m is not None and _applies(m, rule_id):
        return True
    if previous is not None:
        n = _IGNORE_NEXT_RE.search(previous)
        if n is not None and _applies(n, rule_id):
            return True
    return False


# -- files not worth reading ----------------------------------------------------------------------

#: Extensions of files whose content is binary or media; never scanned for text secrets.
BINARY_EXTENSIONS: frozenset[str] = frozenset(
    [
        "png",
        "jpg",
        "jpeg",
        "gif",
        "bmp",
        "ico",
        "icns",
        "tif",
        "tiff",
        "webp",
        "svgz",
        "psd",
        "heic",
        "avif",
        "woff",
        "woff2",
        "ttf",
        "otf",
        "eot",
        "mp3",
        "mp4",
        "m4a",
        "m4v",
        "wav",
        "ogg",
        "oga",
        "flac",
        "avi",
        "mov",
        "mkv",
        "webm",
        "wmv",
        "mpg",
        "mpeg",
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "odt",
        "ods",
        "odp",
        "pyc",
        "pyo",
        "pyd",
        "so",
        "dll",
        "dylib",
        "exe",
        "o",
        "a",
        "lib",
        "obj",
        "class",
        "dex",
        "wasm",
        "zip",
        "jar",
        "war",
        "ear",
        "whl",
        "egg",
        "nupkg",
        "apk",
        "aar",
        "gz",
        "tgz",
        "bz2",
        "xz",
        "zst",
        "7z",
        "rar",
        "lz4",
        "lzma",
        "tar",
        "deb",
        "rpm",
        "msi",
        "dmg",
        "iso",
        "img",
        "sqlite",
        "sqlite3",
        "db",
        "mdb",
        "parquet",
        "avro",
        "orc",
        "feather",
        "npy",
        "npz",
        "pkl",
        "pickle",
        "h5",
        "hdf5",
        "pt",
        "pth",
        "onnx",
        "tflite",
        "safetensors",
        "bin",
        "dat",
        "pak",
        "mo",
        "gmo",
    ]
)
#: Names that are lockfiles, checksum lists or other machine-generated noise (never secrets).
SKIP_NAMES: frozenset[str] = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lock",
        "poetry.lock",
        "pipfile.lock",
        "uv.lock",
        "pdm.lock",
        "cargo.lock",
        "go.sum",
        "composer.lock",
        "gemfile.lock",
        "packages.lock.json",
        "gradle.lockfile",
        "record",
        ".bastion-secrets-baseline.json",
        ".secrets.baseline",
    }
)


def skip_by_name(path: str) -> bool:
    """Path-only decision (no I/O): binary/media extensions, lockfiles, minified bundles, source maps."""
    name = path.rpartition("/")[2].rpartition("!")[2].lower()
    if name in SKIP_NAMES:
        return True
    ext = name.rpartition(".")[2] if "." in name else ""
    if ext in BINARY_EXTENSIONS:
        return True
    return name.endswith((".min.js", ".min.css", ".js.map", ".css.map", ".min.mjs", ".bundle.js.map"))


_CONTROL = bytes(c for c in range(32) if c < 9 or c > 13)


def is_binary(head: bytes) -> bool:
    """NUL bytes, or mostly non-text bytes, in the first 8 KiB."""
    sample = head[:8192]
    if not sample:
        return False
    if b"\x00" in sample:
        # UTF-16 text has NULs too; treat BOM-marked UTF-16 as text.
        return not sample.startswith((b"\xff\xfe", b"\xfe\xff"))
    control = len(sample) - len(sample.translate(None, _CONTROL))
    return control > len(sample) // 10


def is_minified(path: str, data: bytes) -> bool:
    """JavaScript/CSS bundles with very long lines (minified); JSON and config files never count."""
    name = path.rpartition("/")[2].lower()
    if not name.endswith((".js", ".mjs", ".cjs", ".css")) or len(data) < 8192:
        return False
    sample = data[:65536]
    newlines = sample.count(b"\n")
    return newlines == 0 or len(sample) / (newlines + 1) > 1000
