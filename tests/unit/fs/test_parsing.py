import time

import pytest

from bastion.fs.limits import Limits
from bastion.fs.parsing import ParseError, load_json, load_toml, load_yaml, load_yaml_all, parse_xml


def test_json_ok_and_errors_name_the_file():
    assert load_json(b'{"a": [1, 2]}', "x.json") == {"a": [1, 2]}
    with pytest.raises(ParseError, match=r"^pkg/package-lock.json: invalid JSON"):
        load_json(b"{nope", "pkg/package-lock.json")


def test_json_deep_nesting_is_refused_quickly():
    data = b"[" * 100_000 + b"]" * 100_000
    start = time.monotonic()
    with pytest.raises(ParseError, match="nest"):
        load_json(data, "deep.json")
    assert time.monotonic() - start < 5


def test_json_nesting_limit_is_configurable():
    doc = b"[[[[[1]]]]]"
    assert load_json(doc, "ok.json", Limits(max_nesting=10))
    with pytest.raises(ParseError, match="deeper than 3"):
        load_json(doc, "x.json", Limits(max_nesting=3))


def test_size_limit():
    with pytest.raises(ParseError, match="parse limit"):
        load_json(b"[" + b"1," * 100 + b"1]", "big.json", Limits(max_parse_bytes=50))


BILLION_LAUGHS = b"""
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_yaml_alias_bomb_is_bounded():
    start = time.monotonic()
    with pytest.raises(ParseError, match="alias"):
        load_yaml(BILLION_LAUGHS, "bomb.yaml")
    assert time.monotonic() - start < 2


def test_yaml_ordinary_anchors_still_work():
    doc = load_yaml(b"base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n", "compose.yaml")
    assert doc["derived"] == {"x": 1, "y": 2}


def test_yaml_multi_document_and_line_numbers():
    assert load_yaml_all(b"a: 1\n---\nb: 2\n", "k.yaml") == [{"a": 1}, {"b": 2}]
    with pytest.raises(ParseError, match=r"^k8s/x.yaml:2: invalid YAML"):
        load_yaml_all(b"a: 1\n\tb: 2\n", "k8s/x.yaml")


def test_yaml_refuses_python_tags():
    with pytest.raises(ParseError):
        load_yaml(b"!!python/object/apply:os.system ['true']", "evil.yaml")


def test_toml():
    assert load_toml(b'[tool]\nname = "x"\n', "pyproject.toml") == {"tool": {"name": "x"}}
    with pytest.raises(ParseError, match=r"^poetry\.lock: invalid TOML"):
        load_toml(b"[[package]\n", "poetry.lock")


def test_xml_entities_refused():
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><x>&b;</x>'
    with pytest.raises(ParseError, match=r"^pom\.xml: refused XML"):
        parse_xml(evil, "pom.xml")
    assert parse_xml(b"<project><version>1</version></project>", "pom.xml").find("version").text == "1"
