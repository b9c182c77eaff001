"""The one table of web frameworks the auditor knows: how to recognise each, and its request sources and sinks.

Adding a framework (or a function of one) is one entry here; the module scanner (:mod:`.scan`), the engine's
model order, the rules' framework pick and the taint catalogue (:mod:`apishield.audit.taint.catalogue`) read it.
Names are fully qualified as an import resolves them (``from flask import redirect`` -> ``flask.redirect``).
"""

from __future__ import annotations

from dataclasses import dataclass

Sink = tuple[str, int, str]  # (qualified name, argument index, keyword name)


@dataclass(frozen=True, slots=True)
class Framework:
    name: str
    roots: tuple[str, ...]  # top-level packages whose import marks a module as this framework's
    #: for a framework without a route model: the packages whose import marks a module as its (so its handlers'
    #: answers are read by its rules, not as Flask's or an unknown framework's text/html strings)
    imports: tuple[str, ...] = ()
    decorator_routes: bool = True  # routes are declared by decorators in the code (not in an API spec file)
    html_by_default: bool = False  # a string returned by a handler is sent as text/html
    request_objects: tuple[str, ...] = ()  # module-level request proxies (``flask.request``)
    redirects: tuple[Sink, ...] = ()
    file_senders: tuple[Sink, ...] = ()  # send a file named by the argument
    template_sources: tuple[Sink, ...] = ()  # compile a template from the argument's text
    html_responses: tuple[str, ...] = ()  # response classes/functions whose body is HTML unless told otherwise
    #: response classes whose body is never HTML: JSON, or a file streamed under its own content type
    json_responses: tuple[str, ...] = ()
    escapes: tuple[str, ...] = ()  # HTML escaping functions
    safe_joins: tuple[str, ...] = ()  # join a base directory and a user part, refusing to leave the base
    no_data: tuple[str, ...] = ()  # calls whose result carries no request data (``url_for``)
    aborts: tuple[str, ...] = ()  # calls that end the handler with an error response
    renders: tuple[str, ...] = ()  # render a named template file with keyword variables
    context_renders: tuple[str, ...] = ()  # render a named template file with a context mapping (after a request)
    sessions: tuple[str, ...] = ()  # the server-side session mapping (what is stored there is trusted later)
    request_attrs: tuple[str, ...] = ()  # attributes of its request object that carry client data
    # views found outside decorator routes (Django): the packages, view decorators, view base classes, URL functions
    view_packages: tuple[str, ...] = ()
    view_decorators: tuple[str, ...] = ()
    view_bases: tuple[str, ...] = ()
    url_functions: tuple[str, ...] = ()


