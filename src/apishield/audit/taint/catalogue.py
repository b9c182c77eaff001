"""The taint catalogue: request sources, sinks by kind, sanitisers, and functions whose result is harmless.

A sink is ``qualified name -> (kind, argument index, keyword name)``; method sinks match on the method name
alone. Framework-specific names (request proxies, redirects, file senders, response classes, escapes) come
from the one framework table, :mod:`apishield.audit.frameworks.table`; this module adds the standard library
and the common third-party libraries.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from apishield.audit import astutil as au
from apishield.audit.frameworks.table import every, every_sink

#: the host the client named (the ``Host`` header, behind ``request.base_url``): request data as a place to connect
#: to (a service that calls itself at that address calls whatever host the client chose), not as text
HOST_ATTRS = frozenset({"base_url", "host_url", "url_root", "host", "root_url"})
SOURCE_ATTRS = frozenset({
    "args", "form", "values", "json", "cookies", "headers", "data", "files", "get_json", "get_data", "stream",
    "query_string", "query", "params", "forms", "GET", "POST", "body", "get_cookie", "get_header", "cookie",
    "query_params", "path_params", "environ", "url", "full_path", "input_stream", "authorization",
    # aiohttp: ``request.match_info['id']``, ``request.rel_url``, ``await request.post()``/``text()``/``read()``
    "match_info", "rel_url", "post", "text", "read", "multipart", "content", *every("request_attrs"), *HOST_ATTRS,
})
REQUEST_OBJECTS = frozenset(every("request_objects"))
REQUEST_TYPES = frozenset({"Request", "HTTPConnection", "WebSocket"})
# standard-library servers: an instance of a subclass of these *is* the request, its handler methods read the
# request line, headers and body from ``self``
REQUEST_HANDLER_BASES = frozenset({
    "http.server.BaseHTTPRequestHandler", "http.server.SimpleHTTPRequestHandler", "http.server.CGIHTTPRequestHandler",
    "BaseHTTPServer.BaseHTTPRequestHandler", "SimpleHTTPServer.SimpleHTTPRequestHandler",
    "CGIHTTPServer.CGIHTTPRequestHandler", "socketserver.StreamRequestHandler", "SocketServer.StreamRequestHandler",
    "wsgiref.simple_server.WSGIRequestHandler",
    *(TORNADO_HANDLER_BASES := frozenset({"tornado.web.RequestHandler", "tornado.websocket.WebSocketHandler"})),
})
#: Tornado handlers serve a request in their HTTP-verb methods (and a WebSocket's messages), the URL pattern's groups
#: arriving as positional arguments; ``self`` reads the rest (``self.get_argument('q')``, ``self.request.body``)
TORNADO_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "on_message"})
HANDLER_SOURCE_ATTRS = frozenset({
    "path", "headers", "rfile", "requestline", "raw_requestline", "params", "cookie",
    "get_argument", "get_arguments", "get_query_argument", "get_query_arguments", "get_body_argument",
    "get_body_arguments", "get_cookie", "request", "path_args", "path_kwargs",  # Tornado's ``RequestHandler``
})
#: un-annotated helper parameters that conventionally carry the request being served (a framework request object,
#: or a standard-library request handler passed on as ``handler``)
REQUEST_PARAM_NAMES = {"request": "request", "req": "request", "http_request": "request", "handler": "handler",
                       "request_handler": "handler"}
#: decorators that make a function an error handler (Flask ``@app.errorhandler(404)``, Bottle ``@app.error(404)``,
#: FastAPI ``@app.exception_handler(E)``)
ERROR_HANDLER_DECORATORS = frozenset({"errorhandler", "error", "exception_handler", "register_error_handler"})
ROUTE_DECORATORS = frozenset({
    "route", "get", "post", "put", "delete", "patch", "api_route", "head", "options", "websocket", "expose",
})
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "cmd", "cmd.exe", "powershell", "pwsh", "/bin/sh",
                    "/bin/bash", "/usr/bin/sh", "/usr/bin/bash"})

# Functions whose result carries no request data (type conversions, hashes, counters).
KILL = frozenset({
    "int", "float", "bool", "len", "abs", "ord", "hash", "id", "isinstance", "issubclass", "type", "callable",
    "uuid.UUID", "decimal.Decimal", "datetime.date.fromisoformat",
    "hashlib.md5", "hashlib.sha1", "hashlib.sha256", "hashlib.sha512", "hashlib.new", "hmac.new",
    "secrets.token_hex", "secrets.token_urlsafe", "random.random", "random.randint", "time.time", "range",
    # identifiers and clock readings the program draws itself
    "uuid.uuid1", "uuid.uuid4", "time.monotonic", "time.perf_counter", "datetime.datetime.now",
    "datetime.datetime.utcnow", "datetime.date.today",
    "hmac.compare_digest", "secrets.compare_digest", *every("no_data"),
    # hex digits carry no metacharacter of any language
    "binascii.hexlify", "binascii.b2a_hex", "base64.b16encode",
})
SANITISERS: dict[str, frozenset[str]] = {
    "shlex.quote": frozenset({"shell"}),
    "pipes.quote": frozenset({"shell"}),
    "html.escape": frozenset({"html"}),
    "markupsafe.escape": frozenset({"html"}),
    "jinja2.escape": frozenset({"html"}),
    "cgi.escape": frozenset({"html"}),
    "bleach.clean": frozenset({"html"}),
    "xml.sax.saxutils.escape": frozenset({"html"}),
    "urllib.parse.quote": frozenset({"html", "shell", "sql", "ssti", "code"}),
    "urllib.parse.quote_plus": frozenset({"html", "shell", "sql", "ssti", "code", "path"}),
    # a query string made by quote_plus: every quote, angle bracket and separator of each key and value encoded
    "urllib.parse.urlencode": frozenset({"html", "shell", "sql", "ssti", "code", "path"}),
    "django.utils.http.urlencode": frozenset({"html", "shell", "sql", "ssti", "code", "path"}),
    "os.path.basename": frozenset({"path"}),
    # URL reversers: a path of this application built from a route's name, whatever fills its parameters
    "django.urls.reverse": frozenset({"redirect"}),
    "django.urls.reverse_lazy": frozenset({"redirect"}),
    "django.core.urlresolvers.reverse": frozenset({"redirect"}),
    "flask.url_for": frozenset({"redirect"}),
    "mimetypes.guess_extension": frozenset({"path"}),  # an extension from the table: never a separator
    "werkzeug.utils.secure_filename": frozenset({"path", "shell"}),
    "werkzeug.secure_filename": frozenset({"path", "shell"}),
    "re.escape": frozenset({"regex"}),
    "json.dumps": frozenset({"shell", "code", "sql"}),
    # a pickle the program itself made holds only the object it was given: loading it back runs nothing of a client's
    "pickle.dumps": frozenset({"deser"}),
    "_pickle.dumps": frozenset({"deser"}),
    "dill.dumps": frozenset({"deser"}),
    "cloudpickle.dumps": frozenset({"deser"}),
    "marshal.dumps": frozenset({"deser"}),
    "ldap3.utils.conv.escape_filter_chars": frozenset({"ldap"}),
    "ldap.filter.escape_filter_chars": frozenset({"ldap"}),
    "ldap.filter.filter_format": frozenset({"ldap"}),
    "ldap.dn.escape_dn_chars": frozenset({"ldap"}),
    "ldap3.utils.dn.escape_rdn": frozenset({"ldap"}),
    **{name: frozenset({"html"}) for name in every("escapes")},
    **{name: frozenset({"path"}) for name in every("safe_joins")},
}
#: ruamel.yaml's loader objects: ``YAML()`` loads round-trip (plain types), ``typ="safe"``/``"base"`` too; only
#: ``typ="unsafe"`` builds the Python objects a document names
YAML_OBJECTS = frozenset({"ruamel.yaml.YAML", "ruamel.yaml.main.YAML"})


def yaml_object(given: bool, typ: object = None) -> str:
    """The kind of a ruamel.yaml ``YAML(typ=...)`` object: ``yaml-safe`` when no ``typ`` is ``given`` or it is a
    constant naming loaders of plain types, ``yaml-unsafe`` otherwise (``"unsafe"``, or a value not known here)."""
    names = typ if isinstance(typ, (list, tuple)) else [typ]
    return "yaml-safe" if not given or all(n in {"rt", "safe", "base", "pure"} for n in names) else "yaml-unsafe"


#: client methods that build a URL on a service's configured endpoint, whatever goes into its path or query string:
#: OAuth clients' authorization URLs (httpx-oauth, requests-oauthlib, Authlib, oauthlib, rauth) and object stores'
#: signed URLs (boto3 ``generate_presigned_url``/``_post``, MinIO ``presigned_get_object``, Google Cloud Storage
#: ``generate_signed_url``)
PROVIDER_URL = re.compile(r"^(?:get_|create_)?authori[sz](?:ation|e)_url$|^prepare_request_uri$|"
                          r"^(?:generate_|get_)?presigned_(?:url|post|get_object|put_object)$|^generate_signed_url$")
#: python3-saml's ``OneLogin_Saml2_Auth.login(return_to=...)``/``logout(...)``: the identity provider's single sign-on
#: or logout URL from the configured metadata, the caller's value carried only as its ``RelayState``
SAML_REDIRECTS = frozenset({"login", "logout"})
SAML_LIBRARIES = ("onelogin.saml2",)
#: OAuth clients' redirects to the provider (Authlib's ``client.authorize_redirect(redirect_uri)`` on Flask,
#: Starlette and Django): a 302 whose location the client builds from the provider's authorization endpoint
PROVIDER_REDIRECT = re.compile(r"^authori[sz]e_redirect$")
FIXED_HOST = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#{}%]+[/?#]")
SERIALISER = re.compile(r"(^|_)(to_dict|dict|to_json|json|asdict|model_dump|serialize|serialise|schema_dump)$|"
                         r"^(to_dict|to_json|asdict|model_dump|dump|dumps)$|_dict$|_json$")
ESCAPE_NAME = re.compile(r"(escape|sanitiz|sanitis|secure_filename|quote)", re.I)
_SANITISER_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in SANITISERS)


def sanitising_call(call: ast.Call) -> bool:
    """A call that may sanitise its argument (a catalogued sanitiser or an escaping-named function), judged by the
    called name alone: a cheap filter before a closer reading."""
    short = au.last(au.dotted(call.func))
    return bool(short) and (short in _SANITISER_NAMES or ESCAPE_NAME.search(short) is not None)

# Sinks: qualified name -> (kind, argument index, keyword name). Method sinks match on the last component.
CALL_SINKS: dict[str, tuple[str, int, str]] = {
    "os.system": ("shell", 0, "command"),
    "os.popen": ("shell", 0, "cmd"),
    "os.popen2": ("shell", 0, "cmd"),
    "os.popen3": ("shell", 0, "cmd"),
    "commands.getoutput": ("shell", 0, "cmd"),
    "commands.getstatusoutput": ("shell", 0, "cmd"),
    "subprocess.getoutput": ("shell", 0, "cmd"),
    "subprocess.getstatusoutput": ("shell", 0, "cmd"),
    "eval": ("code", 0, "source"),
    "exec": ("code", 0, "source"),
    "compile": ("code", 0, "source"),
    # Pillow before 10.2 evaluates the expression as Python (CVE-2023-50447); ``unsafe_eval`` still does
    "PIL.ImageMath.eval": ("code", 0, "expression"),
    "PIL.ImageMath.unsafe_eval": ("code", 0, "expression"),
    "pickle.loads": ("deser", 0, "data"),
    "pickle.load": ("deser", 0, "file"),
    "_pickle.loads": ("deser", 0, "data"),
    "cPickle.loads": ("deser", 0, "data"),
    "cPickle.load": ("deser", 0, "file"),
    "dill.loads": ("deser", 0, "str"),
    "marshal.loads": ("deser", 0, "bytes"),
    "marshal.load": ("deser", 0, "file"),
    "shelve.open": ("deser", 0, "filename"),
    "jsonpickle.decode": ("deser", 0, "string"),
    "jsonpickle.loads": ("deser", 0, "string"),
    "yaml.unsafe_load": ("deser", 0, "stream"),
    "yaml.full_load": ("deser", 0, "stream"),
    "pandas.read_pickle": ("deser", 0, "filepath_or_buffer"),
    "joblib.load": ("deser", 0, "filename"),  # unpickles the file it is given
    "requests.get": ("ssrf", 0, "url"),
    "requests.post": ("ssrf", 0, "url"),
    "requests.put": ("ssrf", 0, "url"),
    "requests.patch": ("ssrf", 0, "url"),
    "requests.delete": ("ssrf", 0, "url"),
    "requests.head": ("ssrf", 0, "url"),
    "requests.options": ("ssrf", 0, "url"),
    "requests.request": ("ssrf", 1, "url"),
    "httpx.get": ("ssrf", 0, "url"),
    "httpx.post": ("ssrf", 0, "url"),
    "httpx.put": ("ssrf", 0, "url"),
    "httpx.delete": ("ssrf", 0, "url"),
    "httpx.request": ("ssrf", 1, "url"),
    "httpx.stream": ("ssrf", 1, "url"),
    "urllib.request.urlopen": ("ssrf", 0, "url"),
    "urllib.request.Request": ("ssrf", 0, "url"),
    "urllib.urlopen": ("ssrf", 0, "url"),
    "urllib2.urlopen": ("ssrf", 0, "url"),
    # HTML renderers fetch what the HTML references (wkhtmltopdf, WeasyPrint): caller HTML picks the URLs
    "pdfkit.from_string": ("ssrf", 0, "input"),
    "pdfkit.from_url": ("ssrf", 0, "url"),
    "weasyprint.HTML": ("ssrf", 0, "string"),
    "open": ("path", 0, "file"),
    "io.open": ("path", 0, "file"),
    "codecs.open": ("path", 0, "filename"),
    "os.open": ("path", 0, "path"),
    "os.remove": ("path", 0, "path"),
    "os.unlink": ("path", 0, "path"),
    "os.rmdir": ("path", 0, "path"),
    "os.mkdir": ("path", 0, "path"),
    "os.makedirs": ("path", 0, "name"),
    "os.listdir": ("path", 0, "path"),
    "os.rename": ("path", 0, "src"),
    "os.path.exists": ("path", 0, "path"),
    "os.path.isfile": ("path", 0, "path"),
    "os.path.isdir": ("path", 0, "path"),
    "os.path.getsize": ("path", 0, "filename"),
    "shutil.rmtree": ("path", 0, "path"),
    "shutil.copy": ("path", 0, "src"),
    "shutil.copyfile": ("path", 0, "src"),
    "shutil.move": ("path", 0, "src"),
    "jinja2.Template": ("ssti", 0, "source"),
    "mako.template.Template": ("ssti", 0, "text"),
    "re.compile": ("regex", 0, "pattern"),
    "re.match": ("regex", 0, "pattern"),
    "re.search": ("regex", 0, "pattern"),
    "re.fullmatch": ("regex", 0, "pattern"),
    "re.findall": ("regex", 0, "pattern"),
    "re.finditer": ("regex", 0, "pattern"),
    "re.sub": ("regex", 0, "pattern"),
    "re.split": ("regex", 0, "pattern"),
    "sqlalchemy.text": ("sql", 0, "text"),
    "sqlalchemy.sql.text": ("sql", 0, "text"),
    "lxml.etree.XPath": ("xpath", 0, "path"),
    "lxml.etree.ETXPath": ("xpath", 0, "path"),
    "elementpath.select": ("xpath", 1, "path"),
    "elementpath.iter_select": ("xpath", 1, "path"),
    "lxml.etree.fromstring": ("xml", 0, "text"),
    "lxml.etree.XML": ("xml", 0, "text"),
    "lxml.etree.parse": ("xml", 0, "source"),
    "lxml.etree.iterparse": ("xml", 0, "source"),
    **{name: ("path", *where) for name, where in every_sink("file_senders").items()},
    **{name: ("redirect", *where) for name, where in every_sink("redirects").items()},
    **{name: ("ssti", *where) for name, where in every_sink("template_sources").items()},
}
#: receivers whose ``execute`` runs a command, use case or prepared statement, not SQL text (``use_case.execute(x)``)
NOT_A_DATABASE = re.compile(r"(?:use_?case|command|handler|service|action|interactor|executor|runner|pipeline|"
                            r"workflow|operation|strategy|task|job|bus|mediator|statement|stmt|query_?object)s?$",
                            re.IGNORECASE)
#: objects of a service layer (``role_service``, ``user_repository``, ``crud``): their operations answer records
SERVICE_OBJECT = re.compile(r"(?:^|_)(?:service|svc|repository|repo|dao|crud|manager|store)s?$", re.IGNORECASE)
#: SQL written in the argument itself: whatever the receiver is called, that is a query
SQL_WORDS = re.compile(r"\b(?:SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|WHERE|PRAGMA)\b", re.IGNORECASE)
METHOD_SINKS: dict[str, tuple[str, int, str]] = {
    "execute": ("sql", 0, "sql"),
    "executemany": ("sql", 0, "sql"),
    "executescript": ("sql", 0, "sql_script"),
    "raw": ("sql", 0, "raw_query"),
    "extra": ("sql", 0, "where"),
    "from_string": ("ssti", 0, "source"),
    "xpath": ("xpath", 0, "_path"),  # lxml ``tree.xpath(query)``
    "search_s": ("ldap", 2, "filterstr"),  # python-ldap
    "search_st": ("ldap", 2, "filterstr"),
    "search_ext": ("ldap", 2, "filterstr"),
    "search_ext_s": ("ldap", 2, "filterstr"),
    "set_header": ("header", 1, "value"),  # Bottle ``response.set_header(name, value)``
    "add_header": ("header", 1, "value"),
}
#: the methods that run SQL text given as their first argument (``execute``, ``executemany``, sqlite3's
#: ``executescript``, Django's ``raw``): rules that read a query's text look where the injection rule does
SQL_RUNNERS = frozenset(name for name, (kind, position, _) in METHOD_SINKS.items() if kind == "sql" and position == 0)
#: libraries whose module-level ``from_string`` is a template compiler; on any other plainly imported module
#: (``pdfkit.from_string``) the method sink does not apply
TEMPLATE_MODULES = frozenset({"jinja2", "mako", "chameleon", "django", "tornado", "genshi", "chevron", "pystache"})
# method sinks whose name is common elsewhere: they count only in a module that imports one of the libraries
LIBRARY_METHOD_SINKS: dict[str, tuple[str, int, str, tuple[str, ...]]] = {
    "search": ("ldap", 1, "search_filter", ("ldap3", "ldap")),  # ldap3 ``conn.search(base, filter)``
    "findall": ("xpath", 0, "path", ("xml.etree", "lxml", "defusedxml")),  # ElementTree paths: an XPath subset
    "iterfind": ("xpath", 0, "path", ("xml.etree", "lxml", "defusedxml")),
}
#: method sinks of a receiver named for a library object: Flask-SQLAlchemy's ``db.text(sql)`` is SQLAlchemy's
#: ``text()``, whatever module the ``db`` object was made in
RECEIVER_METHOD_SINKS: dict[str, tuple[str, int, str, re.Pattern[str]]] = {
    "text": ("sql", 0, "text", re.compile(r"^(db|database|sa|sqlalchemy)$")),
}
# XML parsers: a parser object configured to resolve external entities makes these parse calls XXE sinks
XML_PARSE_CALLS = frozenset({
    "xml.dom.minidom.parse", "xml.dom.minidom.parseString", "xml.dom.pulldom.parse", "xml.dom.pulldom.parseString",
    "xml.sax.parse", "xml.sax.parseString", "lxml.etree.fromstring", "lxml.etree.XML", "lxml.etree.parse",
    "lxml.etree.iterparse",
})
EXTERNAL_ENTITY_FEATURES = ("feature_external_ges", "feature_external_pes", "external-general-entities",
                            "external-parameter-entities")
LXML_UNSAFE = {"resolve_entities": True, "no_network": False, "load_dtd": True}
# sinks dangerous whatever the value, unless it is a literal: reported (low) even without proven request data
SINK_ONLY_KINDS = frozenset({"deser", "code", "shell", "xxe"})
#: directories the application object knows from where it is installed (``app.static_folder``): the deployer's
#: values, not a client's
APP_DIRS = frozenset({"static_folder", "root_path", "instance_path", "template_folder"})
#: names a class statement or the interpreter fixes (``Email.__tablename__``, ``type(x).__name__``): a table, class,
#: function or module name written in the code, never data a client sent
CODE_NAMES = frozenset({"__tablename__", "__name__", "__qualname__", "__module__"})
#: attributes of the request that spell the page being served (``redirect(request.url)`` reloads it)
OWN_PAGE_ATTRS = frozenset({"url", "path", "full_path", "base_url", "script_root", "url_root", "host_url"})


def is_logger(node: ast.expr) -> bool:
    """``logger``, ``log``, ``app.logger``, ``self._log``, ``LOGGER``: a :mod:`logging` logger by its name."""
    name = au.last(au.dotted(node)).lower().lstrip("_")
    return name in {"log", "logger", "logging"} or name.endswith(("_logger", "_log"))


def own_page(node: ast.AST) -> bool:
    """The redirect target starts with the address of the page being served (``request.url``,
    ``request.path + '?tab=2'``, ``f"{request.full_path}#top"``): a browser is sent back to this site, whatever
    the query says. ``request.referrer`` and the like are not: another site writes them."""
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        node = node.left
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.FormattedValue):
        node = node.values[0].value
    return (isinstance(node, ast.Attribute) and node.attr in OWN_PAGE_ATTRS and isinstance(node.value, ast.Name)
            and (node.value.id in REQUEST_OBJECTS or node.value.id in REQUEST_PARAM_NAMES))


#: statements that change the schema or the session, whose formatted parts are identifiers (a table, a column, a
#: database, a search path) that no bound parameter can carry
DDL = re.compile(r"^\s*(?:create|drop|alter|truncate|comment\s+on|grant|revoke|vacuum|analyze|reindex|pragma|"
                 r"set\s+(?:search_path|schema|session)|attach|detach)\b", re.IGNORECASE)


def leading_text(node: ast.AST, const_eval: Callable[[ast.AST], Any]) -> str:
    """The literal text a composed string starts with (``f"ALTER TABLE {t}"``, ``"DROP TABLE %s" % t``,
    ``"CREATE DATABASE " + name``, ``text("...".format(t))``), or ``""`` when it does not start with one."""
    head = const_eval(leading_piece(node))
    return head if isinstance(head, str) else ""


def leading_piece(node: ast.AST) -> ast.AST:
    """The expression a composed string starts with: the left of ``+``/``%``, the template of ``.format``, the first
    part of an f-string, the text inside SQLAlchemy's ``text(...)`` or psycopg's ``sql.SQL(...)``."""
    for _ in range(6):
        if isinstance(node, ast.Call) and au.last(au.dotted(node.func)) in {"text", "SQL", "sql"} and node.args:
            node = node.args[0]  # SQLAlchemy's ``text(...)``, psycopg's ``sql.SQL(...)``
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            node = node.left
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            node = node.func.value
        elif isinstance(node, ast.JoinedStr) and node.values:
            node = node.values[0]
        else:
            break
    return node


#: sinks where a whole value of unknown origin (not one composed under a fixed prefix) is worth reading:
#: ``open(p)``, ``requests.get(url)``, ``redirect(target)``
BARE_SINK_ONLY_KINDS = frozenset({"path", "ssrf", "redirect"})


def worth_reading(kind: str, formatted: bool, argument: bool = False, web: bool = True, tool: bool = False) -> bool:
    """Is a value of unknown origin reaching a sink of ``kind`` reported (sink-only)? A formatted value anywhere
    but the bare-value kinds (formatted SQL text); any value for shell, code, deserialisation and XXE; a whole,
    uncomposed value for paths, outbound URLs and redirects (``open(ROOT + name)`` is the program's own layout),
    unless it is one of the function's own arguments as given (``def _load(path): open(path)``: its callers'
    flows are followed into it) rather than a value read out of its input (``options.get('path')``), and only in
    a module of a web application (``web``: it uses a web framework): a command-line tool opens the paths its user
    names. Never in a command-line tool (``tool``): what it reads, opens and runs is its operator's."""
    if tool:
        return False
    if kind in BARE_SINK_ONLY_KINDS:
        return web and not formatted and not argument
    return formatted or kind in SINK_ONLY_KINDS
