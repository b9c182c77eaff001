"""Uploaded files stored without a check of their type: AS814.

An upload kept whatever it is lets a client place HTML, SVG or a script where the application (or the web server in
front of it) will later serve or run it: stored XSS from the site's own origin, a web shell where the upload folder
is executable, or a file that another part of the system opens as trusted. The rule reports where a handler stores
a file the client uploaded — Werkzeug's or Bottle's ``file.save(...)``, a storage's ``save(name, file)``,
``shutil.copyfileobj(file.file, out)``, or writing ``file.read()`` to a file it opened — when nothing in that
function looks at the file's type first.

What counts as looking at the type, on a line before the file is stored (a test after it guards nothing): a
comparison or membership test on an extension, suffix, MIME or content type (``ext in ALLOWED_EXTENSIONS``,
``file.content_type != "image/png"``), ``endswith``/``startswith`` on a name or type, content sniffing (``imghdr``,
``magic``, ``filetype``, decoding with Pillow), or a call given the file or its name of a validating function — one
defined in the module whose body does any of that (a helper that only returns ``True`` checks nothing), or one
imported under a validating name (``allowed_file``, ``validate_extension``). A safe file *name*
(``secure_filename``, a generated one) is not a type check: it stops path traversal, not an HTML page.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apishield.audit import astutil as au
from apishield.audit.rules.base import at_node, class_def, is_test_code
from apishield.audit.rules.registry import ModuleContext, rule
from apishield.findings import Confidence, Finding, Rule, Severity

UPLOAD_UNCHECKED = Rule(
    id="AS814",
    title="Uploaded file stored without a type check",
    cwe=(434,),
    owasp="API8:2023",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    description="A file uploaded by a client is stored whatever its type: an HTML or SVG page served back from the "
    "site's own origin runs script in its users' browsers, and a script placed where the server executes files "
    "runs on the server.",
    fix="Accept only the types the feature needs: check the extension against an allow-list and the content "
    "(imghdr/filetype/Pillow for images), store under a generated name outside the served folders, and serve "
    "uploads with Content-Disposition: attachment and X-Content-Type-Options: nosniff.",
)

#: words of an expression that looks at a file's type
_TYPE_WORDS = re.compile(r"(?i)(?:\bext\w*|extension|suffix|splitext|rsplit|\.split\(|content_?type|mime_?type|"
                         r"mimetype|media_type|\bmime\b|allowed|permitted|whitelist|allowlist|image/)")
#: content sniffers and decoders: calling one is a type check
_SNIFFERS = frozenset({"imghdr.what", "magic.from_buffer", "magic.from_file", "filetype.guess", "filetype.is_image",
                       "filetype.guess_mime", "puremagic.from_string", "puremagic.from_file", "Image.open",
                       "PIL.Image.open", "mimetypes.guess_type"})
#: an imported function whose name says it validates what it is given
_VALIDATOR_NAME = re.compile(r"(?i)(?:allow|valid|check|verify|permit|accept|is_image|is_safe|sniff|ext)")


def _is_files_container(node: ast.AST) -> bool:
    """``request.files``, ``request.FILES``, ``self.request.files`` (Flask, Bottle, Django, Tornado)."""
    return (isinstance(node, ast.Attribute) and node.attr in ("files", "FILES")
            and "request" in au.dotted(node.value).lower())


def _upload_expression(node: ast.AST) -> bool:
    """``request.files['f']``, ``request.files.get('f')``, ``request.FILES['f']``, ``request.files.f``."""
    if isinstance(node, ast.Subscript):
        return _is_files_container(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "getone"):
        return _is_files_container(node.func.value)
    return isinstance(node, ast.Attribute) and _is_files_container(node.value)


def _upload_lists(node: ast.AST) -> bool:
    """What a loop over uploads iterates: ``request.files.getlist('f')``, ``request.files.values()``."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("getlist", "getall", "values") and _is_files_container(node.func.value))


def _annotated_upload(annotation: ast.AST | None) -> bool:
    return annotation is not None and "UploadFile" in ast.unparse(annotation)


#: WTForms' and Flask-WTF's file fields: the field's ``data`` is the uploaded file (Werkzeug's ``FileStorage``)
_FILE_FIELDS = frozenset({"FileField", "MultipleFileField"})


def _file_field_data(ctx: ModuleContext, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    """``form.image.data`` for each form ``fn`` makes (``form = PostForm()``) whose class, in this module or one it
    imports from the project, declares ``image = FileField(...)``: the dotted text of each upload it holds."""
    out: set[str] = set()
    for node in au.nodes_of(fn, ast.Assign):
        if not (isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        cls = class_def(ctx, node.value.func.id)
        for stmt in cls.body if cls is not None else ():
            if (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)
                    and au.last(au.dotted(stmt.value.func)) in _FILE_FIELDS):
                out.update(f"{node.targets[0].id}.{t.id}.data" for t in stmt.targets if isinstance(t, ast.Name))
    return frozenset(out)


def _uploads(fn: ast.FunctionDef | ast.AsyncFunctionDef, fields: frozenset[str] = frozenset()) -> set[str]:
    """Names that hold a client's uploaded file in ``fn`` (and the dotted form-field uploads ``fields`` names)."""
    names = {a.arg for a in [*fn.args.args, *fn.args.kwonlyargs] if _annotated_upload(a.annotation)} | set(fields)
    for node in au.walk(fn):
        if isinstance(node, ast.Assign) and (_upload_expression(node.value) or (
                isinstance(node.value, ast.Name) and node.value.id in names)):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)) and isinstance(node.target, ast.Name) and (
                _upload_lists(node.iter) or (isinstance(node.iter, ast.Name) and node.iter.id in names)):
            names.add(node.target.id)
    return names


