"""The probe zoo's scoring: findings map to listed weaknesses by endpoint and weakness class, the rest to the
hand judgements; the table counts found/reachable and wrong findings per tool, and says "not run" honestly."""

from __future__ import annotations

from typing import Any


def _target(zoo: Any) -> Any:
    weaknesses = [zoo.Weakness("t-1", "GET /users/{id}", "sqli", True),
                  zoo.Weakness("t-2", "POST /login", "user_enum", True),
                  zoo.Weakness("t-3", "*", "jwt_weak_secret", True),
                  zoo.Weakness("t-4", "PUT /money", "business_logic", False)]
    judged = [zoo.Judged("server_error", "*", "true", "unhandled 500"),
              zoo.Judged("xss", "POST /login", "wrong", "JSON echo")]
    return zoo.Target("t", "development", {}, weaknesses, judged)


def test_findings_map_by_endpoint_and_class(zoo: Any) -> None:
    t = _target(zoo)
    F = zoo.ToolFinding
    s = zoo.score_findings([
        F("x", "sqli", "GET", "/users/{user_id}/"),  # another parameter name and a trailing slash: same endpoint
        F("x", "sqli", "GET", "/orders/{id}"),  # right class, wrong endpoint: unlisted, not judged
        F("x", "jwt_weak_secret", "GET", "/anything"),  # a token-wide kind: any endpoint proves it
        F("x", "server_error", "POST", "/login"),
        F("x", "xss", "POST", "/login"),
    ], t.weaknesses, t.judged)
    assert s.found == ["t-1", "t-3"]
    assert s.true_unlisted == ["server_error POST /login"]
    assert s.wrong == ["xss POST /login"]
    assert s.unjudged == ["sqli GET /orders/{id}"]


def test_a_judgement_naming_a_tool_judges_that_tools_finding_first(zoo: Any) -> None:
    t = _target(zoo)
    judged = [*t.judged, zoo.Judged("xss", "POST /login", "true", "its answer shows the markup", "y")]
    F = zoo.ToolFinding
    s_x = zoo.score_findings([F("x", "xss", "POST", "/login")], t.weaknesses, judged)
    s_y = zoo.score_findings([F("y", "xss", "POST", "/login")], t.weaknesses, judged)
    assert (s_x.wrong, s_x.true_unlisted) == (["xss POST /login"], [])
    assert (s_y.wrong, s_y.true_unlisted) == ([], ["xss POST /login"])


def test_table_counts_reachable_only_and_says_not_run(zoo: Any) -> None:
    t = _target(zoo)
    results = [zoo.RunResult("t", "apishield", "ok", [zoo.ToolFinding("apishield", "user_enum", "POST", "/login")],
                             120, 3.0),
               zoo.RunResult("t", "schemathesis", "not run: target exited with 1 before answering")]
    text = zoo.table([t], results, ("apishield", "schemathesis", "offat"))
    row = next(line for line in text.splitlines() if line.startswith("| t |"))
    assert "| 4 (3) |" in row  # listed (reachable)
    assert "1/3, 0 wrong, 120 req, 3s" in row
    assert "not run: target exited with 1 before answering" in row
    total = text.splitlines()[-1]
    assert "**1/3** = 0.33, 0 wrong" in total and total.endswith("| not run |")


def test_concrete_paths_go_back_to_their_template(zoo: Any) -> None:
    templates = ["/user", "/user/{user}", "/uptime/{flag}"]
    assert zoo.to_template("/user/' AND SLEEP(5) --", templates) == "/user/{user}"
    assert zoo.to_template("/user", templates) == "/user"
    assert zoo.to_template("/elsewhere/1", templates) == "/elsewhere/1"


def test_every_ground_truth_file_loads(zoo: Any) -> None:
    targets = [zoo.load_target(p) for p in sorted(zoo.GROUND_TRUTH.glob("*.toml"))]
    assert len(targets) >= 5
    assert all(t.split in ("development", "test") for t in targets)  # a fresh half is added when one is measured
    for t in targets:
        assert t.reachable, t.name
        assert len({w.id for w in t.weaknesses}) == len(t.weaknesses), t.name


SCHEMATHESIS_OUTPUT = """
________________________________ POST /api/items ________________________________
1. Test Case ID: a1

- Server error

    curl -X POST http://127.0.0.1:1/api/items

________________________________ Stateful tests ________________________________
1. Test Case ID: b2

- Server error

- Undocumented status code

    curl -X PUT -H 'Authorization: [Filtered]' 'http://127.0.0.1:1/api/users/7?x=1'

=================================== WARNINGS ===================================
"""


def test_schemathesis_stateful_failures_belong_to_the_operation_that_reproduces_them(zoo: Any) -> None:
    findings, contract = zoo.parse_schemathesis(SCHEMATHESIS_OUTPUT, ["/api/items", "/api/users/{id}"])
    assert [(f.cls, f.method, f.path) for f in findings] == [
        ("server_error", "POST", "/api/items"), ("server_error", "PUT", "/api/users/{id}")]
    assert contract == 1


def test_a_stored_weakness_matches_at_the_request_that_stored_it(zoo: Any) -> None:
    """Stored XSS reported at the page that shows it names the request that stored it: a label at either matches;
    a finding that names no writer matches only where it was reported."""
    weaknesses = [zoo.Weakness("c-1", "POST /comments", "xss", True)]
    F = zoo.ToolFinding
    shown = zoo.score_findings([F("x", "xss", "GET", "/comments", "", "POST /comments")], weaknesses, [])
    elsewhere = zoo.score_findings([F("x", "xss", "GET", "/comments")], weaknesses, [])
    assert shown.found == ["c-1"] and elsewhere.found == []