# methods that read stored data selected by their arguments (a database, a cache, an ORM query)
STORE_LOOKUP = re.compile(
    r"^(get|get_or_404|first_or_404|get_by_id|by_id|find|find_one|find_by\w*|fetch\w*|select|load|lookup|"
    r"query|filter|filter_by|first|one|one_or_none|all|scalar|scalars|execute|read|hget|hgetall|mget)$"
)
FILE_RESPONSES = frozenset(every_sink("file_senders"))
#: a page of this site: ``/users/`` (``//host`` would leave it), a relative path whose first segment holds no scheme
#: (``accounts/profile/``, ``./x``), a query or a fragment of the current page (``?next=...``, ``#top``)
LOCAL_PATH = re.compile(r"^(?:/[^/\\]|[\w.~-]+/|\?|#)")
# containment checks: ``if not is_subdir(p, BASE)``, ``p.is_relative_to(BASE)``, ``is_safe_path(BASE, p)``
#: functions that tell whether a URL stays on the site or on an allowed host (Django's
#: ``url_has_allowed_host_and_scheme``, the common ``is_safe_url`` port of it, ``is_local_url``, ``validate_redirect``):
#: their first argument is checked for where it leads
SAFE_URL = re.compile(r"^(?:is_?)?(?:safe|local|internal|relative|allowed|same_?origin)_?(?:url|redirect|next|"
                      r"target|return_?url)\w*$|^url_has_allowed_host\w*$|^(?:validate|check|verify)_?(?:redirect|"
                      r"next|return_?url|redirect_?url)\w*$", re.IGNORECASE)
