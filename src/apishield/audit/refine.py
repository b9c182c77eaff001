"""Project-wide facts that change what a module's finding means, applied once every rule has run.

A module rule sees one file; some of its findings only matter if something elsewhere in the project holds. Each
refinement here names the fact it checks and lowers (never drops) the findings it does not hold for, so the
finding stays visible below the medium-and-above view. The refinements inside route handlers are in
:mod:`.refine_routes`, those of a template's raw output in :mod:`.refine_output`; this module applies them all, in
one order.

- **Cookies the server never reads back** (AS503 Secure, AS506 unsigned): a cookie no module reads
  (``request.cookies.get('x')``, ``request.get_cookie('x')``, ``cookie['x']``) carries nothing the server
  trusts: display values, client-side preferences. The flags still matter for privacy, so the finding stays, low.
- **Configuration classes nobody loads** (AS601–AS603): a secret in ``class Config: SECRET_KEY = '…'`` matters when
  the class reaches the app (``app.config.from_object(Config)``, ``'config.Config'``, a subclass, a mapping); when
  no line of the project outside its own ``class`` statement names the class, the app takes its settings from
  elsewhere and the finding stays, low.
- **Example code** (every rule): in a project that serves an application from outside its ``examples/`` or
  ``samples/`` folders, the scripts in those folders show how to use it; they are not what is deployed, so their
  findings stay, low.
- **Test code** (every rule): in a project that serves an application from outside its test code, findings in test
  modules (``tests/``, ``test_*.py``, ``conftest.py``) and in the body of a testing configuration class
  (``class TestingConfig``, ``class TestConfig``: the settings the unit tests load) are not what is deployed;
  they stay, low.
- **Sinks no request reaches** (AS801–AS807 *sink-only* hits: a value of unknown origin, no request source seen):
  in a project with web modules (a module that imports a web framework or declares routes), such a hit in a
  module that is not one, inside a function that no web module names, directly or through functions they name
  (an administration script building DDL from its configuration, a helper nothing calls), is not reachable from
  a request; it stays, low. A proven flow is never lowered.
- **Configured by the operator** (AS402 in templates): a variable emitted raw (``{{ notice|safe }}``) that every
  render in the project fills from the configuration (``notice=app.config.get('NOTICE')``) is HTML the operator
  writes for the page; it stays, low.
- **Sanitised at the write** (AS402 in templates): an attribute emitted raw (``{{ post.body_html|safe }}``) that
  every assignment in the project's code fills with an HTML sanitiser's result (``bleach.clean``, ``nh3.clean``,
  ``escape``) is safe HTML by construction; it stays, low.
- **Debug mode of a script the deployment never runs** (AS301): debug switched on inside ``if __name__ ==
  '__main__':`` of a module that the repository's start files (Dockerfile, Procfile, compose, shell scripts, uWSGI
  ini, systemd units) serve through a server that imports it (gunicorn, uWSGI, uvicorn…) and never run as a script
  (``python app.py``); it stays, low.
- **Copies of modules** (every rule): a Python file whose name holds a space or a parenthesis (``views (copy
  1).py``, left by a file manager or an editor) that no other file names cannot be loaded by an import statement;
  its findings stay, low.
- **Functions nothing calls** (every rule): a static or class method whose name no other line
  of the project's code (tests aside) mentions — not a call, an import, a registration or a string — never runs
  in the application (a ``decode_expired_token`` helper only its unit test uses); its findings stay, low.
- **Keys nothing reads** (AS601, AS602, AS605): a hard-coded key of the application itself (not a credential for
  another service, which leaks whether or not it is read) assigned to a name no line of the project uses
  except to assign it or test that it is set, and that no imported framework or extension reads from the
  configuration by name (``SECRET_KEY``; ``JWT_SECRET_KEY`` with flask-jwt-extended…), protects nothing; it
  stays, low. Flask reads ``SECRET_KEY`` only to sign its session cookie: an app that keeps nothing in the session
  (no ``session``, ``flash`` or Flask-Login user loader) and loads no extension that signs with the key trusts
  nothing it signs.
- **Routes served only in development** (every rule but AS101, which says so itself): a finding inside the handler
  of a route whose blueprint, router or mounted app is registered only in the branch an ``if`` on the development
  environment takes (``if STORAGE_SERVICE_NAME == 'local': app.mount('/mock_storage', ...)``) is not served by a
  deployment that leaves the switch off; it stays, low.
- **CORS turned off by another settings module** (AS305, AS306): django-cors-headers' allow-all switch set to
  ``True`` in one settings module and to ``False`` in another (the deployment's ``production.py``); it stays, low.
- **Development settings nothing serves** (AS301, AS601, AS305, AS306): ``DEBUG = True``, a default key or CORS open
  to every origin in a settings module named ``development`` or ``develop`` that no module but ``manage.py`` or test
  code names as the settings to load; it stays, low.
- **Role-guarded routes** (AS203): a page size left unbounded in the handler of a route that admits only callers
  passing a role check (``Depends(check_admin)``, ``@admin_required``) is asked by a caller the application trusts
  with that role, never an anonymous or ordinary one; it stays, low. Exception text keeps its severity there: an
  administrator's session is as open to theft as anyone's, and reviewers want the internals kept out of it too.
- **Routes the proxy closes** (every rule): a route under a ``location`` block that the repository's own nginx
  configuration marks ``internal;`` or ``deny all;`` (allowing only loopback or private networks) is answered by the
  proxy before an outside request reaches the application; its findings stay, low.
- **Authorization decided below the routes** (AS102, AS103): in a project that turns an authorization error raised
  below its handlers into a 403 (a guard wrapper's ``except AuthorizationError: abort(403)`` around the handler call,
  or an application-wide handler of such an error answering 403), object and function access is decided in the layer
  that raises it (a data layer that checks the signed-in user on every load), which the route does not show; they
  stay, low.
- **Sessions nobody reads** (AS503, AS504 on CherryPy's session cookie left at its defaults): in a project whose code
  never reads ``cherrypy.session``, the cookie identifies an empty session; it stays, low.
- **Sites that keep nothing a visitor sends** (AS402 in templates): in a project with no database or store client, no
  file written, no upload saved, nothing posted on to another service and no module-level container added to, no
  visitor can plant markup another is shown; a raw output no render feeds from the request stays, low.
- **The operator's one credential** (AS307, AS102, AS103): in an app that checks every request against one configured
  password or API key and knows no accounts, whoever gets past the check runs the server; exception text and object-
  or function-level findings in its authenticated handlers stay, low.
- **Local tools** (AS307): exception text returned by an app that identifies no caller and binds only a loopback
  address goes back to the one person running it; it stays, low.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import replace

from apishield.audit.proxy_config import repository_top
from apishield.audit.refine_output import (
    lower_configured_markup,
    lower_raw_output_of_stateless_sites,
    lower_rendered_html,
    lower_sanitised_fields,
)
from apishield.audit.refine_routes import (
    function_spans,
    lower_delegated_authorization,
    lower_development_routes,
    lower_local_tools,
    lower_operator_only,
    lower_proxy_closed,
    lower_role_guarded,
)
from apishield.audit.rules.base import is_test_code
from apishield.audit.rules.registry import ModuleContext, ProjectContext
from apishield.findings import Finding, Severity

_COOKIE_RULES = frozenset({"AS503", "AS506"})
_SETTERS = re.compile(r"(set_cookie|delete_cookie|set_signed_cookie)\s*\(")


def _cookies_read(project: ProjectContext, names: set[str]) -> set[str]:
    """Which of ``names`` some module mentions as a string outside a line that sets or deletes a cookie."""
    found: set[str] = set()
    quoted = {n: (f"'{n}'", f'"{n}"') for n in names}
    for module in project.modules:
        if not any(q in module.source for qs in quoted.values() for q in qs):
            continue
        for line in module.lines:
            if _SETTERS.search(line):
                continue
            for name, qs in quoted.items():
                if name not in found and any(q in line for q in qs):
                    found.add(name)
    return found


_EXAMPLE_DIRS = frozenset({"examples", "example", "samples", "sample"})


def _in_examples(path: str) -> bool:
    return bool(_EXAMPLE_DIRS.intersection(path.replace("\\", "/").lower().split("/")[:-1]))


def _lower_examples(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """Findings in example folders, lowered when an app is built outside them (and outside test code)."""
    if not any(f.location is not None and _in_examples(f.location.path) for f in out):
        return out
    if not any(not _in_examples(a.path) and not is_test_code(a.path) for a in project.facts.get("apps", [])):
        return out
    return [
        replace(f, severity=Severity.LOW, message=f"{f.message} (example code, not the served application)")
        if f.location is not None and _in_examples(f.location.path) and f.severity > Severity.LOW
        else f
        for f in out
    ]


#: a file stem no ``import`` statement can name, as a file manager's or editor's copy is named (``views (copy 1)``,
#: ``views copy``, ``models - Copy``)
_COPY_STEM = re.compile(r"[ ()]")


def _lower_file_copies(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """Findings in a Python module whose file name holds a space or a parenthesis (``views (copy 1).py``) and that
    no other file of the project names: no import statement can load it, so it is a copy left beside the module it
    copies, not code the application runs; they stay, low."""
    copies = {m.path for m in project.modules if m.path.endswith(".py")
              and _COPY_STEM.search(m.path.rsplit("/", 1)[-1][:-3])}
    if not copies or not any(f.location is not None and f.location.path in copies for f in out):
        return out
    named = {path for path in copies for m in project.modules
             if m.path != path and path.rsplit("/", 1)[-1][:-3] in m.source}
    unnamed = copies - named
    return [
        replace(f, severity=Severity.LOW, message=f"{f.message} (a copy of a module that no import can name)")
        if f.location is not None and f.location.path in unnamed and f.severity > Severity.LOW else f
        for f in out
    ]


#: servers that import the application's module instead of running it as a script
_IMPORTING_SERVERS = re.compile(r"\b(?:gunicorn|uwsgi|waitress-serve|hypercorn|uvicorn|daphne|granian|"
                                r"flask\s+(?:--app\s+\S+\s+)?run|fastapi\s+(?:run|dev))\b")
#: the files that say how a repository is started: container, process and service definitions, shell scripts
_START_FILES = re.compile(r"^(?:Dockerfile.*|Containerfile.*|Procfile.*|.*\.sh|(?:docker-)?compose.*\.ya?ml|"
                          r".*\.ini|supervisord.*\.conf|.*\.service|entrypoint.*|Makefile|README(?:\.\w+)?)$",
                          re.IGNORECASE)
_START_SKIP = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox", "site-packages"})


def _start_texts(root: str) -> list[tuple[str, str]]:
    """(directory, text) of the repository's start files (at most 200, each read up to 200 kB)."""
    texts: list[tuple[str, str]] = []
    for directory, dirs, files in os.walk(repository_top(root)):
        dirs[:] = sorted(d for d in dirs if d not in _START_SKIP and not d.startswith("."))
        for name in sorted(files):
            if _START_FILES.match(name) and len(texts) < 200:
                try:
                    with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as fh:
                        texts.append((directory, fh.read(200_000)))
                except OSError:
                    continue
    return texts


