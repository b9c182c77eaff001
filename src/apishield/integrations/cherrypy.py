"""CherryPy Tool: ``tools.apishield.on`` in config, or the decorators.

    shield = Shield(jwt_secret_env="APISHIELD_JWT_SECRET")
    shield.install()                               # registers cherrypy.tools.apishield

    class Tasks:
        @cherrypy.expose
        @shield.require("tasks:read")
        def index(self): ...

        @cherrypy.expose
        @cherrypy.tools.apishield(public=True)      # native tool-decorator form
        def health(self): ...

    cherrypy.quickstart(Tasks(), "/", shield.app_config())   # tools.apishield.on for "/"

Works with the default dispatcher and ``MethodDispatcher`` (decorate the ``GET``/``POST`` methods or the
resource class). Tool arguments (``public``, ``scopes``, ``roles``, ``limits``, ``csrf_exempt``) can also be
set per path in config; those sections are matched the way the dispatcher finds handlers (it maps
punctuation in a path segment to ``_``, so ``/user-admin`` and ``/user.admin`` reach ``user_admin`` and get
the ``/user_admin`` section too). The principal is ``cherrypy.request.principal``. Errors become problem+json and
tracebacks are never shown.
"""

from __future__ import annotations

import inspect
import io
import json
import logging
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

import cherrypy

from apishield.errors import ConfigError
from apishield.integrations._common import apply_headers, view_from_environ
from apishield.request import CaseInsensitiveHeaders, RequestView
from apishield.shield import PUBLIC, CompiledRoute, Outcome, RouteSettings, settings_of
from apishield.shield.frontend import ShieldFrontend

log = logging.getLogger("apishield")

TOOL_NAME = "apishield"
_HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
#: the tool's arguments (``tools.apishield.<name>`` in the config), in the order the hook takes them
_TOOL_ARGS = ("public", "scopes", "roles", "limits", "csrf_exempt")