FRAMEWORKS: tuple[Framework, ...] = (
    Framework(
        "flask",
        roots=("flask", "flask_restx", "flask_restful", "flask_smorest"),
        html_by_default=True,
        request_objects=("flask.request", "werkzeug.request"),
        redirects=(("flask.redirect", 0, "location"), ("werkzeug.utils.redirect", 0, "location")),
        file_senders=(("flask.send_file", 0, "path_or_file"), ("flask.send_from_directory", 0, "directory")),
        template_sources=(("flask.render_template_string", 0, "source"),),
        html_responses=("flask.make_response", "flask.Response", "werkzeug.Response", "werkzeug.wrappers.Response"),
        json_responses=("flask.jsonify",),
        escapes=("flask.escape", "werkzeug.utils.escape"),
        safe_joins=("werkzeug.utils.safe_join", "werkzeug.security.safe_join", "flask.safe_join"),
        no_data=("flask.url_for",),
        aborts=("flask.abort",),
        renders=("flask.render_template",),
        sessions=("flask.session",),
    ),
    Framework(
        "bottle",
        roots=("bottle",),
        html_by_default=True,
        request_objects=("bottle.request",),
        redirects=(("bottle.redirect", 0, "url"),),
        file_senders=(("bottle.static_file", 1, "root"),),
        template_sources=(("bottle.template", 0, "tpl"), ("bottle.SimpleTemplate", 0, "source")),
        html_responses=("bottle.HTTPResponse", "bottle.Response"),
        no_data=("bottle.url",),
        aborts=("bottle.abort",),
    ),
    Framework(
        # Django Ninja is read as FastAPI: typed handler parameters, routers, JSON answers; ``auth=`` as a dependency
        "fastapi",
        roots=("fastapi", "starlette", "ninja"),
        redirects=(
            ("starlette.responses.RedirectResponse", 0, "url"),
            ("fastapi.responses.RedirectResponse", 0, "url"),
        ),
        file_senders=(("starlette.responses.FileResponse", 0, "path"), ("fastapi.responses.FileResponse", 0, "path")),
        html_responses=("starlette.responses.HTMLResponse", "fastapi.responses.HTMLResponse"),
        json_responses=(
            "starlette.responses.JSONResponse",
            "fastapi.responses.JSONResponse",
            "starlette.responses.PlainTextResponse",
            "fastapi.responses.PlainTextResponse",
        ),
    ),
    Framework(
        "cherrypy",
        roots=("cherrypy",),
        html_by_default=True,
        request_objects=("cherrypy.request",),
        redirects=(("cherrypy.HTTPRedirect", 0, "urls"),),
        sessions=("cherrypy.session",),
    ),
    Framework("connexion", roots=("connexion",), decorator_routes=False, html_by_default=True,
              json_responses=("connexion.problem", "connexion.problem.problem")),
    Framework(
        # routes read by the generic decorator model (:mod:`.aiohttp` adds its middlewares); its responses count
        "aiohttp",
        roots=(),
        redirects=(("aiohttp.web.HTTPFound", 0, "location"), ("aiohttp.web.HTTPSeeOther", 0, "location"),
                   ("aiohttp.web.HTTPTemporaryRedirect", 0, "location")),
        file_senders=(("aiohttp.web.FileResponse", 0, "path"),),
        json_responses=("aiohttp.web.json_response",),
    ),
    Framework(
        # not modelled for routes: a handler's return value is serialised by its media type, JSON unless the
        # route says otherwise (``media_type=MediaType.HTML``, a ``Template``); only explicit HTML counts
        "litestar",
        roots=(),
        imports=("litestar", "starlite"),
        redirects=(("litestar.response.Redirect", 0, "path"), ("litestar.response.redirect.Redirect", 0, "path")),
        file_senders=(("litestar.response.File", 0, "path"), ("litestar.response.file.File", 0, "path")),
    ),
    Framework(
        # not modelled for routes: its ``RequestHandler`` methods are request handlers for the taint analysis only
        # (``apishield.audit.taint.catalogue.TORNADO_HANDLER_BASES``); its template compiler is a sink in any module
        "tornado",
        roots=(),
        template_sources=(("tornado.template.Template", 0, "template_string"),),
        escapes=("tornado.escape.xhtml_escape",),
    ),
    Framework(
        # not modelled for routes (no inventory, no authentication or ownership rules): its views are request
        # handlers for the taint analysis only (:mod:`.django`); its sinks and responses count in any module
        "django",
        roots=(),
        request_attrs=("GET", "POST", "COOKIES", "META", "FILES", "body", "headers", "data", "query_params"),
        view_packages=("django", "rest_framework"),
        view_decorators=("api_view", "csrf_exempt", "login_required", "require_http_methods", "require_POST",
                         "require_GET", "require_safe", "permission_required", "user_passes_test",
                         "staff_member_required", "ensure_csrf_cookie", "csrf_protect", "never_cache",
                         "permission_classes", "authentication_classes", "throttle_classes", "parser_classes"),
        view_bases=("View", "TemplateView", "RedirectView", "FormView", "CreateView", "UpdateView", "DeleteView",
                    "ListView", "DetailView", "APIView", "GenericAPIView", "ListAPIView", "CreateAPIView",
                    "RetrieveAPIView", "UpdateAPIView", "DestroyAPIView", "ListCreateAPIView",
                    "RetrieveUpdateAPIView", "RetrieveDestroyAPIView", "RetrieveUpdateDestroyAPIView", "ViewSet",
                    "GenericViewSet", "ModelViewSet", "ReadOnlyModelViewSet"),
        url_functions=("django.urls.path", "django.urls.re_path", "django.conf.urls.url", "django.conf.urls.re_path",
                       "django.urls.conf.path", "django.urls.conf.re_path"),
        # the response classes under the package that re-exports them and the module that defines them
        redirects=(("django.shortcuts.redirect", 0, "to"),
                   *((f"django.http{module}.{cls}", 0, "redirect_to") for module in ("", ".response")
                     for cls in ("HttpResponseRedirect", "HttpResponsePermanentRedirect"))),
        template_sources=(("django.template.Template", 0, "template_string"),),
        html_responses=("django.http.HttpResponse", "django.http.response.HttpResponse"),
        json_responses=("django.http.JsonResponse", "django.http.response.JsonResponse",
                        "django.http.FileResponse", "django.http.response.FileResponse",
                        "rest_framework.response.Response"),
        escapes=("django.utils.html.escape", "django.utils.html.conditional_escape"),
        context_renders=("django.shortcuts.render", "django.shortcuts.render_to_response",
                         "django.template.loader.render_to_string", "django.template.response.TemplateResponse",
                         "django.template.response.SimpleTemplateResponse"),
    ),
)

#: frameworks with a route model, in the order the engine runs the models
MODELLED: tuple[str, ...] = tuple(f.name for f in FRAMEWORKS if f.roots)
#: modelled frameworks whose routes are decorators in the code
DECORATOR_ROUTES: frozenset[str] = frozenset(f.name for f in FRAMEWORKS if f.roots and f.decorator_routes)
#: top-level import -> framework name
ROOTS: dict[str, str] = {root: f.name for f in FRAMEWORKS for root in f.roots}
#: top-level import -> framework name, for frameworks without a route model that are known by their import
IMPORTED: dict[str, str] = {root: f.name for f in FRAMEWORKS for root in f.imports}
#: frameworks whose handlers answer text/html when they return a string
HTML_BY_DEFAULT: frozenset[str] = frozenset(f.name for f in FRAMEWORKS if f.html_by_default)


def every(field: str) -> tuple[str, ...]:
    """One column of the table over all frameworks (``every("escapes")``)."""
    return tuple(item for f in FRAMEWORKS for item in getattr(f, field))


def every_sink(field: str) -> dict[str, tuple[int, str]]:
    """A sink column as ``qualified name -> (argument index, keyword)``."""
    return {name: (index, keyword) for f in FRAMEWORKS for name, index, keyword in getattr(f, field)}


__all__ = ["DECORATOR_ROUTES", "FRAMEWORKS", "HTML_BY_DEFAULT", "IMPORTED", "MODELLED", "ROOTS", "Framework", "every",
           "every_sink"]
