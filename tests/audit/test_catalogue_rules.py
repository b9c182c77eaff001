"""Weak hashes, insecure randomness, LDAP/XPath injection, XXE, trust boundaries, ReDoS, log and header injection.

Each case is (rule, name, vulnerable snippet, fixed-or-benign snippet, severity of the finding on the first): the
rule must fire on the first and stay quiet on the second, so a fix that silences the rule fails as surely as a
missed finding. The snippets are written from the pattern, the way the APIs are documented.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.audit.redos import catastrophic
from apishield.findings import Severity

from .helpers import audit

_FLASK = "from flask import Flask, request, session, make_response\napp = Flask(__name__)\n"

_CASES: list[tuple[str, str, str, str, Severity]] = [
    # --- AS607: md5 / sha1
    (
        "AS607", "md5 signature of a payload vs sha256",
        "import hashlib\ndef sign(payload, key):\n    return hashlib.md5(key + payload).hexdigest()\n",
        "import hashlib\ndef sign(payload, key):\n    return hashlib.sha256(key + payload).hexdigest()\n",
        Severity.MEDIUM,
    ),
    (
        "AS607", "hashlib.new('sha1') integrity checksum vs usedforsecurity=False",
        "import hashlib\ndef checksum(blob):\n    h = hashlib.new('sha1')\n    h.update(blob)\n"
        "    return h.hexdigest()\n",
        "import hashlib\ndef checksum(blob):\n    return hashlib.md5(blob, usedforsecurity=False).hexdigest()\n",
        Severity.MEDIUM,
    ),
    (
        "AS607", "md5 cache key is low; sha512 is not reported",
        "import hashlib\ndef cache_key(url):\n    return hashlib.md5(url.encode()).hexdigest()\n",
        "import hashlib\ndef cache_key(url):\n    return hashlib.sha512(url.encode()).hexdigest()\n",
        Severity.LOW,
    ),
    # --- AS605: random for credentials
    (
        "AS605", "random value stored in the session vs secrets",
        "import random\n" + _FLASK + "@app.post('/remember')\ndef remember():\n"
        "    value = str(random.getrandbits(32))\n    session['remember'] = value\n    return 'ok'\n",
        "import secrets\n" + _FLASK + "@app.post('/remember')\ndef remember():\n"
        "    value = secrets.token_hex(16)\n    session['remember'] = value\n    return 'ok'\n",
        Severity.HIGH,
    ),
    (
        "AS605", "random value sent as a cookie vs SystemRandom",
        "import random\n" + _FLASK + "@app.get('/c')\ndef c():\n    r = make_response('x')\n"
        "    v = str(random.random())[2:]\n    r.set_cookie('sid', v, secure=True, httponly=True, samesite='Lax')\n"
        "    return r\n",
        "import random\n" + _FLASK + "@app.get('/c')\ndef c():\n    r = make_response('x')\n"
        "    v = str(random.SystemRandom().random())[2:]\n"
        "    r.set_cookie('sid', v, secure=True, httponly=True, samesite='Lax')\n    return r\n",
        Severity.HIGH,
    ),
    (
        "AS605", "reset code from randint vs a dice roll for a game",
        "import random\ndef make_reset_code():\n    return random.randint(100000, 999999)\n",
        "import random\ndef roll_dice():\n    return random.randint(1, 6)\n",
        Severity.HIGH,
    ),
    # --- AS808: LDAP
    (
        "AS808", "ldap3 search filter formatted vs escaped",
        "import ldap3\n" + _FLASK + "@app.get('/u')\ndef u():\n    conn = ldap3.Connection('ldap://x')\n"
        "    conn.search('ou=users', f\"(uid={request.args['u']})\")\n    return 'ok'\n",
        "import ldap3\nfrom ldap3.utils.conv import escape_filter_chars\n" + _FLASK + "@app.get('/u')\ndef u():\n"
        "    conn = ldap3.Connection('ldap://x')\n"
        "    conn.search('ou=users', f\"(uid={escape_filter_chars(request.args['u'])})\")\n    return 'ok'\n",
        Severity.HIGH,
    ),
    (
        "AS808", "python-ldap search_s vs a regex search in a module without LDAP",
        "import ldap\n" + _FLASK + "@app.get('/u')\ndef u():\n    c = ldap.initialize('ldap://x')\n"
        "    c.search_s('ou=users', ldap.SCOPE_SUBTREE, '(cn=' + request.args['n'] + ')')\n    return 'ok'\n",
        "import re\n" + _FLASK + "@app.get('/u')\ndef u():\n    pat = re.compile('[a-z]+')\n"
        "    return str(bool(pat.search(request.args['n'], 0)))\n",
        Severity.HIGH,
    ),
    # --- AS809: XPath
    (
        "AS809", "lxml xpath formatted vs XPath variables",
        "from lxml import etree\n" + _FLASK + "@app.get('/e')\ndef e():\n    root = etree.parse('e.xml')\n"
        "    return str(root.xpath(\"//e[@id='\" + request.args['id'] + \"']\"))\n",
        "from lxml import etree\n" + _FLASK + "@app.get('/e')\ndef e():\n    root = etree.parse('e.xml')\n"
        "    return str(root.xpath('//e[@id=$id]', id=request.args['id']))\n",
        Severity.HIGH,
    ),
    (
        "AS809", "quote rejected before the query is built",
        "import elementpath\n" + _FLASK + "@app.get('/e')\ndef e():\n    q = request.args['id']\n"
        "    return str(elementpath.select(None, f\"//e[@id='{q}']\"))\n",
        "import elementpath\n" + _FLASK + "@app.get('/e')\ndef e():\n    q = request.args['id']\n"
        "    if \"'\" in q:\n        return 'bad', 400\n"
        "    return str(elementpath.select(None, f\"//e[@id='{q}']\"))\n",
        Severity.HIGH,
    ),
    (
        "AS809", "quote replaced by an entity",
        "from lxml import etree\n" + _FLASK + "@app.get('/e')\ndef e():\n"
        "    return str(etree.XPath(f\"//e[@id='{request.args['id']}']\"))\n",
        "from lxml import etree\n" + _FLASK + "@app.get('/e')\ndef e():\n"
        "    q = request.args['id'].replace(\"'\", '&apos;')\n    return str(etree.XPath(f\"//e[@id='{q}']\"))\n",
        Severity.HIGH,
    ),
    # --- AS813: XXE
    (
        "AS813", "SAX external entities on, request data parsed vs a literal document",
        "import xml.sax, xml.sax.handler, xml.dom.minidom\n" + _FLASK + "@app.post('/x')\ndef x():\n"
        "    parser = xml.sax.make_parser()\n    parser.setFeature(xml.sax.handler.feature_external_ges, True)\n"
        "    return xml.dom.minidom.parseString(request.get_data(), parser).toxml()\n",
        "import xml.sax, xml.sax.handler, xml.dom.minidom\n" + _FLASK + "@app.post('/x')\ndef x():\n"
        "    parser = xml.sax.make_parser()\n    parser.setFeature(xml.sax.handler.feature_external_ges, True)\n"
        "    return xml.dom.minidom.parseString('<a/>', parser).toxml()\n",
        Severity.HIGH,
    ),
    (
        "AS813", "lxml parser resolving entities vs defusedxml",
        "from lxml import etree\n" + _FLASK + "@app.post('/x')\ndef x():\n"
        "    p = etree.XMLParser(resolve_entities=True)\n"
        "    return etree.tostring(etree.fromstring(request.data, p))\n",
        "from defusedxml.lxml import fromstring\nfrom lxml import etree\n" + _FLASK + "@app.post('/x')\ndef x():\n"
        "    return etree.tostring(fromstring(request.data))\n",
        Severity.HIGH,
    ),
    (
        "AS813", "an entity-resolving lxml parser built once for the module vs a safe module parser",
        "from lxml import etree\n" + _FLASK + "PARSER = etree.XMLParser(resolve_entities=True)\n"
        "@app.post('/x')\ndef x():\n    return etree.tostring(etree.fromstring(request.data, PARSER))\n",
        "from lxml import etree\n" + _FLASK + "PARSER = etree.XMLParser(resolve_entities=False, no_network=True)\n"
        "@app.post('/x')\ndef x():\n    return etree.tostring(etree.fromstring(request.data, parser=PARSER))\n",
        Severity.HIGH,
    ),
    (
        "AS813", "lxml default parser on request data vs an explicit safe parser",
        "from lxml import etree\n" + _FLASK + "@app.post('/x')\ndef x():\n"
        "    return etree.tostring(etree.fromstring(request.data))\n",
        "from lxml import etree\n" + _FLASK + "@app.post('/x')\ndef x():\n"
        "    p = etree.XMLParser(resolve_entities=False, no_network=True)\n"
        "    return etree.tostring(etree.fromstring(request.data, p))\n",
        Severity.MEDIUM,
    ),
    # --- AS810: trust boundary
    (
        "AS810", "request data stored in the session vs a server-decided value",
        _FLASK + "@app.post('/p')\ndef p():\n    session['userid'] = request.form['userid']\n    return 'ok'\n",
        _FLASK + "@app.post('/p')\ndef p():\n    session['visits'] = session.get('visits', 0) + 1\n    return 'ok'\n",
        Severity.LOW,
    ),
    (
        "AS810", "session.update with request JSON vs with constants",
        _FLASK + "@app.post('/p')\ndef p():\n    session.update(request.get_json())\n    return 'ok'\n",
        _FLASK + "@app.post('/p')\ndef p():\n    session.update({'theme': 'dark'})\n    return 'ok'\n",
        Severity.LOW,
    ),
    # --- AS204: catastrophic constant patterns
    (
        "AS204", "nested quantifier vs an unambiguous separator",
        "import re\nEMAIL = re.compile(r'^([a-zA-Z0-9]+\\s?)*@example\\.com$')\n",
        "import re\nVERSION = re.compile(r'^(\\d+\\.)+\\d+$')\n",
        Severity.MEDIUM,
    ),
    # --- AS811: log injection
    (
        "AS811", "request data in a log message vs CR/LF stripped",
        "import logging\nlog = logging.getLogger(__name__)\n" + _FLASK + "@app.get('/l')\ndef l():\n"
        "    log.info('login for %s', request.args['user'])\n    return 'ok'\n",
        "import logging\nlog = logging.getLogger(__name__)\n" + _FLASK + "@app.get('/l')\ndef l():\n"
        "    user = request.args['user'].replace('\\n', '')\n    log.info('login for %s', user)\n    return 'ok'\n",
        Severity.LOW,
    ),
    # --- AS812: header injection
    (
        "AS812", "request data in a response header vs a constant header",
        _FLASK + "@app.get('/d')\ndef d():\n    r = make_response('x')\n"
        "    r.headers['Content-Disposition'] = 'attachment; filename=' + request.args['f']\n    return r\n",
        _FLASK + "@app.get('/d')\ndef d():\n    r = make_response('x')\n"
        "    r.headers['Access-Control-Allow-Origin'] = request.headers.get('Origin', '')\n"
        "    r.headers['Content-Disposition'] = 'attachment; filename=report.csv'\n    return r\n",
        Severity.LOW,
    ),
]


def _findings(root: Path, source: str, rule_id: str) -> list[Severity]:
    result = audit(root, {"app.py": source})
    return [f.severity for f in result.findings if f.rule_id == rule_id]


@pytest.mark.parametrize(("rule_id", "bad", "good", "severity"), [(r, b, g, s) for r, _, b, g, s in _CASES],
                         ids=[f"{r}: {n}" for r, n, _, _, _ in _CASES])
def test_rule_fires_on_the_pattern_and_not_on_its_fix(
    tmp_path: Path, rule_id: str, bad: str, good: str, severity: Severity
) -> None:
    assert _findings(tmp_path / "bad", bad, rule_id) == [severity]
    assert _findings(tmp_path / "good", good, rule_id) == []


def test_session_cookie_httponly_switched_off_is_medium(tmp_path: Path) -> None:
    """Frameworks make the session cookie HttpOnly; switching that off is deliberate and hands it to scripts."""
    found = _findings(tmp_path / "a", _FLASK + "app.config['SESSION_COOKIE_HTTPONLY'] = False\n", "AS504")
    assert found == [Severity.MEDIUM]
    assert _findings(tmp_path / "b", _FLASK + "app.config['SESSION_COOKIE_HTTPONLY'] = True\n", "AS504") == []
    plain = _FLASK + "@app.get('/c')\ndef c():\n    r = make_response('x')\n    r.set_cookie('theme', 'dark')\n"
    plain += "    return r\n"
    assert _findings(tmp_path / "c", plain, "AS504") == [Severity.LOW]


@pytest.mark.parametrize(
    ("pattern", "reported"),
    [
        (r"(a+)+$", True),
        (r"(a*)*b", True),
        (r"(?:\w+\s?)+$", True),
        (r"((ab)*)+c", True),
        (r"^(\w+)*@", True),
        (r"^(\d+\.)+\d+$", False),
        (r"^[a-z]+$", False),
        (r"(a|b)+", False),
        (r"(.*a){3}", False),
        (r"(", False),  # invalid: fails at run time, not a ReDoS
    ],
)
def test_catastrophic_patterns(pattern: str, reported: bool) -> None:
    assert bool(catastrophic(pattern)) is reported


@pytest.mark.parametrize(("name", "reported"), [
    ("reset_code", True),  # must fire: a whole part of the name is a secret's word
    ("apiKey", True),
    ("accesstoken", True),  # must fire: a word no innocent one holds, inside a longer part
    ("pumping_amount", False),  # must stay quiet: 'pin' inside 'pumping' is no PIN
    ("encoded_total", False),  # must stay quiet: 'code' inside 'encoded'
    ("capital", False),  # must stay quiet: 'api' inside 'capital'
])
def test_weak_randomness_is_read_by_whole_parts_of_a_name(tmp_path: Path, name: str, reported: bool) -> None:
    source = f"import random\n\n\ndef make():\n    {name} = random.randint(1000, 9999)\n    return {name}\n"
    result = audit(tmp_path, {"gen.py": source})
    assert any(f.rule_id == "AS605" for f in result.findings) is reported