CONTAINMENT = re.compile(r"(^|_)(is_?)?(sub_?dir\w*|sub_?path|within\w*|inside\w*|relative_to|safe_?path|"
                         r"contained|in_?directory|in_?dir|under)$", re.IGNORECASE)
# handlers whose return value is marshalled (JSON), not sent as an HTML page
SERIALISING_DECORATORS = frozenset({"response", "marshal_with", "marshal_list_with", "marshal", "output",
                                    "json_response", "returns_json", "produces", "validate_response"})
SERIALISING_BASES = frozenset({"Resource", "MethodResource", "ModelResource", "APIView", "ViewSet", "GenericAPIView"})
LOG_METHODS = au.LOG_METHODS
#: the keywords a response class takes its body by (Starlette, Django, Werkzeug, aiohttp)
BODY_KEYWORDS = ("content", "response", "body", "text")
SESSIONS = frozenset(every("sessions"))
# a rejected character proves the value cannot break out of these sinks (``if "'" in x: abort(400)``)
METACHARS: dict[str, frozenset[str]] = {
    "'": frozenset({"xpath"}), '"': frozenset({"xpath"}), "(": frozenset({"ldap"}), ")": frozenset({"ldap"}),
    "*": frozenset({"ldap"}), "\n": frozenset({"log", "header"}), "\r": frozenset({"log", "header"}),
    # without either separator a name stays in the directory it is joined to (both must go: a backslash is one
    # where the server runs on Windows)
    "/": frozenset({"sep/"}), "\\": frozenset({"sep\\"}),
}
PATH_METHODS = frozenset({
    "open", "read_text", "read_bytes", "write_text", "write_bytes", "exists", "unlink", "mkdir", "rmdir",
    "iterdir", "is_file", "is_dir", "stat", "touch", "rename", "glob",
})
TEMPORARY_FILES = frozenset({"tempfile.NamedTemporaryFile", "tempfile.TemporaryFile", "tempfile.SpooledTemporaryFile"})
SUBPROCESS = frozenset({
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen",
    "asyncio.create_subprocess_shell", "asyncio.create_subprocess_exec", "os.execv", "os.execvp", "os.execl",
    "os.execlp", "os.spawnl", "os.spawnv", "os.spawnlp", "os.spawnvp", "os.posix_spawn", "os.posix_spawnp",
})
#: exceptions a handler raises whose detail the framework sends as the answer (FastAPI/Starlette ``HTTPException``,
#: Ninja ``HttpError``, DRF ``APIException``, aiohttp/Pyramid ``HTTPBadRequest(text=...)``)
HTTP_ERROR_ANSWER = re.compile(r"^(?:HTTPException|HttpError|HTTPError|APIException|HTTP(?!Status|Basic|Bearer|Digest|"
                               r"Connection|Response|Request|Found|SeeOther|Moved|TemporaryRedirect)[A-Z][a-z]\w*)$")
