"""RequestView: defaults, normalisation and copies."""

from __future__ import annotations

import dataclasses

from apishield.request import CaseInsensitiveHeaders, RequestView


def test_defaults_are_fresh_per_view_and_the_method_is_upper_case() -> None:
    a = RequestView("get", "/x")
    b = RequestView(method="post", path="/y")
    assert (a.method, b.method) == ("GET", "POST")
    assert a.headers.get("anything") is None and a.client_ip == "0.0.0.0" and a.scheme == "http"
    a.state["k"] = 1
    a.cookies["c"] = "v"
    assert b.state == {} and b.cookies == {}


def test_cookies_come_from_the_cookie_header_unless_given() -> None:
    headers = CaseInsensitiveHeaders({"Cookie": "sid=abc; theme=dark"})
    assert RequestView("GET", "/", headers=headers).cookies == {"sid": "abc", "theme": "dark"}
    assert RequestView("GET", "/", headers=headers, cookies={"given": "1"}).cookies == {"given": "1"}
    assert RequestView("GET", "/", headers=CaseInsensitiveHeaders({"cookie": ""})).cookies == {}


def test_a_view_copies_with_dataclasses_replace() -> None:
    state = {"principal": "p"}
    view = RequestView("GET", "/a", client_ip="192.0.2.1", route="/a", state=state, body=b"x")
    copy = dataclasses.replace(view, path="/b")
    assert (copy.path, copy.client_ip, copy.route, copy.body, copy.state) == ("/b", "192.0.2.1", "/a", b"x", state)
    assert view == dataclasses.replace(view)


def test_cookies_are_parsed_when_read_and_survive_a_copy() -> None:
    view = RequestView("GET", "/a", CaseInsensitiveHeaders({"cookie": "a=1; b=2"}))
    assert dataclasses.replace(view).cookies == {"a": "1", "b": "2"}
    given = RequestView("GET", "/a", CaseInsensitiveHeaders({"cookie": "a=1"}), cookies={"z": "9"})
    assert dataclasses.replace(given, path="/b").cookies == {"z": "9"}
    view.cookies = {"c": "3"}
    assert view.cookies == {"c": "3"} and dataclasses.replace(view).cookies == {"c": "3"}
