"""Calls in the taint analysis: request sources read through methods, sinks, sanitisers, containers, and the
project's own functions, applied through a summary of what each does with its parameters."""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import Any

from apishield.audit import astutil as au
from apishield.audit.taint.catalogue import (
    ABORTS,
    BINDS_VALUES,
    BODY_KEYWORDS,
    BUILDER_METHODS,
    CALL_SINKS,
    CONTEXT_RENDERS,
    DDL,
    ESCAPE_NAME,
    EXC_TEXT_CALLS,
    EXTERNAL_ENTITY_FEATURES,
    FILE_RESPONSES,
    HANDLER_SOURCE_ATTRS,
    HTML_RESPONSES,
    HTTP_CLIENT_METHODS,
    HTTP_CLIENTS,
    HTTP_ERROR_ANSWER,
    JSON_RESPONSES,
    KILL,
    LIBRARY_METHOD_SINKS,
    LOG_METHODS,
    LXML_UNSAFE,
    METACHARS,
    METHOD_SINKS,
    NOT_A_DATABASE,
    PATH_METHODS,
    PROVIDER_REDIRECT,
    PROVIDER_URL,
    RAW_VARS,
    RECEIVER_METHOD_SINKS,
    RENDERS,
    SAML_LIBRARIES,
    SAML_REDIRECTS,
    SANITISERS,
    SERIALISER,
    SERVER_MADE_PATHS,
    SERVICE_OBJECT,
    SETTING_READER,
    SHELLS,
    SOURCE_ATTRS,
    SQL_WORDS,
    STORE_LOOKUP,
    SUBPROCESS,
    TEMPLATE_MODULES,
    TEMPORARY_FILES,
    XML_PARSE_CALLS,
    YAML_OBJECTS,
    builds_statement,
    is_logger,
    leading_text,
    model_select_helper,
    server_set,
    yaml_object,
)
from apishield.audit.taint.modules import (
    names_of_args,
    raw_template_vars,
)
from apishield.audit.taint.project_calls import ProjectCalls
from apishield.audit.taint.rendering import TEMPLATE_LOADERS, inherited_view_answer, loaded_template, render_context
from apishield.audit.taint.url_targets import fixed_target
from apishield.audit.taint.values import (
    CLEAN,
    CODE_KEYS,
    EXC,
    MODEL_FORM_CLASS,
    MODEL_REDIRECTS,
    RECORD,
    RECORD_LOOKUPS,
    REQUEST,
    UNKNOWN,
    Returned,
    Val,
    const,
    elements,
    hashable,
    merge_parts,
    safe,
    sanitise,
    spread,
)


