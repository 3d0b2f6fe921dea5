"""Noise control: placeholders and examples, stop-words, inline ignores, binary and minified files."""

from __future__ import annotations

import pytest

from bastion.detectors.secrets.noise import (
    char_classes,
    has_stopword,
    inline_ignore,
    is_binary,
    is_minified,
    is_placeholder,
    shannon_entropy,
    skip_by_name,
)


@pytest.mark.parametrize(
    "value",
    [
        b"AKIAIOSFODNN7EXAMPLE",
        b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        b"${DB_PASSWORD}",
        b"{{ .Values.secret }}",
        b"<your-token>",
        b"xxxxxxxxxxxxxxxx",
        b"********",
        b"changeme",
        b"your_api_key_here",
        b"%(password)s",
        b"$DATABASE_PASSWORD",
        b"!vault",
        b"placeholder-value",
        b"sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    ],
)
def test_placeholders(value: bytes) -> None:
    assert is_placeholder(value, strict=True)


@pytest.mark.parametrize("value", [b"Xk9#pl2Qz!mW", b"q8Zk2LmN4pR7tV1xY3bC6dF9gH0jK5", b"SuperSecret123!"])
def test_real_looking_values_are_not_placeholders(value: bytes) -> None:
    assert not is_placeholder(value, strict=True)


def test_strict_mode_drops_low_variety_values() -> None:
    assert is_placeholder(b"aaaaaaaaaaab", strict=True)
    assert not is_placeholder(b"aaaaaaaaaaab", strict=False)
    assert is_placeholder(b'os.environ["X"]', strict=True)


def test_stopwords_are_case_insensitive() -> None:
    assert has_stopword(b"MyDummyValue1", [b"dummy"])
    assert not has_stopword(b"Zk2LmN4pR7", [b"dummy"])


@pytest.mark.parametrize(
    ("line", "previous", "rule", "ignored"),
    [
        (b'TOKEN = "x"  # bastion:ignore', None, "github-pat", True),
        (b'TOKEN = "x"  # bastion:ignore=github-pat,jwt', None, "github-pat", True),
        (b'TOKEN = "x"  # bastion:ignore=jwt', None, "github-pat", False),
        (b'TOKEN = "x"  // gitleaks:allow', None, "github-pat", True),
        (b'TOKEN = "x"  # pragma: allowlist secret', None, "any", True),
        (b'TOKEN = "x"', b"# bastion:ignore-next-line", "github-pat", True),
        (b'TOKEN = "x"', b"# nothing to see", "github-pat", False),
    ],
)
def test_inline_ignore(line: bytes, previous: bytes | None, rule: str, ignored: bool) -> None:
    assert inline_ignore(line, previous, rule) is ignored


def test_binary_detection() -> None:
    assert is_binary(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100)
    assert not is_binary(b"plain text\nwith lines\n")
    assert not is_binary("ünïcödé text".encode())
    assert not is_binary("\ufeffutf-16 text".encode("utf-16"))
    assert is_binary(bytes(range(1, 9)) * 200)


def test_minified_only_for_bundles() -> None:
    bundle = b"var a=1;" * 5000
    assert is_minified("static/app.js", bundle)
    assert not is_minified("config/settings.json", bundle)  # a one-line JSON may hold a service-account key
    assert not is_minified("static/app.js", b"var a = 1;\n" * 2000)


@pytest.mark.parametrize(
    ("path", "skip"),
    [
        ("img/logo.png", True),
        ("app/package-lock.json", True),
        ("static/vendor.min.js", True),
        ("lib.jar!META-INF/x.class", True),
        ("src/app.py", False),
        (".env", False),
        ("certs/server.p12", False),
    ],
)
def test_skip_by_name(path: str, skip: bool) -> None:
    assert skip_by_name(path) is skip


def test_entropy_and_classes() -> None:
    assert shannon_entropy(b"") == 0.0
    assert shannon_entropy(b"aaaa") == 0.0
    assert round(shannon_entropy(b"abcd"), 3) == 2.0
    assert char_classes(b"abc") == 1 and char_classes(b"ab1") == 2 and char_classes(b"a1!") == 3
