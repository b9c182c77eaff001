"""Injection into LDAP filters, XPath queries, XML parsers, the session, logs and response headers.

The taint analysis (:mod:`apishield.audit.taint`) finds the flows; each rule here names one sink kind. XML
external entities are also found without a flow: a parser configured to resolve them is the bug.
"""

from __future__ import annotations

from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules.injection import taint_findings
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Confidence, Finding, Rule, Severity

INJ = "API8:2019"

LDAP = Rule(
    id="AS808", title="LDAP filter built from request data", cwe=(90,), owasp=INJ, severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    description="Request data is formatted into an LDAP search filter: `*)(uid=*` widens or rewrites the query.",
    fix="Escape every value: `ldap3.utils.conv.escape_filter_chars(x)` (python-ldap: "
    "`ldap.filter.filter_format('(uid=%s)', [x])`), or check it against a strict pattern first.",
)
XPATH = Rule(
    id="AS809", title="XPath query built from request data", cwe=(643,), owasp=INJ, severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    description="Request data is formatted into an XPath expression: `' or '1'='1` selects every node.",
    fix="Pass values as XPath variables: `tree.xpath('//user[@id=$uid]', uid=x)` (lxml), or reject quotes and "
    "check the value against a strict pattern.",
)
TRUST = Rule(
    id="AS810", title="Request data stored in the session (trust boundary)", cwe=(501,), owasp="API8:2023",
    severity=Severity.LOW, confidence=Confidence.MEDIUM,
    description="Unvalidated request data is stored in the server-side session, which later code trusts as the "
    "server's own state (user id, role, flags).",
    fix="Store only values the server decided (the authenticated user's id after login); validate request data "
    "with a schema before keeping it, and keep it apart from identity and authorisation state.",
)
LOG = Rule(
    id="AS811", title="Request data written to the log unescaped", cwe=(117,), owasp="API8:2023",
    severity=Severity.LOW, confidence=Confidence.MEDIUM,
    description="A newline in request data forges log lines (fake entries, hidden attacks).",
    fix="Log request values as `%r` or strip CR/LF (`x.replace('\\r', '').replace('\\n', '')`); use structured "
    "(JSON) logging, which escapes them.",
)
HEADER = Rule(
    id="AS812", title="Response header built from request data", cwe=(113, 93), owasp="API8:2023",
    severity=Severity.LOW, confidence=Confidence.MEDIUM,
    description="Request data in a response header: with CR/LF it splits the response where the server does not "
    "reject them; without, it still controls the header's value.",
    fix="Allow-list the value (known content types, file names via `secure_filename`), or strip CR/LF first.",
)
XXE = Rule(
    id="AS813", title="XML parser resolves external entities", cwe=(611, 776), owasp="API8:2023",
    severity=Severity.HIGH, confidence=Confidence.HIGH,
    description="An XML parser that resolves external entities reads local files and internal URLs for whoever "
    "sends the XML (XXE); entity expansion also blows up memory.",
    fix="Parse untrusted XML with `defusedxml` (`defusedxml.ElementTree.fromstring`, `defusedxml.lxml`); with lxml "
    "use `etree.XMLParser(resolve_entities=False, no_network=True)`; never enable SAX `feature_external_ges`.",
)


@rule(LDAP)
def check_ldap(ctx: ModuleContext) -> Iterator[Finding]:
    """AS808 — LDAP injection (CWE-90): request data in the filter of ldap3 ``conn.search(base, filter)`` (in a
    module importing ldap3/ldap) or python-ldap ``search_s``/``search_ext_s``; ``escape_filter_chars`` and a
    rejection of ``(``, ``)`` or ``*`` sanitise."""
    return taint_findings(ctx, "ldap", LDAP)


@rule(XPATH)
def check_xpath(ctx: ModuleContext) -> Iterator[Finding]:
    """AS809 — XPath injection (CWE-643): request data in lxml ``tree.xpath(q)``/``etree.XPath(q)``,
    ``elementpath.select(root, q)`` or ElementTree ``findall``/``iterfind``; XPath variables and a rejection of
    quotes sanitise."""
    return taint_findings(ctx, "xpath", XPATH)


@rule(TRUST)
def check_trust_boundary(ctx: ModuleContext) -> Iterator[Finding]:
    """AS810 — trust boundary violation (CWE-501): request data stored in ``session[...]`` (Flask, CherryPy,
    ``request.session``) or merged with ``session.update(...)``, as key or value."""
    return taint_findings(ctx, "trust", TRUST)


@rule(LOG)
def check_log_injection(ctx: ModuleContext) -> Iterator[Finding]:
    """AS811 — log injection (CWE-117): request data passed to ``logging``/a logger's ``info``/``warning``/…
    (message or arguments). Replacing CR/LF sanitises."""
    return taint_findings(ctx, "log", LOG)


@rule(HEADER)
def check_header_injection(ctx: ModuleContext) -> Iterator[Finding]:
    """AS812 — header injection (CWE-113): request data in ``response.headers[name] = value`` or Bottle
    ``response.set_header``/``add_header``. Replacing CR/LF sanitises."""
    return taint_findings(ctx, "header", HEADER)


@rule(XXE)
def check_xxe(ctx: ModuleContext) -> Iterator[Finding]:
    """AS813 — XML external entities (CWE-611, CWE-776): data parsed by a parser configured to resolve them —
    SAX ``parser.setFeature(feature_external_ges, True)`` (also ``…_pes``) then ``minidom.parseString(data,
    parser)``/``parser.parse(data)``, or lxml ``XMLParser(resolve_entities=True | no_network=False |
    load_dtd=True)`` — high for request data, low for data of unknown origin; and request data parsed by
    ``lxml.etree.fromstring``/``XML``/``parse`` with lxml's default parser (medium: lxml before 5.0 resolves
    entities by default). A parser whose input is a literal is not reported; ``defusedxml`` is the fix."""
    if not au.mentions(ctx, ("xml",)):
        return
    yield from taint_findings(ctx, "xxe", XXE, sink_only=True)
    yield from taint_findings(ctx, "xml", XXE, severity=Severity.MEDIUM)


__all__ = ["HEADER", "LDAP", "LOG", "TRUST", "XPATH", "XXE"]