class Interpreter(ProjectCalls):
    """:class:`~apishield.audit.taint.interpreter.Evaluator` with calls: the interpreter the analysis runs."""

    def call(self, node: ast.Call) -> Val:
        func = node.func
        qual = self.info.qualify(func)
        short = qual.rsplit(".", 1)[-1] if qual else (func.attr if isinstance(func, ast.Attribute) else "")
        receiver: Val | None = None
        if isinstance(func, ast.Attribute):
            receiver = self.expr(func.value)
        args = [self.expr(a) for a in node.args]
        kwargs = {k.arg: self.expr(k.value) for k in node.keywords if k.arg is not None}
        splat = [self.expr(k.value) for k in node.keywords if k.arg is None]
        if qual not in EXC_TEXT_CALLS and short not in EXC_TEXT_CALLS and any(
                v.kind == "exception" for v in [*args, *kwargs.values()]):
            # an exception *object* handed to a function (``problem_response(exc)``) is rendered by it; only
            # text made from it (``str(e)``, ``e.args``, ``traceback.format_exc()``, formatting) reveals internals
            args = [_opaque_exception(v) for v in args]
            kwargs = {k: _opaque_exception(v) for k, v in kwargs.items()}
        all_args = [*args, *kwargs.values(), *splat]

        def arg(i: int, name: str) -> Val | None:
            if name in kwargs:
                return kwargs[name]
            return args[i] if i < len(args) else None

        # request sources via method calls: request.args.get(...), request.get_json(), await request.json()
        if receiver is not None and isinstance(func, ast.Attribute):
            if func.attr == "get" and args and server_set(func.value, args[0].const):
                return Val(lit=True)  # ``request.environ.get('REMOTE_USER')``: set by the server's authentication
            if receiver.kind == "request" and func.attr in SOURCE_ATTRS | {"json", "form", "body"}:
                return Val(taint=frozenset({REQUEST}))
            if receiver.kind == "request" and func.attr in {"get_json", "get_data", "get_cookie", "get_header"}:
                return Val(taint=frozenset({REQUEST}))
            if receiver.kind == "handler" and func.attr in HANDLER_SOURCE_ATTRS:  # Tornado's ``self.get_argument``
                return Val(taint=frozenset({REQUEST}))
            if receiver.items is not None and func.attr in {"get", "pop", "setdefault"} and args:
                return self.container_get(receiver, args, func.attr)
            if receiver.items is not None and func.attr == "set" and len(args) >= 3 and isinstance(
                    func.value, ast.Name):
                k0, k1 = args[0], args[1]
                if k0.is_const and k1.is_const and hashable((k0.const, k1.const)):
                    table = dict(receiver.items)
                    table[(k0.const, k1.const)] = args[2]
                    self.set(func.value.id, replace(receiver, items=tuple(table.items()),
                                                    taint=receiver.taint | args[2].taint))
                    return CLEAN
            if func.attr == "setFeature" and len(node.args) == 2 and isinstance(func.value, ast.Name) and (
                    args[1].const is True and (au.dotted(node.args[0]) or str(args[0].const)).endswith(
                        EXTERNAL_ENTITY_FEATURES)):
                self.set(func.value.id, replace(receiver, kind="xxe-parser"))
                return CLEAN
            if receiver.kind.startswith("yaml-") and func.attr in {"load", "load_all"}:
                if receiver.kind == "yaml-unsafe" and args:  # ruamel.yaml ``YAML(typ="unsafe")``: Python objects
                    self.hit("deser", node, args[0], f"{au.dotted(func.value)}.{func.attr}")
                return merge_parts(args[:1])
            if receiver.kind == "xxe-parser" and func.attr in {"parse", "feed"} and args:
                self.hit("xxe", node, args[0], f"{au.dotted(func.value)}.{func.attr}")
                return CLEAN
            if func.attr in {"get", "pop"} and self.is_session(func.value):
                return Val()  # what an earlier request stored: not proven safe (the client holds a cookie session)
            if func.attr in {"update", "setdefault"} and self.is_session(func.value):
                self.hit("trust", node, merge_parts(all_args), f"{au.dotted(func.value)}.{func.attr}")
                return CLEAN
            if func.attr in LOG_METHODS and (qual.startswith("logging.") or is_logger(func.value)):
                tainted = [a for a in all_args if a.taint]
                if tainted:
                    self.hit("log", node, merge_parts(tainted), f"{au.dotted(func.value)}.{func.attr}")
                return CLEAN
            if func.attr == "replace" and len(args) == 2 and isinstance(args[0].const, str) and isinstance(
                    args[1].const, str) and args[0].const and args[0].const not in args[1].const:
                # ``x.replace("'", "&apos;")``, ``x.replace("\n", "")``: the metacharacter is gone
                removed = args[0].const
                gone = {k for c, kinds in METACHARS.items() if removed == c or (c in "\r\n" and c in removed)
                        for k in kinds}
                if {"sep/", "sep\\"} <= gone | receiver.clean:
                    gone.add("path")  # both separators removed: the name stays in the directory it is joined to
                if gone:
                    return sanitise(merge_parts([receiver], formatted=True), gone)
            if func.attr == "write" and receiver.kind == "file":
                return CLEAN  # what is written into a file changes neither its name nor its path
            if func.attr in {"append", "add", "insert", "extend", "update", "appendleft", "set", "put",
                             "setdefault", "write"} and isinstance(func.value, (ast.Name, ast.Attribute)):
                return self.mutate(func.value, receiver, func.attr, args, kwargs)
            if func.attr == "pop" and receiver.seq is not None and isinstance(func.value, ast.Name):
                idx = args[0].const if args else -1
                if isinstance(idx, int) and -len(receiver.seq) <= idx < len(receiver.seq):
                    seq = list(receiver.seq)
                    got = seq.pop(idx)
                    self.set(func.value.id, Val(taint=frozenset().union(*(s.taint for s in seq)) if seq
                                                else frozenset(), seq=tuple(seq)))
                    return got
            if func.attr in {"resolve", "absolute", "realpath"} and receiver.kind in {"path", "resolved"}:
                return replace(receiver, kind="resolved")
            if func.attr == "save" and REQUEST in receiver.taint and args and not args[0].is_const:
                self.hit("path", node, args[0], f"{au.dotted(func.value)}.save")  # an upload saved where it says
                return CLEAN
            if receiver.kind in {"path", "resolved"} and func.attr in PATH_METHODS:
                self.hit("path", node, receiver, f"Path.{func.attr}")
                return Val(taint=receiver.taint, clean=receiver.clean)
            if receiver.kind == "file" and func.attr in {"read", "readline", "readlines", "read_text", "read_bytes"}:
                return Val()  # file contents: stored data, not the request
            if receiver.kind == "urlparse" and func.attr == "geturl":
                return replace(receiver, kind="")
            if func.attr == "format" and receiver.is_const and isinstance(receiver.const, str):
                if all(a.is_const for a in all_args):
                    got = safe(lambda: receiver.const.format(*[a.const for a in args],
                                                              **{k: v.const for k, v in kwargs.items()}))
                    if got is not UNKNOWN:
                        return const(got)
                parts = [receiver, *(e for a in all_args for e in spread(a))]
                return merge_parts(parts, formatted=True)
            if func.attr == "join" and receiver.is_const and args:
                joined = args[0]
                if joined.is_const:
                    got = safe(lambda: receiver.const.join(joined.const))
                    if got is not UNKNOWN:
                        return const(got)
                return merge_parts([joined, *elements(joined)], formatted=True)

        if qual in KILL or (short in {"int", "float", "bool", "len"} and not isinstance(func, ast.Attribute)):
            return Val(lit=True)  # a number, a hash, a boolean: cannot carry an injection
        # a SQLAlchemy statement started (``select(User)``, a model's ``Rule.select_related()``) or refined
        # (``table.insert().values(**row)``, ``.where(col == x)``, also on a statement held in a name: ``stmt =
        # stmt.where(col.ilike(pattern))``): every value is a bound parameter; raw SQL inside (``text(...)``) is a
        # sink of its own
        starts = (short in {"select", "insert", "update", "delete"} and qual.split(".")[0] in {"sqlalchemy", "sqlmodel"}
                  ) or model_select_helper(func)
        refines = isinstance(func, ast.Attribute) and func.attr in BUILDER_METHODS and (
            builds_statement(func.value) or (receiver is not None and receiver.kind == "statement"))
        if isinstance(func, ast.Attribute) and func.attr in SERVER_MADE_PATHS:
            return Val(lit=True)  # ``upload.temporary_file_path()``: where the server spooled an upload, its own name
        if isinstance(func, ast.Attribute) and func.attr in BINDS_VALUES and receiver is not None:
            return receiver  # ``text(sql).bindparams(x=value)``: the values are bound, the SQL is the receiver's
        if starts or refines:
            built = sanitise(merge_parts([*all_args, *([receiver] if refines and receiver else [])]), {"sql"})
            return replace(built, kind="statement")
        if (isinstance(func, ast.Attribute) and func.attr in {"split", "rsplit"} and receiver is not None and args
                and args[0].is_const and args[0].const == "."):
            # the pieces between dots (``name.rsplit('.', 1)[-1]``, an extension) hold no dot: no ``..`` to climb by
            # (pieces between slashes may still hold a backslash, a separator where the server runs on Windows)
            return Val(taint=receiver.taint, clean=receiver.clean | {"path"})
        if qual in {"io.BytesIO", "io.StringIO", "BytesIO", "StringIO"}:
            return Val(taint=merge_parts(all_args).taint, clean=frozenset({"path"}))  # a buffer, not a path
        if qual in {"os.path.splitext", "posixpath.splitext", "ntpath.splitext"} and args:
            # (root, extension): the extension follows the last separator, so it cannot climb out of a directory
            whole = merge_parts(all_args)
            return replace(whole, seq=(whole, sanitise(whole, {"path"})))
        if qual in SANITISERS:
            base = merge_parts(all_args)
            return sanitise(base, SANITISERS[qual])
        if isinstance(func, ast.Attribute) and (PROVIDER_URL.match(func.attr) or (
                func.attr in SAML_REDIRECTS and self.info.imports_any(SAML_LIBRARIES))):
            return sanitise(merge_parts(all_args), {"redirect", "ssrf"})  # the identity provider's or store's own
        if isinstance(func, ast.Attribute) and PROVIDER_REDIRECT.match(func.attr):
            return Val(kind="nonhtml")  # a redirect response to the identity provider, not markup
        if short and ESCAPE_NAME.search(short) and short not in {"unquote", "unquote_plus", "unescape"}:
            return sanitise(merge_parts([*all_args, *([receiver] if receiver else [])]), {"html"})
        if (SETTING_READER.match(short) and node.args and not node.keywords and au.str_const(node.args[0]) is not None
                and not (receiver is not None and receiver.taint) and not any(a.taint for a in args)):
            return Val(lit=True)  # ``get_config("tos_url")``: a setting the operator or an administrator chose
        # the project's own functions (and their methods): a summary of what they do with their arguments
        summary_val = self.call_project(node, func, qual, receiver, args, kwargs)
        if summary_val is not None:
            return summary_val
        # a path object or a normalised path is still the text it was built from (composed or whole)
        composed = any(a.formatted for a in all_args)
        if qual in {"os.path.realpath", "os.path.abspath", "os.path.normpath"}:
            v = merge_parts(all_args, formatted=composed)
            return replace(v, kind="resolved", derived=frozenset(names_of_args(node)))
        if qual in {"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "Path"} or short == "Path":
            v = merge_parts(all_args, formatted=composed)
            return replace(v, kind="path")
        if qual in {"urllib.parse.urlparse", "urllib.parse.urlsplit", "urlparse.urlparse", "urlparse"} or short in {
                "urlparse", "urlsplit"}:
            v = merge_parts(all_args)
            return replace(v, kind="urlparse", derived=frozenset(names_of_args(node)))
        if qual in {"str", "repr"} and args and args[0].kind == "exception":
            return Val(taint=args[0].taint | {EXC}, clean=args[0].clean & {EXC})  # its text
        if qual in {"traceback.format_exc", "traceback.format_exception", "traceback.format_stack"}:
            return Val(taint=frozenset({EXC}))
        if qual in {"str", "repr", "bytes", "list", "tuple", "set", "sorted", "reversed", "chr"} and args:
            v = args[0]
            if v.is_const:
                convert: dict[str, Any] = {"str": str, "repr": repr, "bytes": bytes, "list": list, "tuple": tuple,
                                           "set": set, "sorted": sorted, "reversed": lambda x: list(reversed(x)),
                                           "chr": chr}
                got = safe(lambda: convert[qual](v.const))
                if got is not UNKNOWN:
                    return const(got)
            return Val(taint=v.taint, clean=v.clean, seq=v.seq if qual in {"list", "tuple"} else None,
                       kind="resolved" if v.kind == "resolved" else "", derived=v.derived, lit=v.lit)
        if qual == "dict" and not args:
            return Val(items=tuple((k, v) for k, v in kwargs.items()))
        if qual in {"configparser.ConfigParser", "configparser.RawConfigParser", "dict", "collections.OrderedDict"}:
            return Val(items=())
        if qual in {"yaml.load", "yaml.load_all"}:
            loader = kwargs.get("Loader")
            loader_node = next((k.value for k in node.keywords if k.arg == "Loader"), None)
            if loader_node is None and len(node.args) > 1:
                loader_node = node.args[1]
            loader_name = self.info.qualify(loader_node) if loader_node is not None else ""
            if loader is None and len(args) > 1:
                loader = args[1]
            if not loader_name.rsplit(".", 1)[-1].startswith(("Safe", "CSafe", "Base")) and args:
                self.hit("deser", node, args[0], qual)
            return merge_parts(args[:1])
        if qual in TEMPORARY_FILES:  # a file the program names itself (its suffix or folder may be given)
            return Val(taint=merge_parts(all_args).taint, kind="file")
        if qual in SUBPROCESS:
            self.subprocess_sink(node, qual, args, kwargs)
            return merge_parts(all_args)
        sink = CALL_SINKS.get(qual)
        client_sink = False  # a client object's method: reported on request data in the handler only (its URL is
        # mostly configured, or built by a helper around a fixed host)
        if sink is None and qual in {"eval", "exec", "compile", "open"} and not isinstance(func, ast.Attribute):
            sink = CALL_SINKS[qual]
        if sink is None and isinstance(func, ast.Attribute) and func.attr in METHOD_SINKS:
            kind, idx, kw = METHOD_SINKS[func.attr]
            receiver_name = func.value.id if isinstance(func.value, ast.Name) else ""
            module = self.info.imports.get(receiver_name, "")
            if kind == "sql" and func.attr in {"raw", "extra"} and "objects" not in au.dotted(func.value, strict=True):
                sink = None
            elif kind == "sql" and NOT_A_DATABASE.search(au.last(au.dotted(func.value)) or "") and not (
                    node.args and SQL_WORDS.search(ast.unparse(node.args[0]))):
                sink = None  # ``use_case.execute(input)``: a command object's method, not a cursor's
            elif kind == "ssti" and module and module == receiver_name and module not in TEMPLATE_MODULES:
                sink = None  # ``pdfkit.from_string``: a function of an imported module that is no template engine
            else:
                sink = (kind, idx, kw)
        if (sink is None and isinstance(func, ast.Attribute) and func.attr in HTTP_CLIENT_METHODS
                and receiver is not None and receiver.kind == "http-client"):
            sink = ("ssrf", HTTP_CLIENT_METHODS[func.attr], "url")  # ``session.get(url)`` fetches what it is given
            client_sink = True
        if sink is None and isinstance(func, ast.Attribute) and func.attr in LIBRARY_METHOD_SINKS:
            kind, idx, kw, libraries = LIBRARY_METHOD_SINKS[func.attr]
            sink = (kind, idx, kw) if self.info.imports_any(libraries) else None
        if sink is None and isinstance(func, ast.Attribute) and func.attr in RECEIVER_METHOD_SINKS:
            kind, idx, kw, receiver_name_rx = RECEIVER_METHOD_SINKS[func.attr]
            sink = (kind, idx, kw) if receiver_name_rx.match(au.last(au.dotted(func.value)) or "") else None
        if qual in XML_PARSE_CALLS and any(v.kind == "xxe-parser" for v in [*args[1:], *kwargs.values()]):
            if args:
                self.hit("xxe", node, args[0], qual)
            return CLEAN
        if qual in HTTP_CLIENTS:
            return Val(kind="http-client")
        if qual in YAML_OBJECTS:
            typ = kwargs.get("typ")
            return Val(kind=yaml_object(typ is not None, typ.const if typ is not None and typ.is_const else object()))
        if qual.startswith("lxml.") and short == "XMLParser" and any(
                k in LXML_UNSAFE and v.const is LXML_UNSAFE[k] for k, v in kwargs.items()):
            return Val(kind="xxe-parser")
        if sink is not None and sink[0] == "xml" and (len(node.args) > 1 or "parser" in kwargs):
            sink = None  # an explicit, safe parser (an unsafe one is handled above)
        if sink is not None:
            kind, idx, kw = sink
            target = arg(idx, kw)
            if target is not None:
                if kind == "sql" and func.attr == "extra" if isinstance(func, ast.Attribute) else False:
                    target = merge_parts(all_args, formatted=True)
                url_node = node.args[idx] if idx < len(node.args) else next(
                    (k.value for k in node.keywords if k.arg == kw), None)
                ddl = (kind == "sql" and not target.taint and url_node is not None
                       and DDL.match(leading_text(url_node, self.const_eval)) is not None)  # the program's own schema
                if not ddl and not (kind in {"ssrf", "redirect"} and url_node is not None
                                    and fixed_target(url_node, self.fn, self.const_eval, self.info.qualify,
                                                     local_ok=kind == "redirect")) and not (
                        kind == "redirect" and target.kind == RECORD and qual in MODEL_REDIRECTS):
                    self.hit(kind, node, target, qual or short, bare=not client_sink)
            if kind == "path" and qual in FILE_RESPONSES:
                return Val(kind="nonhtml")  # ``send_file``/``static_file``: the file's own content type
            if kind == "path":
                return Val(taint=merge_parts(all_args).taint, kind="file")
            if kind == "redirect":
                return Val(kind="nonhtml")
            if kind == "ssti":  # a rendered template: its variables are autoescaped unless it prints them raw
                return self.rendered(args, kwargs, qual)
            # rows answered carry request data through the SQL text only, not through bound parameters; a text
            # object (``text(f"... {x}")``) is as safe as its text was proven (``x`` validated before) — the rows a
            # query answers are not: what was proven of the query's text says nothing of the data it reads
            if kind == "sql" and target:
                statement = au.last(qual or short) == "text"
                return Val(taint=target.taint, clean=target.clean if statement else frozenset())
            if kind == "ssrf" and au.last(qual or short) == "Request" and target is not None:
                # ``urllib.request.Request(url, data=..., headers=...)``: judged on its URL here; what it carries in
                # its body and headers chooses no destination when ``urlopen`` sends it
                return replace(target, clean=target.clean | {"ssrf"})
            return merge_parts(all_args)
        mimetype = kwargs.get("mimetype") or kwargs.get("content_type") or kwargs.get("media_type")
        if mimetype is not None and mimetype.is_const and "html" not in str(mimetype.const).lower():
            return Val(kind="nonhtml")
        html_type = mimetype is not None and mimetype.is_const and "html" in str(mimetype.const).lower()
        if qual in HTML_RESPONSES or short in {"make_response", "HTMLResponse"} or (html_type and short == "Response"):
            # the body, passed first or by its keyword (Starlette's and Django's ``content=``, Werkzeug's
            # ``response=``, aiohttp's ``text=``/``body=``)
            given = args[0] if args else next((kwargs[k] for k in BODY_KEYWORDS if k in kwargs), None)
            if given is not None:
                body = given.seq[0] if given.seq else given
                if body.kind == "nonhtml" or (short == "make_response" and body.items is not None and body is given):
                    return replace(body, kind="nonhtml")  # make_response(json.dumps(...)), make_response(a_dict)
                return replace(body, kind="response", items=None, seq=None)
            return CLEAN
        if self.handler and HTTP_ERROR_ANSWER.match(short or ""):
            # ``raise HTTPException(500, detail=f"... {e}")``: the framework answers the detail as the response body
            answer = Val(kind="nonhtml", taint=frozenset({EXC}) & merge_parts(all_args).dirty("exc"))
            self.returns.append(Returned(answer, node))
            return answer
        if qual in JSON_RESPONSES or short in {"jsonify", "JSONResponse"} or SERIALISER.search(short or "") \
                or inherited_view_answer(func, self.info.imports, self.own_methods()):
            # not HTML; exception text in it is still disclosed (``jsonify(error=str(e))``)
            return Val(kind="nonhtml", taint=frozenset({EXC}) & merge_parts(all_args).dirty("exc"))
        if qual in RENDERS:
            return self.rendered(args, kwargs, qual)
        if qual in CONTEXT_RENDERS or (short == "TemplateResponse" and isinstance(func, ast.Attribute)) or (
                short == "render" and receiver is not None and receiver.kind.startswith("template:")):
            named, variables = render_context(args, kwargs, receiver)  # Jinja2Templates, Django ``render``
            return replace(self.rendered(named, variables), kind="response")  # HTML whatever the route's default
        if qual in TEMPLATE_LOADERS:  # ``loader.get_template(name)``, rendered later by ``.render(context)``
            return loaded_template(args)
        if qual in ABORTS:
            return Val(lit=True)
        if (isinstance(func, ast.Attribute) and func.attr == "get" and receiver is not None and not receiver.taint
                and au.configuration(func.value)):
            # ``current_app.config['PROVIDERS'].get(name)``: the request picks an entry of a table the code or the
            # deployment fixed; the value is that entry, not the request
            return Val(clean=receiver.clean, lit=True)
        if receiver is not None and receiver.kind == CODE_KEYS and isinstance(func, ast.Attribute) \
                and func.attr == "keys":
            return Val(lit=True)  # the keys of a mapping keyed by the code's own words
        parts = list(all_args)
        if receiver is not None:
            parts.append(receiver)
        out = merge_parts(parts, formatted=isinstance(func, ast.Attribute) and func.attr in {
            "replace", "strip", "lower", "upper", "encode", "decode", "format_map"})
        if receiver is not None and isinstance(func, ast.Attribute) and func.attr in {
                "with_name", "with_stem", "with_suffix"}:
            # ``base.with_name(x)``: a file of the same folder — pathlib refuses a name holding a separator (and
            # ``..`` names the folder above, never a file in it)
            return replace(merge_parts([receiver, *(sanitise(a, {"path"}) for a in all_args)]), kind="path")
        if receiver is not None and receiver.kind == "path":
            return replace(out, kind="path")
        if (isinstance(func, ast.Attribute) and func.attr == "save" and receiver is not None
                and MODEL_FORM_CLASS.search(receiver.kind)):
            # ``form.save()`` of a model form (``serializer.save()`` in DRF): the model instance just stored, which
            # the request filled but did not choose the kind of
            return replace(out, kind=RECORD)
        if short in RECORD_LOOKUPS or (isinstance(func, ast.Attribute) and receiver is not None
                                       and receiver.kind == RECORD and STORE_LOOKUP.match(func.attr)):
            # ``get_object_or_404(Note, pk=x)``, ``Note.objects.filter(owner=x).first()``: still a stored record
            return replace(out, clean=out.clean | {"html"}, kind=RECORD)
        if (isinstance(func, ast.Attribute) and receiver is not None and not receiver.taint
                and not (receiver.is_const or receiver.kind)
                and (STORE_LOOKUP.match(func.attr) or SERVICE_OBJECT.search(au.last(au.dotted(func.value)) or ""))):
            # ``db.get(user_id)``, ``Note.query.filter_by(id=x).first()``: what comes back is stored data the
            # request only selected, not the request echoed (it stays tainted for queries, paths, commands; what
            # made the key safe, such as a one-segment route parameter, says nothing of the data it selects); the
            # same for an operation of a service or repository object (``role_service.update_role(id, data)``): it
            # answers the records it keeps, not the request echoed into markup
            return replace(out, clean=frozenset({"html"}), kind=RECORD if STORE_LOOKUP.match(func.attr) else "")
        return out

    def rendered(self, args: list[Val], kwargs: dict[str, Val], qual: str = "") -> Val:
        """The output of ``template(name, **vars)``: escaped, except variables the template prints raw
        (Bottle ``{{!x}}``, Jinja ``{{ x|safe }}``), found by reading the template next to the module, and every
        variable of a Flask render in a module that switched autoescaping off."""
        if qual.startswith("flask.") and self.info.flask_autoescape_off:
            return merge_parts(list(kwargs.values()))
        name = args[0].const if args and args[0].is_const and isinstance(args[0].const, str) else None
        if name is not None and any(c in name for c in "\n{%$"):  # Bottle: template *source*, not a file name
            raw = frozenset(a or b for a, b in RAW_VARS.findall(name))
        else:
            raw = raw_template_vars(self.info.abspath, name) if name else frozenset()
        dirty = [v for k, v in kwargs.items() if k in raw and v.taint]
        if dirty:
            return merge_parts(dirty)
        return sanitise(merge_parts([*args, *kwargs.values()]), {"html"})

    def container_get(self, receiver: Val, args: list[Val], meth: str) -> Val:
        table: dict[Any, Val] = dict(receiver.items or ())
        if len(args) >= 2 and meth == "get" and args[0].is_const and args[1].is_const and hashable(
                (args[0].const, args[1].const)) and (args[0].const, args[1].const) in table:
            pair: Val = table[(args[0].const, args[1].const)]
            return pair
        key = args[0]
        if key.is_const and hashable(key.const):
            hit: Val | None = table.get(key.const)
            if hit is not None:
                return hit
            return args[1] if len(args) > 1 and meth == "get" else CLEAN
        return Val(taint=receiver.taint, clean=receiver.clean)

    def mutate(self, target: ast.expr, receiver: Val, meth: str, args: list[Val], kwargs: dict[str, Val]) -> Val:
        name = au.dotted(target, strict=True)
        if not name:
            return CLEAN
        values = [*args, *kwargs.values()]
        taint = receiver.taint.union(*(v.taint for v in values)) if values else receiver.taint
        # a container that held only literals and is given only literals still holds only literals
        # (``updates.append("name = :name")`` ... ``", ".join(updates)``: SQL the code wrote, whatever is chosen)
        lit = (receiver.lit or receiver.is_const) and all(v.lit or v.is_const for v in values) and not taint
        new = replace(receiver, taint=taint, const=UNKNOWN, lit=lit)
        if meth == "append" and receiver.seq is not None and args:
            new = replace(new, seq=(*receiver.seq, args[0]))
        elif meth == "update" and receiver.items is not None and args and args[0].items is not None:
            new = replace(new, items=tuple({**dict(receiver.items), **dict(args[0].items)}.items()))
        elif meth == "update" and receiver.items is not None and kwargs and not args:
            new = replace(new, items=tuple({**dict(receiver.items), **kwargs}.items()))
        elif meth in {"append", "insert", "extend", "add", "appendleft"}:
            new = replace(new, seq=None)
        elif meth == "update":
            new = replace(new, items=None)
        if receiver.is_const and isinstance(receiver.const, list) and meth == "append" and args:
            new = replace(new, seq=(*tuple(const(x) for x in receiver.const), args[0]))
        self.set(name, new)
        return CLEAN

    def subprocess_sink(self, node: ast.Call, qual: str, args: list[Val], kwargs: dict[str, Val]) -> None:
        cmd = args[0] if args else kwargs.get("args")
        if cmd is None:
            return
        shell = kwargs.get("shell")
        shell_on = qual == "asyncio.create_subprocess_shell" or (shell is not None and (
            (shell.is_const and bool(shell.const)) or not shell.is_const))
        if shell_on:
            self.hit("shell", node, cmd, f"{qual}(shell=True)")
            return
        if qual.startswith("os.exec") or qual.startswith("os.spawn") or qual == "asyncio.create_subprocess_exec":
            argv = args[1:] if qual.startswith("os.") else args
            seq: tuple[Val, ...] | None = tuple(argv)
        else:
            seq = cmd.seq
        if seq is not None and seq:
            first = seq[0]
            if first.taint:
                self.hit("shell", node, replace(first, formatted=False), qual)
                return
            prog = str(first.const).rsplit("/", 1)[-1].lower() if first.is_const else ""
            shell_like = prog in SHELLS or first.const in SHELLS or not first.is_const
            if shell_like and any(isinstance(s.const, str) and s.const.lower() in {"-c", "/c", "-command"}
                                  for s in seq[1:]):
                rest = merge_parts(seq[1:])
                self.hit("shell", node, replace(rest, formatted=False), f"{qual}({prog or 'shell'} -c)")
            return
        if cmd.is_const:
            return
        if cmd.seq is None and (cmd.taint or cmd.formatted) and not (isinstance(cmd.const, str)):
            # an argv list built elsewhere: tainted program name is possible but unproven
            self.hit("shell", node, replace(cmd, formatted=False), qual) if cmd.taint and not cmd.items else None

    def attribute(self, node: ast.Attribute) -> Val:
        # ``self.path``, ``self.headers``, ``self.rfile`` of a standard-library request handler (unless reassigned)
        if (node.attr in HANDLER_SOURCE_ATTRS and isinstance(node.value, ast.Name)
                and self.lookup(node.value.id).kind == "handler"
                and (self.env is None or f"{node.value.id}.{node.attr}" not in self.env)):
            return Val(taint=frozenset({REQUEST}))
        return super().attribute(node)

    def lookup(self, name: str) -> Val:
        ctor = self.info.module_instances.get(name)
        if ctor is not None and (self.env is None or name not in self.env):
            kind = self.instance_kind(ctor)
            if kind:
                return Val(kind=kind)
        return super().lookup(name)

    def instance_kind(self, ctor: ast.expr) -> str:
        """``class:...`` of a module-level ``repo = Repo(...)``: the class named by the constructor call."""
        if isinstance(ctor, ast.Name) and ctor.id in self.info.classes and ctor.id not in self.info.imports:
            return f"class:{ctor.id}"
        qual = self.info.qualify(ctor)
        if qual and "." in qual:
            found = self.info.resolve_module(qual)
            if found is not None and found[1] in found[0].classes:
                return f"class:{found[0].abspath}|{found[1]}"
        return ""

def _opaque_exception(v: Val) -> Val:
    return replace(v, taint=v.taint - {EXC}) if v.kind == "exception" else v
