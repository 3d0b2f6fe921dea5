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


def test_installed_packages_resolve_dependencies_across_files(tmp_path):
    from bastion.inventory.javascript.node_modules import NodeModulesExtractor
    from bastion.inventory.python.dist_info import DistInfoExtractor

    site = "venv/lib/python3.11/site-packages"
    files = {
        f"{site}/Flask-2.0.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: Flask\nVersion: 2.0.0\n"
        "Requires-Dist: Jinja2 (>=3.0)\nRequires-Dist: itsdangerous>=2.0\nRequires-Dist: asgiref ; extra == 'async'\n",
        f"{site}/jinja2-3.1.2.dist-info/METADATA": "Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.2\n",
        f"{site}/its_dangerous-2.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: its_dangerous\nVersion: 2.1\n",
        "other-site/itsdangerous-9.dist-info/METADATA": "Metadata-Version: 2.1\nName: itsdangerous\nVersion: 9\n",
        "app/node_modules/a/package.json": '{"name": "a", "version": "1.0.0", "dependencies": {"b": "^1", "c": "*", "@s/c": "3"}}',
        "app/node_modules/a/node_modules/b/package.json": '{"name": "b", "version": "1.5.0"}',
        "app/node_modules/b/package.json": '{"name": "b", "version": "2.0.0"}',
        "app/node_modules/@s/c/package.json": '{"name": "@s/c", "version": "3.0.0"}',
        "node_modules/c/package.json": '{"name": "c", "version": "0.1.0"}',
    }
    tree = make_tree(tmp_path, files)
    run = run_extractors(tree, [DistInfoExtractor(), NodeModulesExtractor()])
    by = {(p.name, p.version): p for p in run.inventory.packages}
    flask = by[("Flask", "2.0.0")]
    # Jinja2 resolves in the same site; "itsdangerous" does not match "its_dangerous" (different names
    # under PEP 503) and never resolves into another site directory.
    assert set(flask.dependencies) == {by[("Jinja2", "3.1.2")].id}
    a = by[("a", "1.0.0")]
    # b: the nested copy wins over the hoisted one (Node's nearest-first rule); c: up to the root;
    # @s/c: a scoped package beside a
    assert set(a.dependencies) == {by[("b", "1.5.0")].id, by[("c", "0.1.0")].id, by[("@s/c", "3.0.0")].id}