HTML_RESPONSES = frozenset(every("html_responses"))
JSON_RESPONSES = frozenset({"json.dumps", *every("json_responses")})
ABORTS = frozenset(every("aborts"))
RENDERS = frozenset(every("renders"))
CONTEXT_RENDERS = frozenset(every("context_renders"))

RAW_VARS = re.compile(r"{{\s*!\s*(\w+)|{{\s*(\w+)[^}]*\|\s*safe\b")  # Bottle ``{{!x}}``, Jinja ``{{ x|safe }}``


def switches_flask_autoescape_off(assign: ast.Assign) -> bool:
    """``app.jinja_env.autoescape = False`` or ``app.jinja_options["autoescape"] = False``: every variable the Flask
    app's templates print is raw HTML from then on."""
    return au.is_false(assign.value) and any(
        au.dotted(t).endswith(("jinja_env.autoescape", "jinja_options.autoescape"))
        or (isinstance(t, ast.Subscript) and au.dotted(t.value).endswith("jinja_options")
            and au.const(t.slice, None) == "autoescape") for t in assign.targets)
# calls that turn an exception object into text (which may carry internals)
EXC_TEXT_CALLS = frozenset({
    "str", "repr", "format", "escape", "format_exception", "format_exception_only", "print_exception",
    "format_tb", "traceback.format_exception", "traceback.format_exception_only", "traceback.format_tb",
})
# operator inputs: a named setting of a configuration object (``app.config['UPLOAD_FOLDER']``,
# ``self._config['app.data_dir']``, ``settings['x']``) or a docopt option/argument (``args['--id']``,
# ``args['<name>']``) is chosen by whoever deploys or runs the program, never by a client
CONFIG_NAME = re.compile(r"^_*(config|conf|cfg|configuration|settings|app_config|app_settings)$", re.IGNORECASE)
CLI_OPTION = re.compile(r"^(--?[A-Za-z][\w-]*|<[\w-]+>)$")


