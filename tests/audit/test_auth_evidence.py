"""AS101 reports a route without authentication at medium or higher only with evidence that it should have been
guarded, and FastAPI's class-based dependencies count as authentication.

Each case is a must-fire / must-stay-quiet pair built from a pattern (small synthetic apps), not from a project.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity

from .helpers import audit

_MEDIUM_PLUS = (Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)


def _as101(result: object, line_text: str, source: str) -> list[Severity]:
    """Severities of the AS101 findings on the route whose decorator line contains ``line_text``."""
    line = next(i for i, text in enumerate(source.splitlines(), 1) if line_text in text)
    return [f.severity for f in result.findings  # type: ignore[attr-defined]
            if f.rule_id == "AS101" and f.location is not None and f.location.line == line]


def _reported(result: object, line_text: str, source: str) -> bool:
    return any(s in _MEDIUM_PLUS for s in _as101(result, line_text, source))


# --- FastAPI: callable class instances as dependencies (the documented "parameterized dependencies" pattern) ---
_DEPS = """\
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPBearer, OAuth2PasswordBearer

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_current_user(token: str = Depends(oauth2_scheme)):
    return decode(token)


class RoleChecker:
    def __init__(self, allowed_roles):
        self.allowed_roles = allowed_roles

    def __call__(self, user=Depends(get_current_user)):
        if user.role not in self.allowed_roles:
            raise HTTPException(status_code=403, detail="forbidden")
        return True


class QueryChecker:
    def __init__(self, fixed):
        self.fixed = fixed

    def __call__(self, q: str = ""):
        return self.fixed in q


class TokenBearer(HTTPBearer):
    async def __call__(self, request: Request):
        creds = await super().__call__(request)
        return decode(creds.credentials)


class AccessTokenBearer(TokenBearer):
    def verify(self, data):
        return data
"""

_ROUTES = """\
from fastapi import APIRouter, Depends, FastAPI
from .deps import AccessTokenBearer, QueryChecker, RoleChecker

app = FastAPI()
router = APIRouter()
admin_only = RoleChecker(["admin"])
admin_dependency = Depends(RoleChecker(["admin"]))
bearer = AccessTokenBearer()
checker = QueryChecker("x")


@router.delete("/items/{{item_id}}", dependencies=[{guard}])
def delete_item(item_id: int):
    db.delete(item_id)


app.include_router(router)
"""


@pytest.mark.parametrize(("guard", "reported"), [
    # must stay quiet: a callable class instance that requires a user, however it is written
    ("Depends(admin_only)", False),                 # a module-level instance
    ("Depends(RoleChecker(['admin']))", False),      # an instance created inline
    ("admin_dependency", False),                     # a module-level Depends(...) of an instance
    ("Depends(bearer)", False),                      # a subclass of a subclass of HTTPBearer
    ("Depends(AccessTokenBearer())", False),
    # must fire: a callable class that checks nothing about the caller
    ("Depends(checker)", True),
    ("Depends(QueryChecker('x'))", True),
])
def test_callable_class_dependencies_count_as_authentication_when_they_require_a_user(
        tmp_path: Path, guard: str, reported: bool) -> None:
    source = _ROUTES.format(guard=guard)
    result = audit(tmp_path, {"pkg/__init__.py": "", "pkg/deps.py": _DEPS, "pkg/main.py": source})
    assert _reported(result, "@router.delete", source) is reported


# --- AS101: evidence that a route should have been guarded ----------------------------------------------------
_BLOG = """\
from flask import Flask, jsonify, request
from flask_login import current_user, login_required

app = Flask(__name__)


@app.route("/articles", methods=["GET"])
{list_guard}
def list_articles():
    return jsonify([a.to_dict() for a in Article.query.all()])


@app.route("/articles/<int:id>", methods=["GET"])
def show_article(id):
    return jsonify(Article.query.get_or_404(id).to_dict())


@app.route("/articles", methods=["POST"])
@login_required
def create_article():
    db.session.add(Article(title=request.json["title"], author=current_user))
    return "", 201


@app.route("/articles/<int:id>", methods=["{write_method}"])
{write_guard}
def change_article(id):
    db.session.delete(Article.query.get_or_404(id))
    return "", 204


@app.route("/feed")
@login_required
def feed():
    return jsonify([a.to_dict() for a in Article.query.filter_by(author=current_user).all()])


@app.route("/tags")
def tags():
    return jsonify([t.name for t in Tag.query.all()])