def _lower_debug_in_scripts_never_run(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """Debug mode (AS301) switched on inside ``if __name__ == '__main__':`` (``app.run(debug=True)``) of a module
    that the repository's start files serve through a server importing it (``gunicorn app:app`` in a Dockerfile,
    ``uwsgi``, ``uvicorn``, ``flask run`` in its README) and never run as a script (``python app.py``): that block
    runs on a developer's machine, not where the app is served; it stays, low. The start files in the module's folder
    and those above it decide (the module's own service in a repository of several); with none there, all of the
    repository's do."""
    guarded = {m.path: m.facts.get("main_guard_lines") or set() for m in project.modules}
    flagged = [f for f in out if f.rule_id == "AS301" and f.severity > Severity.LOW and f.location
               and f.location.line in guarded.get(f.location.path, set())]
    if not flagged or not project.root:
        return out
    starts = _start_texts(project.root)
    lowered: set[int] = set()
    for f in flagged:
        assert f.location is not None
        folder = os.path.dirname(os.path.abspath(os.path.join(project.root, f.location.path)))
        near = [t for d, t in starts if folder == d or folder.startswith(d.rstrip(os.sep) + os.sep)]
        texts = near or [t for _, t in starts]
        stem = re.escape(f.location.path.rsplit("/", 1)[-1])
        scripted = re.compile(rf"\bpython[\d.]*\b[^\n]*?(?:^|[\s/\"']){stem}\b", re.MULTILINE)
        if any(_IMPORTING_SERVERS.search(t) for t in texts) and not any(scripted.search(t) for t in texts):
            lowered.add(id(f))
    return [replace(f, severity=Severity.LOW, message=f"{f.message} (only when the module runs as a script; the "
                    "repository's start files serve it through a server that imports it)") if id(f) in lowered else f
            for f in out]


_TEST_CLASS = re.compile(r"^Test(?:ing)?(?:[A-Z_]\w*)?Config(?:uration)?$|^Testing[A-Z_]?\w*$")


def _lower_test_code(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """Findings in test modules and testing configuration classes, lowered when an app is served outside them."""
    if not any(not is_test_code(a.path) for a in project.facts.get("apps", [])):
        return out
    sources = {m.path: m for m in project.modules}
    lowered: list[Finding] = []
    for f in out:
        loc = f.location
        if loc is not None and f.severity > Severity.LOW:
            why = ""
            if is_test_code(loc.path):
                why = "test code, not the served application"
            elif loc.path in sources:
                cls = _enclosing_class(sources[loc.path].lines, loc.line)
                if cls and _TEST_CLASS.match(cls):
                    why = f"class {cls} configures the tests, not the served application"
            if why:
                f = replace(f, severity=Severity.LOW, message=f"{f.message} ({why})")
        lowered.append(f)
    return lowered


_SECRET_RULES = frozenset({"AS601", "AS602", "AS603"})
_CLASS = re.compile(r"^class\s+(\w+)")


def _enclosing_class(lines: list[str], line: int) -> str:
    """The top-level class whose body holds ``line`` (1-based), or ``""`` (text only: no tree is needed)."""
    if not 0 < line <= len(lines) or not lines[line - 1][:1].isspace():
        return ""
    for text in reversed(lines[: line - 1]):
        if text[:1].strip() and not text.lstrip().startswith(("#", ")", "]", "}", '"', "'")):
            match = _CLASS.match(text)
            return match.group(1) if match else ""
    return ""


def _lower_unloaded_config(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """Secrets in configuration classes that no other line of the project names, lowered."""
    sources = {m.path: m for m in project.modules}
    unused: dict[tuple[str, str], bool] = {}
    lowered: list[Finding] = []
    for f in out:
        module = sources.get(f.location.path) if f.location is not None else None
        if f.rule_id not in _SECRET_RULES or f.severity <= Severity.LOW or module is None or f.location is None:
            lowered.append(f)
            continue
        cls = _enclosing_class(module.lines, f.location.line)
        if cls and (f.location.path, cls) not in unused:
            word = re.compile(rf"\b{cls}\b")
            unused[(f.location.path, cls)] = not any(
                word.search(text) and not (m is module and _CLASS.match(text))
                for m in project.modules if cls in m.source for text in m.lines)
        if cls and unused[(f.location.path, cls)]:
            f = replace(f, severity=Severity.LOW, message=f"{f.message} (class {cls} is never loaded)")
        lowered.append(f)
    return lowered


#: settings a framework or extension reads by name from the app's configuration, never written in the code
_IMPLICIT_KEYS = {"SECRET_KEY": "", "JWT_SECRET_KEY": "flask_jwt_extended", "JWT_PRIVATE_KEY": "flask_jwt_extended",
                  "SECURITY_PASSWORD_SALT": "flask_security", "WTF_CSRF_SECRET_KEY": "flask_wtf"}
_UNREAD_RULES = frozenset({"AS601", "AS602", "AS605"})  # keys; a password names an account whoever reads it
_ASSIGNED = re.compile(r"^\s*(\w+)\s*(?::[^=]+)?=(?!=)")
#: a credential for another service (a cloud, a payment or mail provider, an API): leaked whether or not it is read
_OTHER_SERVICE = re.compile(r"(?i)aws|google|gcp|azure|stripe|paypal|github|gitlab|twilio|sendgrid|mailgun|slack|"
                            r"recaptcha|openai|facebook|twitter|api_?key|access_?key|client_?secret|password")


def _assigned(text: str) -> str:
    match = _ASSIGNED.match(text)
    return match.group(1) if match else ""


#: what makes a framework sign with ``SECRET_KEY`` on its own: Django always; Flask or Quart when the app keeps
#: something in the signed session cookie (``session``, ``flash``, Flask-Login's user loader) or an extension signs
#: with the key (CSRF tokens, OAuth state, server-side sessions)
_SIGNS_WITH_SECRET_KEY = re.compile(
    r"^\s*(?:from|import)\s+django\b|\bINSTALLED_APPS\b|\bDJANGO_SETTINGS_MODULE\b"
    r"|\bfrom\s+(?:flask|quart)\s+import\s+(?:\([^)]*\bsession\b[^)]*\)|[^\n(]*\bsession\b)"
    r"|\b(?:flask|quart)\.session\b|\bflash\s*\(|\buser_loader\b|\blogin_user\s*\("
    r"|\b(?:flask_wtf|flask_session|flask_security|flask_dance|flask_oauthlib|flask_socketio|flask_admin|"
    r"flask_kvsession|flask_principal)\b|\bauthlib\.integrations\.flask_client\b|\bFlaskForm\b|\bCSRFProtect\b",
    re.MULTILINE)


def _secret_key_signs(imported: str) -> bool:
    """Whether a framework or extension of the project signs something it later trusts with ``SECRET_KEY`` without the
    code naming the key: a Flask app that stores nothing in its session and loads no extension that signs (its
    tokens signed by ``JWT_SECRET_KEY``, users known from the front end's ``REMOTE_USER``) never uses it.
    flask-jwt-extended falls back to ``SECRET_KEY`` only when ``JWT_SECRET_KEY`` is not configured."""
    if _SIGNS_WITH_SECRET_KEY.search(imported):
        return True
    return "flask_jwt_extended" in imported and not re.search(r"\bJWT_(?:SECRET|PRIVATE)_KEY\b", imported)


def _lower_unread_secrets(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """A hard-coded secret assigned to a name that nothing reads: no line of the project's code uses the name other
    than to assign it or test whether it is set, and no framework or extension the project imports reads it from
    the configuration by that name. It signs and protects nothing; the finding stays, low."""
    sources = {m.path: m for m in project.modules}
    modules = [m for m in project.modules if not is_test_code(m.path)]
    imported = "\n".join(m.source for m in modules if "import" in m.source)
    signs = _secret_key_signs("\n".join(m.source for m in modules))
    lowered: list[Finding] = []
    for f in out:
        module = sources.get(f.location.path) if f.location is not None else None
        name = _assigned(module.lines[f.location.line - 1]) if (
            module is not None and f.location is not None and 0 < f.location.line <= len(module.lines)
            and f.rule_id in _UNREAD_RULES and f.severity > Severity.LOW) else ""
        if _OTHER_SERVICE.search(name):
            name = ""
        implicit = name in _IMPLICIT_KEYS and (signs if name == "SECRET_KEY"
                                               else _IMPLICIT_KEYS[name] in imported)
        if name and not implicit:
            word = re.compile(rf"\b{re.escape(name)}\b")
            guard = re.compile(rf"^\s*(?:el)?if\s+(?:not\s+)?{re.escape(name)}\s*:")
            read = any(word.search(text) and not guard.match(text) and _assigned(text) != name
                       for m in modules if name in m.source for text in m.lines)
            if not read:
                f = replace(f, severity=Severity.LOW, message=f"{f.message} (nothing reads {name})")
        lowered.append(f)
    return lowered


_WEB_IMPORT = re.compile(r"^\s*(from|import)\s+(flask|fastapi|starlette|bottle|cherrypy|aiohttp|django|tornado|"
                         r"pyramid|falcon|sanic|quart|connexion|litestar|werkzeug)\b")


def _is_web_module(module: ModuleContext) -> bool:
    if module.facts.get("routes") or module.facts.get("handlers"):
        return True
    return any(_WEB_IMPORT.match(text) for text in module.lines)


def _lower_unreached_sinks(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """Sink-only findings in functions that no web module reaches by name, lowered."""
    if not any(f.extra.get("taint") == "sink-only" and f.severity > Severity.LOW for f in out):
        return out
    web = [m for m in project.modules if not is_test_code(m.path) and _is_web_module(m)]
    if not web:
        return out  # no entry point is known: every function may serve a request
    others = [m for m in project.modules if m not in web and not is_test_code(m.path)]
    spans = {m.path: function_spans(m.lines) for m in others}
    reached_text = [text for m in web for text in m.lines]
    words = set(re.findall(r"\w+", "\n".join(reached_text)))
    reached: set[tuple[str, int]] = set()
    grew = True
    while grew:  # functions named by reached code are reached; their bodies name more
        grew = False
        for m in others:
            for name, lo, hi in spans[m.path]:
                if (m.path, lo) not in reached and name in words:
                    reached.add((m.path, lo))
                    words.update(re.findall(r"\w+", "\n".join(m.lines[lo:hi])))
                    grew = True
    lowered: list[Finding] = []
    for f in out:
        loc = f.location
        if (f.extra.get("taint") == "sink-only" and f.severity > Severity.LOW and loc is not None
                and loc.path in spans):
            inside = [(lo, name) for name, lo, hi in spans[loc.path] if lo <= loc.line <= hi]
            if inside and not any((loc.path, lo) in reached for lo, _ in inside):
                f = replace(f, severity=Severity.LOW,
                            message=f"{f.message} (no route reaches {max(inside)[1]}() and no request value was seen)")
        lowered.append(f)
    return lowered


def _static_or_class_method(lines: list[str], lo: int) -> bool:
    """A static or class method: only code can call it (no framework routes to one, and no dispatch by name of a
    module's functions reaches it); module-level functions may be served by name (``getattr(api, name)``)."""
    above = lines[lo - 2].strip() if lo > 1 else ""
    return above in {"@staticmethod", "@classmethod"} and not (lo > 2 and lines[lo - 3].lstrip().startswith("@"))


def _lower_uncalledfunction_spans(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """Findings inside static and class methods whose name nothing else in the project mentions, lowered."""
    if not any(a.routes for a in project.facts.get("apps", [])):
        return out  # no served app: a library or a snippet, whose functions are there to be called by others
    paths = {f.location.path for f in out if f.severity > Severity.LOW and f.location is not None}
    modules = [m for m in project.modules if not is_test_code(m.path)]
    candidates: dict[str, list[tuple[str, int, int]]] = {}
    for m in modules:
        if m.path in paths:
            candidates[m.path] = [(name, lo, hi) for name, lo, hi in function_spans(m.lines)
                                if _static_or_class_method(m.lines, lo)]
    names = {name for spans in candidates.values() for name, _, _ in spans}
    if not names:
        return out
    counts = {name: 0 for name in names}
    for m in modules:
        if any(n in m.source for n in names):
            for word in re.findall(r"\w+", m.source):
                if word in counts:
                    counts[word] += 1
    lowered: list[Finding] = []
    for f in out:
        loc = f.location
        if f.severity > Severity.LOW and loc is not None and loc.path in candidates:
            inside = [name for name, lo, hi in candidates[loc.path] if lo <= loc.line <= hi and counts[name] <= 1]
            if inside:
                f = replace(f, severity=Severity.LOW,
                            message=f"{f.message} (nothing in the project calls {inside[0]}())")
        lowered.append(f)
    return lowered


#: a settings module named for development (``config/settings/development.py``, ``settings/develop.py``, Open edX's
#: ``settings/devstack.py``, and in a settings package ``settings/local.py`` or ``settings/dev.py``, the cookiecutter
#: layouts' developer settings)
_DEVELOPMENT_SETTINGS = re.compile(r"(?:^|/)(develop|development|devstack)\.py$|"
                                   r"(?:^|/)settings/(?:local|dev)\.py$")
#: what a deployment's own settings module would set differently: debug mode, a default secret key, CORS open to all
_DEVELOPMENT_RULES = frozenset({"AS301", "AS601", "AS602", "AS305", "AS306"})
#: a quoted dotted module name (``"config.settings.development"``)
_DOTTED = re.compile(r"""["']([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+)["']""")


def _lower_development_settings(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """AS301 (debug mode), AS601 (a secret key) and AS305/AS306 (CORS open to every origin) in a settings module
    named for development that nothing but ``manage.py`` (the developer's runner) or test code names as the settings
    to load
    (``"config.settings.development"``), lowered: a deployment selects its own module. Named by a served entry point
    (``wsgi.py``, an ``environment.py`` the WSGI file imports), they stay."""
    paths = {f.location.path for f in out if f.rule_id in _DEVELOPMENT_RULES and f.severity > Severity.LOW
             and f.location and _DEVELOPMENT_SETTINGS.search(f.location.path)}
    if not paths:
        return out
    named: set[str] = set()
    for module in project.modules:
        if is_test_code(module.path) or module.path.rsplit("/", 1)[-1] == "manage.py":
            continue
        for dotted in _DOTTED.findall(module.source):
            tail = dotted.replace(".", "/") + ".py"
            named.update(p for p in paths if p == tail or p.endswith("/" + tail))
    return [replace(f, severity=Severity.LOW, message=f"{f.message} (a development settings module no served entry "
                    "point selects)") if f.location and f.location.path in paths - named
            and f.rule_id in _DEVELOPMENT_RULES and f.severity > Severity.LOW else f for f in out]


#: django-cors-headers' allow-all switch, as the CORS rules name it in their message
_CORS_SWITCH = re.compile(r"^(CORS_ALLOW_ALL_ORIGINS|CORS_ORIGIN_ALLOW_ALL) = True")


def _lower_cors_turned_off_elsewhere(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """AS305/AS306 on django-cors-headers' allow-all switch where another settings module of the project sets the same
    switch to ``False`` (``production.py`` importing the base settings and turning it off): the base is the developers'
    default, and the deployment's module chooses; it stays, low, naming that module."""
    flagged = {m.group(1) for f in out if f.rule_id in ("AS305", "AS306") and f.severity > Severity.LOW
               and (m := _CORS_SWITCH.match(f.message))}
    if not flagged:
        return out
    off: dict[str, str] = {}
    for module in project.modules:
        if is_test_code(module.path):
            continue
        for name in flagged:
            if re.search(rf"(?m)^{name}\s*=\s*False\b", module.source):
                off.setdefault(name, module.path)
    lowered = []
    for f in out:
        m = _CORS_SWITCH.match(f.message) if f.rule_id in ("AS305", "AS306") else None
        where = off.get(m.group(1)) if m else None
        if where and f.severity > Severity.LOW and f.location and f.location.path != where:
            f = replace(f, severity=Severity.LOW, message=f"{f.message} (set to False by {where})")
        lowered.append(f)
    return lowered


#: a read of CherryPy's session (``cherrypy.session['user']``, ``cherrypy.session.get(...)``)
_CHERRYPY_SESSION_READ = re.compile(r"cherrypy\.session\s*[\[.]|from cherrypy import[^\n]*\bsession\b")


def _lower_unused_sessions(out: list[Finding], project: ProjectContext) -> list[Finding]:
    """CherryPy's session cookie flags (AS503, AS504 left at their defaults) in a project whose code never reads the
    session: the cookie identifies a session that holds nothing; they stay, low."""
    flagged = [f for f in out if "CherryPy sessions are on" in f.message and f.severity > Severity.LOW]
    if not flagged or any(_CHERRYPY_SESSION_READ.search(m.source) for m in project.modules):
        return out
    return [replace(f, severity=Severity.LOW, message=f"{f.message} (no code reads the session)") if f in flagged
            else f for f in out]


def refine(findings: Iterable[Finding], project: ProjectContext) -> list[Finding]:
    out = _lower_unused_sessions(_lower_cors_turned_off_elsewhere(list(findings), project), project)
    out = _lower_development_settings(lower_development_routes(out, project), project)
    out = lower_proxy_closed(lower_role_guarded(out, project), project)
    out = lower_operator_only(lower_delegated_authorization(out, project), project)
    out = _lower_unloaded_config(_lower_test_code(_lower_examples(out, project), project), project)
    out = _lower_debug_in_scripts_never_run(_lower_file_copies(out, project), project)
    out = lower_sanitised_fields(lower_local_tools(_lower_unreached_sinks(out, project), project), project)
    out = lower_rendered_html(out, project)
    out = lower_raw_output_of_stateless_sites(lower_configured_markup(out, project), project)
    out = _lower_unread_secrets(_lower_uncalledfunction_spans(out, project), project)
    names = {str(f.extra["cookie"]) for f in out if f.rule_id in _COOKIE_RULES and f.extra.get("cookie")}
    if not names:
        return out
    unread = names - _cookies_read(project, names)
    if not unread:
        return out
    return [
        replace(f, severity=Severity.LOW, message=f"{f.message} (the server never reads this cookie back)")
        if f.rule_id in _COOKIE_RULES and f.extra.get("cookie") in unread and f.severity > Severity.LOW
        else f
        for f in out
    ]


__all__ = ["refine"]