class Shield(ShieldFrontend):
    """The CherryPy adapter: a core :class:`apishield.shield.Shield` run by the ``apishield`` tool."""

    def __init__(self, config: Any = None, **settings: Any) -> None:
        super().__init__(config, **settings)
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._section_cache: dict[int, tuple[tuple[int, int], dict[str, RouteSettings]]] = {}
        self._listed = False
        self.tool = cherrypy.Tool("before_handler", self._hook, name=TOOL_NAME, priority=20)

    def install(self) -> cherrypy.Tool:
        """Register the tool as ``cherrypy.tools.apishield`` and return it; the mounted apps' config is
        checked when the engine starts (:func:`check_config`)."""
        cherrypy.tools.apishield = self.tool
        if not getattr(self, "_subscribed", False):
            self._subscribed = True
            cherrypy.engine.subscribe("start", _check_tree, priority=40)
        return self.tool

    def app_config(self, extra: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
        """Application config turning the shield on for every path, with problem+json error pages."""
        root: dict[str, Any] = {
            f"tools.{TOOL_NAME}.on": True,
            "error_page.default": self._error_page,
            "request.error_response": self._unhandled,
            "request.show_tracebacks": False,
            "request.show_mismatched_params": False,
        }
        conf: dict[str, dict[str, Any]] = {"/": root}
        for path, section in (extra or {}).items():
            conf[path] = {**conf.get(path, {}), **dict(section)}
        return conf

    # --- the tool -------------------------------------------------------------------------------
    def _hook(
        self,
        public: bool | None = None,
        scopes: Any = None,
        roles: Any = None,
        limits: Any = None,
        csrf_exempt: bool | None = None,
    ) -> None:
        request = cherrypy.serving.request
        if not self._listed:
            self._list_routes(request.app)
        core = self.core
        environ = getattr(request, "wsgi_environ", None)
        core.note_server(environ.get("SERVER_SOFTWARE") if environ else None)
        compiled = self._compiled(request, (public, scopes, roles, limits, csrf_exempt))
        view = self._view(request, environ)
        if core.needs_body(compiled, view):
            view.body = _request_body(request)
        outcome = core.process(view, compiled)
        if not outcome.allowed:
            self.respond(outcome, request)
            return
        request.principal = outcome.principal
        request.hooks.attach("before_finalize", _add_headers, headers=outcome.headers)

    # --- the resolve/respond protocol -------------------------------------------------------------
    def resolve(self, request: Any) -> tuple[CompiledRoute, RequestView]:
        """The compiled route for the handler CherryPy dispatched ``request`` to (with the tool arguments its
        config gives this path) and the request view; the tool's hook does the same with its arguments."""
        conf = request.toolmaps.get("tools", {}).get(TOOL_NAME, {})
        args = tuple(conf.get(name) for name in _TOOL_ARGS)
        return self._compiled(request, args), self._view(request, getattr(request, "wsgi_environ", None))

    def respond(self, outcome: Outcome, request: Any) -> None:
        """A refusal as CherryPy's answer: the handler is not called."""
        _terminal(request, cherrypy.serving.response, outcome)

    def _compiled(self, request: Any, tool_args: tuple[Any, ...]) -> CompiledRoute:
        core = self.core
        public, scopes, roles, limits, csrf_exempt = tool_args
        handler = request.handler
        while handler is not None and not hasattr(handler, "callable") and hasattr(handler, "oldhandler"):
            handler = handler.oldhandler  # a tool that wrapped the handler (``encode``, ``gzip``): the one inside
        target = getattr(handler, "callable", None)
        method = request.method
        if isinstance(handler, cherrypy.NotFound) or handler is None:
            target = None
        path_key = request.path_info if core.routes else None
        key_args = (public, _key(scopes), _key(roles), _key(limits), csrf_exempt)
        sections, by_path = self._path_settings(request) if target is not None else ((), None)
        key = (getattr(target, "__func__", target), method, key_args, path_key, sections, id(request.app), id(core))
        compiled: CompiledRoute | None = self._cache.get(key) if target is not None else None
        if compiled is None:
            if target is None:
                settings = PUBLIC  # unknown path: let CherryPy answer 404 (headers and limits still apply)
            else:
                tool_settings = RouteSettings.from_mapping(
                    {k: v for k, v in zip(_TOOL_ARGS, tool_args, strict=True) if v is not None},
                    f"cherrypy tool config for {request.path_info}",
                )
                declared = tool_settings.merged(by_path).merged(_target_settings(target))
                settings = self.settings_for(method, request.path_info, declared)
            compiled = core.compile(settings)
            if target is not None and len(self._cache) < 10_000:
                self._cache[key] = compiled
        return compiled

    def _path_settings(self, request: Any) -> tuple[tuple[str, ...], RouteSettings | None]:
        """Tool arguments from the app's path sections, matched segment by segment after the dispatcher's
        translation (CherryPy itself matches sections by the raw segments, so ``/user-admin`` would miss
        the ``/user_admin`` section while reaching its handler). Returns the matched section keys too."""
        app = request.app
        table = getattr(request.dispatch, "translate", None)
        if app is None or table is None:
            return (), None
        sections = self._sections(app.config, table)
        if not sections:
            return (), None
        return _section_settings(sections, request.path_info, table)

    def _sections(self, config: Mapping[str, Any], table: Any) -> dict[str, RouteSettings]:
        """The config's sections with apishield tool arguments, keyed by their translated path (cached)."""
        marker = (id(config), len(config))
        hit = self._section_cache.get(id(config))
        if hit is not None and hit[0] == marker:
            return hit[1]
        sections: dict[str, RouteSettings] = {}
        prefix = f"tools.{TOOL_NAME}."
        for path, section in config.items():
            if not isinstance(path, str) or not path.startswith("/") or not isinstance(section, Mapping):
                continue
            args = {k[len(prefix) :]: v for k, v in section.items() if k.startswith(prefix) and k != prefix + "on"}
            if args:
                key = "/" + "/".join(seg.translate(table) for seg in path.split("/") if seg)
                sections[key] = RouteSettings.from_mapping(args, f"cherrypy config [{path}]")
        self._section_cache[id(config)] = (marker, sections)
        return sections

    def _view(self, request: Any, environ: Mapping[str, Any] | None) -> RequestView:
        route = request.path_info
        if environ is not None:
            return view_from_environ(self.core, environ, route=route)
        return self.core.request_view(
            request.method,
            request.path_info,
            CaseInsensitiveHeaders(list(request.headers.items())),
            peer=request.remote.ip or "0.0.0.0",  # noqa: S104 - unknown peer marker
            scheme=request.scheme,
            query_string=request.query_string,
            route=route,
        )

    # --- errors ---------------------------------------------------------------------------------
    def _error_page(self, status: str = "500", message: str = "", traceback: str = "", version: str = "") -> bytes:
        """``error_page.default``: problem+json, never the traceback CherryPy offers."""
        try:
            code = int(str(status).split()[0])
        except ValueError:
            code = 500
        outcome = self.core.error_outcome(None, code)
        headers = cherrypy.serving.response.headers
        for name, value in outcome.headers:
            headers[name] = value
        return outcome.body

    def _unhandled(self) -> None:
        """``request.error_response``: an unhandled exception becomes a bare 500 problem."""
        request = cherrypy.serving.request
        log.error("apishield: unhandled error in %s %s", request.method, request.path_info)
        outcome = self.core.error_outcome(self._view(request, getattr(request, "wsgi_environ", None)), 500)
        response = cherrypy.serving.response
        response.status = 500
        response.headers.clear()
        for name, value in outcome.headers:
            response.headers[name] = value
        response.body = outcome.body

    # --- route listing --------------------------------------------------------------------------
    def routes_of(
        self, root: Any, prefix: str = "", config: Mapping[str, Any] | None = None
    ) -> list[tuple[str, str, RouteSettings]]:
        """(method, path, settings) for the exposed handlers under ``root`` (no dispatch is run).

        ``config`` is the application's config: its path sections count the way the dispatcher matches
        them. A handler of the default dispatcher answers every method: method ``*`` (one row per method
        when the config gives methods different settings). Positional arguments taken by ``popargs`` show
        as ``{name}``; a ``default`` handler and a custom ``_cp_dispatch`` show as ``/*`` with the settings
        of the node (the handler that ``_cp_dispatch`` returns at run time may add requirements of its own).
        """
        base = prefix or ""
        table = _dispatch_table(config)
        sections = self._sections(config, table) if config else {}
        out = []
        for method, path, target, tool_conf in _walk(root, base, set()):
            declared = RouteSettings.from_mapping(tool_conf, path)
            if sections:
                declared = declared.merged(_section_settings(sections, path[len(base) :], table)[1])
            declared = declared.merged(_target_settings(target))
            if method != "*":
                out.append((method, path, self.settings_for(method, path, declared)))
                continue
            per_method = {m: self.settings_for(m, path, declared) for m in _HTTP_METHODS}
            if len(set(map(repr, per_method.values()))) == 1:
                out.append(("*", path, per_method["GET"]))
            else:
                out.extend((m, path, settings) for m, settings in per_method.items())
        return out

    def _list_routes(self, app: Any) -> None:
        self._listed = True
        if app is None or getattr(app, "root", None) is None:
            return
        self.log_routes(self.routes_of(app.root, app.script_name or "", app.config))
        try:
            check_config(app.config, app.script_name or "")
        except ConfigError as exc:  # served without the engine's start-up check (an outside WSGI server)
            log.error("%s", exc)


class _ReplayBody:
    """Stands in for CherryPy's body reader after the shield has read the body, so the handler can too."""

    def __init__(self, data: bytes) -> None:
        self._buf = io.BytesIO(data)

    def read(self, size: int | None = None, fp_out: Any = None) -> bytes | None:
        data = self._buf.read(-1 if size is None else size)
        if fp_out is None:
            return data
        fp_out.write(data)
        return None

    def readline(self, size: int | None = None) -> bytes:
        return self._buf.readline(-1 if size is None else size)

    def readlines(self, sizehint: int | None = None) -> list[bytes]:
        return self._buf.readlines()

    def finish(self) -> None:
        """CherryPy calls this at the end of the request."""


def _request_body(request: Any) -> bytes:
    """The request body for validation and CSRF form tokens, leaving it readable for the handler."""
    parsed = getattr(request, "json", None)
    if parsed is not None:  # the json_in tool consumed it already
        return json.dumps(parsed).encode()
    body = request.body
    if body is None:
        return b""
    ctype = str(request.headers.get("Content-Type", ""))
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return urllib.parse.urlencode(body.params or {}, doseq=True).encode()
    raw = body.read()
    data = raw if isinstance(raw, bytes) else b""
    body.fp = _ReplayBody(data)
    return data


_DEFAULT_TABLE = cherrypy.dispatch.Dispatcher().translate


def check_config(config: Mapping[str, Any], where: str = "") -> None:
    """Refuse ``tools.apishield.on`` set only for paths the dispatcher also reaches by other spellings.

    CherryPy decides which tools run from the sections matching the *raw* path, while its dispatcher maps
    punctuation in a segment to ``_``: with the tool on for ``/user_admin`` only, ``/user-admin`` reaches the
    same handler without the shield. Turn the tool on for ``/`` (``shield.app_config()`` does) instead.
    """
    key = f"tools.{TOOL_NAME}.on"
    root = config.get("/")
    if (isinstance(root, Mapping) and root.get(key)) or cherrypy.config.get(key):
        return
    for path, section in config.items():
        if isinstance(section, Mapping) and section.get(key) and isinstance(path, str) and "_" in path:
            raise ConfigError(
                f"apishield: {key} is set for [{where}{path}] only; CherryPy matches config sections by the raw "
                f"path, so other spellings of it ('-' or '.' for '_') skip the shield. Turn the tool on for '/' "
                f"(shield.app_config() does) and open routes with tools.{TOOL_NAME}.public"
            )


def _check_tree() -> None:
    """Engine start: check every mounted application's config (a refusal stops the start)."""
    for script_name, app in list(cherrypy.tree.apps.items()):
        check_config(getattr(app, "config", None) or {}, script_name)


def _dispatch_table(config: Mapping[str, Any] | None) -> Any:
    """The punctuation table of the dispatcher an app's config names (the default dispatcher's otherwise)."""
    root = (config or {}).get("/") or {}
    dispatcher = root.get("request.dispatch") if isinstance(root, Mapping) else None
    return getattr(dispatcher, "translate", None) or _DEFAULT_TABLE


def _section_settings(
    sections: Mapping[str, RouteSettings], path: str, table: Any
) -> tuple[tuple[str, ...], RouteSettings | None]:
    """The settings of every section on the way to ``path`` (outer to inner), after translation."""
    matched: list[str] = []
    merged: RouteSettings | None = None
    current = ""
    for segment in ["", *(seg.translate(table) for seg in path.split("/") if seg)]:
        current = f"{current}/{segment}" if segment else current
        found = sections.get(current or "/")
        if found is not None:
            matched.append(current or "/")
            merged = found if merged is None else merged.merged(found)
    return tuple(matched), merged


def _key(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    return value


def _target_settings(target: Any) -> RouteSettings | None:
    own = settings_of(target)
    owner = getattr(target, "__self__", None)
    if owner is not None:
        cls_settings = settings_of(type(owner))
        if cls_settings is not None:
            own = cls_settings if own is None else cls_settings.merged(own)
    return own


def _tool_conf(obj: Any) -> dict[str, Any]:
    conf = getattr(obj, "_cp_config", None) or {}
    prefix = f"tools.{TOOL_NAME}."
    return {k[len(prefix) :]: v for k, v in conf.items() if k.startswith(prefix) and k != prefix + "on"}


def _walk(
    obj: Any, path: str, seen: set[int], popped: bool = False
) -> Iterator[tuple[str, str, Any, dict[str, Any]]]:
    if id(obj) in seen:
        return
    seen.add(id(obj))
    base_conf = _tool_conf(obj)
    if (getattr(obj, "exposed", False) and not callable(obj)) or _is_method_resource(obj):
        for method in _HTTP_METHODS:
            fn = getattr(obj, method, None)
            if fn is not None and callable(fn):
                yield method, path or "/", fn, {**base_conf, **_tool_conf(fn)}
    for name in sorted(dir(obj)):
        if name.startswith("_") or name in _HTTP_METHODS:
            continue
        try:
            child = getattr(obj, name)
        except Exception:  # noqa: S112 - a property that fails is not a route
            continue
        child_path = f"{path}/{name}" if name not in ("index", "default") else (path or "/")
        if name == "default":
            child_path = f"{path}/*"
        is_handler = callable(child) and getattr(child, "exposed", False) and not isinstance(child, type)
        if is_handler and (hasattr(child, "__self__") or not hasattr(child, "GET")):
            yield "*", child_path, child, {**base_conf, **_tool_conf(child)}  # it answers every method
            continue
        if not callable(child) and (getattr(child, "exposed", False) or _has_exposed(child) or _dispatches(child)):
            yield from _walk(child, f"{path}/{name}", seen)
    dispatch = getattr(obj, "_cp_dispatch", None)
    if callable(dispatch) and not getattr(dispatch, "exposed", False) and not popped:
        names = _popargs_names(dispatch)
        if names is None:  # a custom dispatcher: what it returns is known only at run time
            yield "*", f"{path}/*", None, base_conf
        elif names:
            seen.discard(id(obj))  # the same handlers again, after the positional arguments
            yield from _walk(obj, path + "".join(f"/{{{n}}}" for n in names), seen, popped=True)


def _dispatches(obj: Any) -> bool:
    return callable(getattr(obj, "_cp_dispatch", None)) or getattr(getattr(obj, "default", None), "exposed", False)


def _popargs_names(dispatch: Any) -> tuple[str, ...] | None:
    """The argument names of a ``cherrypy.popargs`` dispatcher, or None for a custom ``_cp_dispatch``."""
    fn = getattr(dispatch, "__func__", dispatch)
    if getattr(fn, "__qualname__", "").startswith("popargs.") and getattr(fn, "__closure__", None):
        try:
            found = inspect.getclosurevars(fn).nonlocals.get("args")
        except (TypeError, ValueError):
            return None
        if isinstance(found, tuple) and all(isinstance(n, str) for n in found):
            return found
    return None


def _is_method_resource(obj: Any) -> bool:
    return bool(getattr(obj, "exposed", False)) and any(callable(getattr(obj, m, None)) for m in _HTTP_METHODS)


def _has_exposed(obj: Any) -> bool:
    if isinstance(obj, str | bytes | int | float | dict | list | tuple):
        return False
    return any(getattr(getattr(obj, n, None), "exposed", False) for n in dir(obj) if not n.startswith("_"))


def _terminal(request: Any, response: Any, outcome: Outcome) -> None:
    response.status = outcome.status
    for name, value in outcome.headers:
        response.headers[name] = value
    response.body = outcome.body
    request.handler = None


def _add_headers(headers: list[tuple[str, str]]) -> None:
    apply_headers(cherrypy.serving.response.headers, headers)


def principal() -> Any:
    """The principal the shield authenticated for the current CherryPy request."""
    return getattr(cherrypy.serving.request, "principal", None)


__all__ = ["TOOL_NAME", "Shield", "principal"]