"""


@pytest.mark.parametrize(("list_guard", "write_method", "write_guard", "route", "reported"), [
    # must fire: the author guarded the list of the same records but not this read of one of them
    ("@login_required", "DELETE", "@login_required", '"/articles/<int:id>", methods=["GET"]', True),
    # must fire: a delete without a login is destructive whatever else the app does
    ("", "DELETE", "", '"/articles/<int:id>", methods=["DELETE"]', True),
    ("", "PUT", "", '"/articles/<int:id>", methods=["PUT"]', True),
    # must stay quiet: public reads next to guarded writes (the most common design)
    ("", "DELETE", "@login_required", '"/articles/<int:id>", methods=["GET"]', False),
    ("", "DELETE", "@login_required", '"/articles", methods=["GET"]', False),
    # must stay quiet: a guarded route that needs the caller (the feed) does not make other reads private
    ("", "DELETE", "@login_required", '"/tags"', False),
])
def test_an_open_route_is_medium_only_with_evidence_it_should_be_guarded(
        tmp_path: Path, list_guard: str, write_method: str, write_guard: str, route: str, reported: bool) -> None:
    source = _BLOG.format(list_guard=list_guard or "# public", write_method=write_method,
                          write_guard=write_guard or "# open")
    result = audit(tmp_path, {"app.py": source})
    assert _as101(result, route, source), "the open route is still listed"
    assert _reported(result, route, source) is reported


_GUARDED_ELSEWHERE = """\
from flask import Blueprint, Flask, jsonify
from flask_login import login_required

app = Flask(__name__)
api = Blueprint("api", __name__)


@api.before_request
@login_required
def guard():
    pass


@api.route("/api/posts/<int:id>")
def api_post(id):
    return jsonify(Post.query.get_or_404(id).to_dict())


{page_guard}
@app.route("/posts")
def posts_page():
    return render(Post.query.all())


app.register_blueprint(api)
"""


@pytest.mark.parametrize(("module_of_page", "reported"), [
    ("app.py", True),        # must fire: the same module guards the same records
    ("pages.py", False),     # must stay quiet: a token-guarded API module says nothing about public pages
])
def test_a_guard_on_the_same_records_is_evidence_only_in_the_same_module(
        tmp_path: Path, module_of_page: str, reported: bool) -> None:
    api_part, page_part = _GUARDED_ELSEWHERE.split("{page_guard}\n")
    page_route = '@app.route("/posts")'
    if module_of_page == "app.py":
        source = api_part.replace("@api.before_request\n@login_required\ndef guard():\n    pass\n",
                                  "").replace('@api.route("/api/posts/<int:id>")',
                                              '@api.route("/api/posts")\n@login_required') + page_part
        files = {"app.py": source}
    else:
        page = "from app import app\n\n" + page_part.replace("\napp.register_blueprint(api)\n", "")
        source = page
        files = {"app.py": api_part + "\napp.register_blueprint(api)\nimport pages\n", "pages.py": page}
    result = audit(tmp_path, files)
    assert _reported(result, page_route, source) is reported


_ANON_WRITE = """\
from flask import Flask, redirect, request
from flask_login import current_user, login_required

app = Flask(__name__)


@app.route("/", methods=["GET", "POST"])
def index():
    {condition}
        db.session.add(Post(body=request.form["body"]))
    return render(Post.query.all())


@app.route("/posts/new", methods=["POST"])
@login_required
def new_post():
    db.session.add(Post(body=request.form["body"]))
    return redirect("/")
"""


@pytest.mark.parametrize(("condition", "reported"), [
    ("if request.method == 'POST':", True),                          # must fire: anyone's write, guarded elsewhere
    ("if current_user.can('write') and request.method == 'POST':", False),  # must stay quiet: tested in the body
])
def test_a_write_that_first_tests_the_caller_is_judged_as_a_read(tmp_path: Path, condition: str,
                                                                 reported: bool) -> None:
    source = _ANON_WRITE.format(condition=condition)
    result = audit(tmp_path, {"app.py": source})
    assert _reported(result, '@app.route("/", methods=["GET", "POST"])', source) is reported


_NO_USERS = """\
import os
from fastapi import FastAPI

app = FastAPI()


@app.get("/{path}")
def handler(host: str = "127.0.0.1"):
    return os.popen("ping -c 1 " + host).read()
"""


@pytest.mark.parametrize(("path", "reported"), [
    ("admin/run", True),    # must fire: named for administration, even in an app without users
    ("run", False),         # must stay quiet: every caller is anonymous; the injection is another rule's finding
])
def test_an_app_without_users_needs_a_route_named_for_privilege(tmp_path: Path, path: str, reported: bool) -> None:
    source = _NO_USERS.format(path=path)
    result = audit(tmp_path, {"app.py": source})
    assert _reported(result, "@app.get", source) is reported


_PAGE_OR_DATA = """\
from flask import Flask, jsonify, render_template
from flask_login import login_required

app = Flask(__name__)


@app.route("/settings", methods=["POST"])
@login_required
def settings():
    return ""


@app.route("{path}")
def show(key):
    record = {model}.query.get(key)
    return {answer}
"""


@pytest.mark.parametrize(("path", "model", "answer", "reported"), [
    # must fire: the record itself handed out as data, or a page of records private whoever shows them
    ("/users/<key>", "User", "jsonify(record.to_dict())", True),
    ("/order/<key>", "Order", "render_template('order.html', order=record)", True),
    ("/people/<key>", "User", "render_template('user.html', email=record.email)", True),
    # must stay quiet: a page the author designed around a person (a public profile)
    ("/user/<key>", "User", "render_template('user.html', user=record)", False),
    ("/people/<key>", "User", "render_template('user.html', name=record.name)", False),
])
def test_a_page_rendered_through_a_template_shows_what_its_author_chose(tmp_path: Path, path: str, model: str,
                                                                        answer: str, reported: bool) -> None:
    source = _PAGE_OR_DATA.format(path=path, model=model, answer=answer)
    result = audit(tmp_path, {"app.py": source})
    assert _as101(result, f'@app.route("{path}")', source), "the open route is still listed"
    assert _reported(result, f'@app.route("{path}")', source) is reported



_ADMIN_LIST = """\
from flask import Flask, jsonify
from flask_login import login_required

