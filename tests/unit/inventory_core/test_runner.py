from bastion.inventory.runner import run_extractors, want_fn
from bastion.model import FileRef, PluginState
from bastion.targets.directory import DirectoryTree
from tests._support.fakes import CrashingExtractor, LinesExtractor


def make_tree(tmp_path, files):
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return DirectoryTree(tmp_path)


def test_packages_ids_and_dependencies(tmp_path):
    tree = make_tree(
        tmp_path,
        {"a/pkgs.txt": "flask==2.0 -> jinja2\njinja2==3.0\nflask==2.0\n", "b/pkgs.txt": "jinja2==3.0\n"},
    )
    run = run_extractors(tree, [LinesExtractor()])
    pkgs = run.inventory.packages
    assert [(p.name, p.path) for p in pkgs] == [
        ("flask", "a/pkgs.txt"),
        ("jinja2", "a/pkgs.txt"),
        ("jinja2", "b/pkgs.txt"),
    ]
    flask, jinja_a, _jinja_b = pkgs
    assert len({p.id for p in pkgs}) == 3  # same name/version, different files: distinct
    assert flask.dependencies == (jinja_a.id,)  # resolved within the same file only
    assert run.statuses[0].state is PluginState.SUCCEEDED and run.statuses[0].items == 4


def test_bad_input_becomes_unknown_and_partial_status(tmp_path):
    tree = make_tree(
        tmp_path,
        {"ok/pkgs.txt": "a==1\n", "bad/pkgs.txt": "BAD\n", "w/pkgs.txt": "WARN\nb==2\n", "x.crash": ""},
    )
    run = run_extractors(tree, [LinesExtractor(), CrashingExtractor()])
    reasons = {(u.path, u.plugin): u.reason for u in run.inventory.unknowns}
    assert reasons[("bad/pkgs.txt", "fake/lines")] == "expected name==version, got 'BAD'"
    assert reasons[("w/pkgs.txt", "fake/lines")] == "a warning"
    assert "KeyError" in reasons[("x.crash", "fake/crash")]
    states = {s.name: s.state for s in run.statuses}
    assert states == {"fake/lines": PluginState.PARTIAL, "fake/crash": PluginState.FAILED}
    assert {p.name for p in run.inventory.packages} == {"a", "b"}


def test_want_fn_dispatch():
    want = want_fn([LinesExtractor()])
    assert want(FileRef("x/pkgs.txt"))
    assert not want(FileRef("x/other.txt"))
