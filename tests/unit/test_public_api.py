import bastion


def test_library_round_trip(tmp_path):
    (tmp_path / "requirements.txt").write_text("requests==2.19.0\n")
    target = bastion.open_target("fs", str(tmp_path))
    result = bastion.scan(target, bastion.ScanOptions(scanners=("secret",)))
    assert [p.name for p in result.packages] == ["requests"]
    assert bastion.load_result(bastion.dump_result(result)) == result


def test_unknown_attribute():
    import pytest

    with pytest.raises(AttributeError):
        _ = bastion.nope


def test_scan_is_the_function_even_after_submodule_imports():
    import importlib

    importlib.import_module("bastion.scan")
    import bastion.scan

    assert callable(bastion.scan) and bastion.scan.__name__ == "scan"
    assert callable(bastion.load_sbom)