app = Flask(__name__)


@app.route("{guarded}")
@login_required
def guarded_products():
    return jsonify([p.to_dict() for p in Product.query.all()])


@app.route("/products/<int:pid>")
def product(pid):
    return jsonify(Product.query.get_or_404(pid).to_dict())
"""


@pytest.mark.parametrize(("guarded", "reported"), [
    ("/products", True),          # must fire: the list of the same records requires a login, this read does not
    ("/admin/products", False),   # must stay quiet: the admin list is guarded for being administration
])
def test_a_route_guarded_for_administration_says_nothing_about_its_records(tmp_path: Path, guarded: str,
                                                                          reported: bool) -> None:
    source = _ADMIN_LIST.format(guarded=guarded)
    result = audit(tmp_path, {"app.py": source})
    assert _reported(result, '@app.route("/products/<int:pid>")', source) is reported


_UPLOAD_APP = """\
import os
from flask import Flask, request
from flask_login import login_required

app = Flask(__name__)


@app.route("/account", methods=["POST"])
@login_required
def account():
    return ""


@app.route("/upload", methods=["POST"])
def upload():
    data = request.files["file"]
    {action}
    return "ok"
"""


@pytest.mark.parametrize(("action", "reported"), [
    ("data.save(os.path.join('uploads', data.filename))", True),   # must fire: anyone stores files on the server
    ("return str(len(data.read()))", False),                       # must stay quiet: it only measures the upload
])
def test_an_anonymous_upload_stored_on_the_server_needs_a_login(tmp_path: Path, action: str, reported: bool) -> None:
    source = _UPLOAD_APP.format(action=action)
    result = audit(tmp_path, {"app.py": source})
    assert _reported(result, '@app.route("/upload"', source) is reported


_OWNED_PAGE = """\
from flask import Flask, render_template
from flask_login import login_required

app = Flask(__name__)


class {model}(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    {owner}


@app.route("/settings", methods=["POST"])
@login_required
def settings():
    return ""


@app.route("/{table}/<int:nid>")
def show(nid):
    return render_template("item.html", item={model}.query.get_or_404(nid))
"""


@pytest.mark.parametrize(("model", "table", "owner", "reported"), [
    ("Note", "notes", "user_id = db.Column(db.Integer)", True),    # must fire: someone's note, by id, as a page
    ("Tag", "tags", "label = db.Column(db.String)", False),        # must stay quiet: a catalogue item page
])
def test_a_page_of_owned_records_by_id_stays_evidence(tmp_path: Path, model: str, table: str, owner: str,
                                                      reported: bool) -> None:
    source = _OWNED_PAGE.format(model=model, table=table, owner=owner)
    result = audit(tmp_path, {"app.py": source})
    assert _reported(result, f'@app.route("/{table}/<int:nid>")', source) is reported


_WRITE_AS = """\
from flask import Flask, request, session
from flask_login import login_required

app = Flask(__name__)


@app.route("/settings", methods=["POST"])
@login_required
def settings():
    return ""


@app.route("/likes", methods=["POST"])
def like():
    {line}
    return ""
"""


@pytest.mark.parametrize(("line", "reported"), [
    ("db.session.add(Like(post=request.form['post'], user=session.get('uid')))", True),  # must fire: as the caller
    ("db.session.add(Like(post=db.session.get(Post, request.form['post'])))", False),  # must stay quiet: the ORM
])
def test_a_write_acts_as_the_caller_through_the_web_session_not_the_database_session(
        tmp_path: Path, line: str, reported: bool) -> None:
    source = _WRITE_AS.format(line=line)
    result = audit(tmp_path, {"app.py": source})
    assert _reported(result, '@app.route("/likes"', source) is reported


_EDIT_FORM = """\
from flask import Flask, render_template
from flask_login import login_required

app = Flask(__name__)


@app.route("/posts/<int:pid>/{guarded}")
@login_required
def guarded_page(pid):
    return render_template("form.html", post=Post.query.get_or_404(pid))


@app.route("/posts/<int:pid>")
def show(pid):
    return jsonify(Post.query.get_or_404(pid).to_dict())
"""


@pytest.mark.parametrize(("guarded", "reported"), [
    ("full", True),     # must fire: the full record requires a login, this read of it does not
    ("edit", False),    # must stay quiet: the edit form is guarded as the write it serves
])
def test_the_form_of_a_write_is_guarded_as_that_write(tmp_path: Path, guarded: str, reported: bool) -> None:
    source = _EDIT_FORM.format(guarded=guarded)
    result = audit(tmp_path, {"app.py": source})
    assert _reported(result, '@app.route("/posts/<int:pid>")', source) is reported