#: WSGI/CGI variables the server or its authentication module sets and no client can write: the signed-in user's
#: name (``REMOTE_USER``, a Kerberos principal or a checked login) and how it was checked. ``HTTP_*`` keys are the
#: client's headers, and ``REMOTE_ADDR``/``SCRIPT_NAME`` are rewritten from headers by proxy fixes: all stay sources.
SERVER_SET = frozenset({"REMOTE_USER", "AUTH_TYPE", "SSL_CLIENT_VERIFY"})


def server_set(container: ast.expr, key: object) -> bool:
    """Is ``container[key]`` a variable the server sets (``request.environ['REMOTE_USER']``, Django's
    ``request.META.get('REMOTE_USER')``)? The key is asked first: most subscripts name none of them."""
    return isinstance(key, str) and key in SERVER_SET and au.last(au.dotted(container)) in {"environ", "META"}


#: functions that read one setting by its name (``get_config("tos_url")``, ``get_setting("SITE")``, ``getenv("URL")``):
#: called with literal names, what they return is the operator's or an administrator's choice, not a client's
SETTING_READER = re.compile(r"^(?:get_?)?(?:config|conf|cfg|setting|settings|option|env)(?:_?value)?$|^getenv$",
                            re.IGNORECASE)
#: owners a configuration object is reached through (``self.config.x``, ``current_app.settings.x``)
_CONFIG_OWNERS = frozenset({"self", "cls", "app", "current_app"})