def _mentions_upload(node: ast.AST, uploads: set[str]) -> bool:
    return any((isinstance(n, ast.Name) and n.id in uploads)
               or (isinstance(n, ast.Attribute) and au.dotted(n) in uploads)
               for n in au.walk(node)) or any(_upload_expression(n) for n in au.walk(node))


def _reads_upload(node: ast.AST, uploads: set[str]) -> bool:
    """``file.read()``, ``await file.read()``, ``file.file.read()``, ``file.stream.read()`` of an upload."""
    for n in au.walk(node):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("read", "getvalue") \
                and _mentions_upload(n.func.value, uploads):
            return True
    return False


def _content_names(fn: ast.FunctionDef | ast.AsyncFunctionDef, uploads: set[str]) -> set[str]:
    """Names assigned an upload's bytes (``data = await file.read()``)."""
    return {t.id for node in au.walk(fn) if isinstance(node, ast.Assign) and _reads_upload(node.value, uploads)
            for t in node.targets if isinstance(t, ast.Name)}


def _stores_content(call: ast.Call, method: str, uploads: set[str], contents: set[str]) -> bool:
    """``shutil.copyfileobj(file.file, out)``, ``out.write(file.read())``, ``path.write_bytes(data)``."""
    if not call.args:
        return False
    first = call.args[0]
    if method == "copyfileobj":
        return _mentions_upload(first, uploads)
    return method in ("write", "write_bytes") and (
        _reads_upload(first, uploads) or (isinstance(first, ast.Name) and first.id in contents))


def _stores(fn: ast.FunctionDef | ast.AsyncFunctionDef, uploads: set[str]) -> Iterator[ast.Call]:
    """Calls of ``fn`` that write an uploaded file somewhere."""
    contents = _content_names(fn, uploads)
    for call in au.nodes_of(fn, ast.Call):
        func = call.func
        if not isinstance(func, ast.Attribute):
            continue
        if func.attr == "save" and (_mentions_upload(func.value, uploads)
                                    or any(_mentions_upload(a, uploads) for a in call.args[1:2])):
            yield call  # file.save(path) (Werkzeug, Bottle); storage.save(name, file) (Django)
        elif _stores_content(call, func.attr, uploads, contents):
            yield call


def _checks_type_itself(node: ast.AST, before: int = 0) -> bool:
    """``node`` holds a test of a type: a comparison or ``endswith``/``startswith`` on an extension or MIME type,
    or a content sniffer (with ``before``, only one on a line up to it: a test after the file is stored guards
    nothing)."""
    for n in au.walk(node):
        if before and getattr(n, "lineno", 0) > before:
            continue
        if isinstance(n, ast.Compare) and _TYPE_WORDS.search(ast.unparse(n)):
            return True
        if isinstance(n, ast.Call):
            name = au.dotted(n.func)
            if name in _SNIFFERS or au.last(name) in ("what", "from_buffer", "guess", "verify"):
                return True
            if isinstance(n.func, ast.Attribute) and n.func.attr in ("endswith", "startswith") and (
                    _TYPE_WORDS.search(ast.unparse(n)) or re.search(r"(?i)name", ast.unparse(n.func.value))):
                return True
    return False


def _local_functions(tree: ast.AST) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {fn.name: fn for fn in au.functions(tree)}


def _validating_call(call: ast.Call, local: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]) -> bool:
    """A call handed the file, its name or its bytes, to a function that checks a type."""
    name = au.last(au.callee(call))
    helper = local.get(name)
    if helper is not None:
        return _checks_type_itself(helper)  # a helper that returns True checks nothing
    return bool(name) and bool(_VALIDATOR_NAME.search(name)) and name not in ("secure_filename",)


def _checked(fn: ast.FunctionDef | ast.AsyncFunctionDef, local: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
             uploads: set[str], before: int) -> bool:
    """Something in ``fn`` up to line ``before`` (where the file is stored) checks the file's type."""
    if _checks_type_itself(fn, before):
        return True
    for call in au.nodes_of(fn, ast.Call):
        if call.lineno > before:
            continue
        arguments = [*call.args, *(kw.value for kw in call.keywords)]
        if any(_mentions_upload(a, uploads) or re.search(r"(?i)name|ext|type", ast.unparse(a)) for a in arguments) \
                and _validating_call(call, local):
            return True
    return False


@rule(UPLOAD_UNCHECKED, scope="module")
def check_upload_unchecked(ctx: ModuleContext) -> Iterator[Finding]:
    """AS814 — a handler stores a client's uploaded file and nothing in it checks the file's type; test code
    skipped."""
    if is_test_code(ctx.path) or not au.mentions(ctx, ("files", "uploadfile", "data.save", "data.read")):
        return
    local = _local_functions(ctx.tree)
    forms = au.mentions(ctx, ("data.save", "data.read"))  # a form's file field stored or read
    for fn in au.functions(ctx.tree):  # every function, also one whose name a later definition reuses
        uploads = _uploads(fn, _file_field_data(ctx, fn) if forms else frozenset())
        if not uploads and not any(_upload_expression(n) for n in au.walk(fn)):
            continue
        stores = list(_stores(fn, uploads))
        if not stores or _checked(fn, local, uploads, min(c.lineno for c in stores)):
            continue
        call = min(stores, key=lambda c: c.lineno)
        yield at_node(UPLOAD_UNCHECKED, ctx, call, f"the uploaded file is stored by {ast.unparse(call.func)[:40]}() "
                      "without a check of its type (extension or content)")


__all__ = ["UPLOAD_UNCHECKED"]
