"""The lean tar reader used for image layers, checked against tarfile-written archives."""

from __future__ import annotations

import io
import tarfile

import pytest

from bastion.fs.tar import TarFormatError, TarReader, looks_like_tar, sniff_compression

LONG = "usr/lib/python3.11/site-packages/" + "a-very-long-directory-name/" * 6 + "module_with_a_long_name.py"


def _tar(fmt: int, members: list[tuple[str, bytes | None, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for name, kind, data in members:
            info = tarfile.TarInfo(name)
            info.type = kind or tarfile.REGTYPE
            if info.type == tarfile.REGTYPE:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
            else:
                info.linkname = data.decode()
                tf.addfile(info)
    return buf.getvalue()


def _members(data: bytes) -> list[tuple[str, str, int, str, bytes]]:
    reader = TarReader(io.BytesIO(data))
    out = []
    while (m := reader.next()) is not None:
        content = reader.read_data() if m.kind == "0" else b""
        out.append((m.name, m.kind, m.size, m.linkname, content))
    return out


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_formats(fmt: int) -> None:
    long_ok = fmt != tarfile.USTAR_FORMAT or len(LONG) <= 255
    name = LONG if long_ok else "short.py"
    members = [
        ("etc/", tarfile.DIRTYPE, b""),
        ("etc/hosts", None, b"127.0.0.1 localhost\n"),
        (name, None, b"x" * 1000),
        ("bin/sh", tarfile.SYMTYPE, b"/bin/" + b"b" * 120 if fmt != tarfile.USTAR_FORMAT else b"busybox"),
        ("bin/hl", tarfile.LNKTYPE, b"etc/hosts"),
        ("dev/fifo", tarfile.FIFOTYPE, b""),
        ("naïve-ünïcode.txt", None, b"u"),
    ]
    got = _members(_tar(fmt, members))
    assert [(n, k) for n, k, *_ in got] == [
        ("etc/", "5"), ("etc/hosts", "0"), (name, "0"), ("bin/sh", "2"), ("bin/hl", "1"), ("dev/fifo", "6"), ("naïve-ünïcode.txt", "0"),
    ]  # fmt: skip
    assert got[1][4] == b"127.0.0.1 localhost\n"
    assert got[2][2] == 1000 and got[2][4] == b"x" * 1000
    assert got[3][3] == members[3][2].decode()
    assert got[4][3] == "etc/hosts"


def test_pax_size_and_partial_reads_skip_correctly() -> None:
    data = _tar(tarfile.PAX_FORMAT, [("a", None, b"A" * 700), ("b", None, b"B" * 3), ("c", None, b"")])
    reader = TarReader(io.BytesIO(data))
    a = reader.next()
    assert a is not None and a.size == 700
    assert reader.read_data(10) == b"A" * 10  # the rest of a is skipped by next()
    b = reader.next()
    assert b is not None and b.name == "b"
    out = io.BytesIO()
    assert reader.copy_data(out) == 3 and out.getvalue() == b"BBB"
    c = reader.next()
    assert c is not None and (c.name, c.size) == ("c", 0)
    assert reader.next() is None and reader.next() is None


def test_base256_size_field() -> None:
    header = bytearray(tarfile.TarInfo("big").tobuf(tarfile.GNU_FORMAT))
    header[124:136] = b"\x80" + (5).to_bytes(11, "big")
    header[148:156] = b"        "
    header[148:155] = b"%06o\x00" % (sum(header) & 0o777777)
    data = bytes(header) + b"hello" + bytes(507) + bytes(1024)
    got = _members(data)
    assert got == [("big", "0", 5, "", b"hello")]


def test_corruption_is_detected() -> None:
    data = bytearray(_tar(tarfile.PAX_FORMAT, [("a", None, b"A" * 600), ("b", None, b"B")]))
    with pytest.raises(TarFormatError, match="unexpected end of data"):
        _members(bytes(data[:700]))  # truncated inside a's data
    with pytest.raises(TarFormatError, match="truncated header"):
        _members(bytes(data[: 1536 + 100]))  # truncated inside b's header
    bad = bytearray(data)
    bad[10] ^= 0x20  # a's name, checksum now wrong
    with pytest.raises(TarFormatError, match="bad header checksum"):
        _members(bytes(bad))
    assert _members(bytes(data[:1536])) == [("a", "0", 600, "", b"A" * 600)]  # EOF at a boundary: tolerated
    with pytest.raises(TarFormatError):
        _members(b"this is not a tar archive" * 40)


def test_sniffing() -> None:
    tar = _tar(tarfile.PAX_FORMAT, [("a", None, b"a")])
    assert looks_like_tar(tar[:512]) and not looks_like_tar(b"\x1f\x8b" + bytes(510))
    assert looks_like_tar(bytes(1024))
    assert sniff_compression(b"\x1f\x8b\x08") == "gzip"
    assert sniff_compression(b"\x28\xb5\x2f\xfd") == "zstd"
    assert sniff_compression(b"BZh9") == "bzip2"
    assert sniff_compression(b"\xfd7zXZ\x00") == "xz"
    assert sniff_compression(tar[:512]) == "none"


def test_stream_ending_right_after_the_last_data_is_accepted() -> None:
    """umoci writes layers without the final padding and end-of-archive blocks."""
    data = _tar(tarfile.PAX_FORMAT, [("etc/os-release", None, b"ID=alpine\n")])
    assert _members(data[: 512 + 10]) == [("etc/os-release", "0", 10, "", b"ID=alpine\n")]
    with pytest.raises(TarFormatError, match="unexpected end of data"):
        _members(data[: 512 + 5])  # but data cut short is truncation