def configuration_attribute(dotted_name: str) -> bool:
    """``config.oidc.enrollment_url``, ``settings.SITE``, ``self.config.base_url``: an attribute of an object named as
    the application's configuration (its root, after ``self``/``app``), which the deployment fills."""
    parts = dotted_name.split(".")
    if parts and parts[0] in _CONFIG_OWNERS:
        parts = parts[1:]
    return len(parts) >= 2 and CONFIG_NAME.match(parts[0]) is not None


def operator_setting(container: str, key: object) -> bool:
    """Is ``container[key]`` an operator input? ``container`` is the last name of the subscripted expression."""
    return isinstance(key, str) and (bool(CONFIG_NAME.match(container)) or bool(CLI_OPTION.match(key)))


#: SQLAlchemy Core builder methods: every value they take is a bound parameter
#: HTTP client objects whose request methods fetch the URL they are given (``requests.Session().get(url)``)
HTTP_CLIENTS = frozenset({"requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client",
                          "httpx.AsyncClient", "aiohttp.ClientSession"})
#: an HTTP client object's request methods, with the position of their URL argument
HTTP_CLIENT_METHODS = {"get": 0, "post": 0, "put": 0, "patch": 0, "delete": 0, "head": 0, "options": 0,
                       "request": 1, "stream": 1}
#: methods answering a path the server chose for a client's data (Django's ``TemporaryUploadedFile``)
SERVER_MADE_PATHS = frozenset({"temporary_file_path"})
#: ``text(sql).bindparams(x=value)``: the values travel as bound parameters, the statement is the receiver's text
BINDS_VALUES = frozenset({"bindparams"})
BUILDER_METHODS = frozenset({"values", "where", "filter", "filter_by", "order_by", "group_by", "having", "limit",
                              "offset", "returning", "with_only_columns", "join", "outerjoin", "distinct"})


def model_select_helper(func: ast.expr) -> bool:
    """A model's own statement helper (``Rule.select_related()``, Django's ``select_for_update()``)."""
    return isinstance(func, ast.Attribute) and func.attr.startswith("select_")


def builds_statement(node: ast.expr) -> bool:
    """A chain that starts from a SQL statement builder: ``table.insert()``, ``select(users)``, ``update(t)``, or a
    model's own ``select…`` helper (``Rule.select_related()``, Django's ``select_for_update()``)."""
    while isinstance(node, (ast.Call, ast.Attribute)):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in {"insert", "update", "delete", "select"} or model_select_helper(node.func):
                return True
            node = node.func
        else:
            node = node.value
    return False
