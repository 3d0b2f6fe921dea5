import gzip
import io
import tarfile
import time
import zipfile

from bastion.fs.archives import archive_kind, iter_members
from bastion.fs.limits import Limits


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _tgz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def collect(data, name, **kw):
    errors = []
    got = dict(iter_members(data, name, on_error=lambda p, m: errors.append((p, m)), **kw))
    return got, errors


def test_kind_needs_name_and_magic():
    z = _zip({"a": b"x"})
    assert archive_kind("x.jar", z[:512]) == "zip"
    assert archive_kind("x.txt", z[:512]) is None
    assert archive_kind("x.jar", b"not a zip") is None
    assert archive_kind("x.tar.gz", _tgz({"a": b"1"})[:512]) == "tar"
    assert archive_kind("x.gz", gzip.compress(b"hello")[:512]) == "gzip"


def test_nested_archives_are_expanded_with_paths():
    inner = _zip({"META-INF/app.properties": b"password=x"})
    outer = _zip({"WEB-INF/lib/inner.jar": inner, "index.html": b"<html>"})
    got, errors = collect(outer, "app.war")
    assert got["index.html"] == b"<html>"
    assert got["WEB-INF/lib/inner.jar!META-INF/app.properties"] == b"password=x"
    assert errors == []


def test_depth_is_bounded():
    data = _zip({"x.txt": b"deep"})
    for i in range(6):
        data = _zip({f"l{i}.zip": data})
    got, errors = collect(data, "top.zip", limits=Limits(max_archive_depth=3))
    assert not any(k.endswith("x.txt") for k in got)
    assert any("nested deeper" in m for _p, m in errors)


def test_zip_slip_members_are_refused():
    got, errors = collect(_zip({"../../evil.sh": b"rm -rf", "/abs": b"x", "ok.txt": b"fine"}), "a.zip")
    assert list(got) == ["ok.txt"]
    assert len(errors) == 2


def test_zip_bomb_is_refused_quickly():
    bomb = _zip({"zeros.bin": b"\0" * (200 * 1024 * 1024)})
    assert len(bomb) < 1_000_000
    start = time.monotonic()
    got, errors = collect(bomb, "bomb.jar", limits=Limits(max_scan_size=512 * 1024 * 1024))
    assert got == {}
    assert any("ratio" in m for _p, m in errors)
    assert time.monotonic() - start < 5


def test_oversized_member_is_skipped_with_reason():
    got, errors = collect(
        _tgz({"big.bin": b"a" * 5000, "small": b"b"}), "x.tar.gz", limits=Limits(max_scan_size=1000)
    )
    assert list(got) == ["small"]
    assert "scan limit" in errors[0][1]


def test_corrupt_archive_is_an_error_not_a_crash():
    good = _tgz({"a": b"1" * 10000})
    _got, errors = collect(good[: len(good) // 2], "x.tgz")
    assert errors and "corrupt" in errors[0][1]


def test_total_budget():
    data = _zip({f"f{i}": b"x" * 100 for i in range(50)})
    got, errors = collect(data, "a.zip", limits=Limits(max_files=10))
    assert len(got) == 10
    assert any("limit" in m for _p, m in errors)
