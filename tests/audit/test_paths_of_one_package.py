"""PATH arguments that lie in one import tree are one project: a blueprint defined in ``web.py`` and registered in
``run.py``, where Talisman is installed, is part of that app whether the package is given as a folder or module by
module. Folders of different trees stay separate projects (``test_engine``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.audit.config import AuditConfig
from apishield.audit.discover import projects
from apishield.audit.engine import run
from tests.audit.helpers import write

RUN = '''from flask import Flask
{talisman_import}
from pkg.web import main as web_interface


def create_app():
    app = Flask(__name__)
    {talisman}
    app.register_blueprint(web_interface)
    return app
'''
WEB = '''from flask import Blueprint, render_template

main = Blueprint("main", __name__)


@main.route("/")
def home():
    return render_template("home.html")
'''


def _package(root: Path, talisman: bool) -> None:
    write(root, {
        "pkg/__init__.py": "",
        "pkg/run.py": RUN.format(
            talisman_import="from flask_talisman import Talisman" if talisman else "",
            talisman="Talisman(app)" if talisman else "pass"),
        "pkg/web.py": WEB,
    })


@pytest.mark.parametrize("talisman", [True, False])
def test_modules_of_one_package_given_one_by_one_are_one_app(tmp_path: Path, talisman: bool) -> None:
    _package(tmp_path, talisman)
    result = run([str(tmp_path / "pkg" / "run.py"), str(tmp_path / "pkg" / "web.py")], AuditConfig(), jobs=1)
    headers = [f for f in result.findings if f.rule_id == "AS304"]
    assert len(result.apps) == 1
    if talisman:
        assert not headers
    else:  # one finding, at the app's construction, not at the blueprint
        assert [(f.location.path, f.location.line) for f in headers if f.location] == [("run.py", 7)]


def test_a_blueprint_module_alone_is_still_audited_on_its_own(tmp_path: Path) -> None:
    _package(tmp_path, talisman=True)
    result = run([str(tmp_path / "pkg" / "web.py")], AuditConfig(), jobs=1)
    assert any(f.rule_id == "AS304" for f in result.findings)  # nothing in this project installs headers


def test_paths_group_by_import_tree(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "", "pkg/sub/__init__.py": "", "pkg/sub/b.py": "",
                     "tools/x.py": "", "other/y.py": ""})
    groups = projects([str(tmp_path / "pkg" / "a.py"), str(tmp_path / "pkg" / "sub"),
                       str(tmp_path / "tools"), str(tmp_path / "other" / "y.py")])
    assert [sorted(f.relpath for f in g.files) for g in groups] == [
        ["a.py", "sub/__init__.py", "sub/b.py"], ["x.py"], ["y.py"]]


def test_a_namespace_folder_imported_by_the_modules_beside_it_joins_their_tree(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": "from fastapi import FastAPI\nfrom routers.todos import pages\n",
                     "routers/todos/pages.py": "", "routers/auth/login.py": "",
                     "templates/home.html": "<p>hi</p>", "scripts/tool.py": ""})
    groups = projects([str(tmp_path / "main.py"), str(tmp_path / "routers"), str(tmp_path / "scripts")])
    # routers/ is imported by main.py (one app); scripts/ is imported by nothing beside it (its own project)
    assert [sorted(f.relpath for f in g.files) for g in groups] == [
        ["main.py", "routers/auth/login.py", "routers/todos/pages.py"], ["tool.py"]]


def test_routers_of_a_namespace_folder_are_not_apps_of_their_own(tmp_path: Path) -> None:
    write(tmp_path, {
        "main.py": "from fastapi import FastAPI\nfrom routers import pages\napp = FastAPI()\n"
                   "app.include_router(pages.router)\n",
        "routers/pages.py": "from fastapi import APIRouter\nfrom fastapi.responses import HTMLResponse\n"
                            "router = APIRouter(prefix='/pages')\n\n@router.get('/', response_class=HTMLResponse)\n"
                            "def home():\n    return HTMLResponse('<p>home</p>')\n",
    })
    result = run([str(tmp_path / "main.py"), str(tmp_path / "routers")], AuditConfig(), jobs=1)
    headers = [f for f in result.findings if f.rule_id == "AS304"]
    assert [(f.location.path, f.location.line) for f in headers if f.location] == [("main.py", 3)]


def test_a_namespace_folder_imported_from_a_joined_folder_joins_the_tree_too(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": "from routers import todos\n",
                     "routers/todos.py": "from utils.deps import user_dependency\n",
                     "utils/deps.py": "user_dependency = None\n", "scripts/tool.py": ""})
    groups = projects([str(tmp_path / "main.py"), str(tmp_path / "routers"), str(tmp_path / "utils"),
                       str(tmp_path / "scripts")])
    # utils/ is imported by routers/todos.py, itself imported by main.py: one tree; scripts/ by nothing
    assert [sorted(f.relpath for f in g.files) for g in groups] == [
        ["main.py", "routers/todos.py", "utils/deps.py"], ["tool.py"]]


def test_a_namespace_folder_inside_a_package_joins_the_tree_that_imports_it_by_its_dotted_name(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": "from app.controllers import users\n", "app/__init__.py": "",
                     "app/controllers/__init__.py": "", "app/controllers/users.py": "import app.services.users\n",
                     "app/services/users.py": "", "app/jobs/cron.py": ""})
    groups = projects([str(tmp_path / "main.py"), str(tmp_path / "app" / "__init__.py"),
                       str(tmp_path / "app" / "controllers"), str(tmp_path / "app" / "services"),
                       str(tmp_path / "app" / "jobs")])
    # app/services/ (no __init__.py) is imported as app.services from app/controllers/: one tree; app/jobs/ by nothing
    assert [sorted(f.relpath for f in g.files) for g in groups] == [
        ["app/__init__.py", "app/controllers/__init__.py", "app/controllers/users.py", "app/services/users.py",
         "main.py"], ["cron.py"]]


def test_a_folder_imported_from_its_importers_own_folder_joins_that_tree(tmp_path: Path) -> None:
    """An app started inside its package's folder imports a sibling folder by its bare name (``from Blueprints import
    auth`` in ``app/__init__.py``): the folder's blueprints are that app's, not apps of their own."""
    write(tmp_path, {
        "app/__init__.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n"
                           "    from Blueprints import auth\n    app.register_blueprint(auth.bp)\n    return app\n",
        "app/Blueprints/auth.py": "from flask import Blueprint, render_template\nbp = Blueprint('auth', __name__)\n\n"
                                  "@bp.route('/login')\ndef login():\n    return render_template('login.html')\n",
        "app/Tools/cron.py": "", "app/templates/login.html": "<form></form>",
    })
    groups = projects([str(tmp_path / "app" / "__init__.py"), str(tmp_path / "app" / "Blueprints"),
                       str(tmp_path / "app" / "Tools")])
    # Blueprints/ is imported by app/__init__.py from its own folder: one tree; Tools/ by nothing
    assert [sorted(f.relpath for f in g.files) for g in groups] == [
        ["Blueprints/auth.py", "__init__.py"], ["cron.py"]]


def test_a_template_folder_given_apart_joins_the_tree_whose_code_renders_it(tmp_path: Path) -> None:
    """``manage.py``, ``shop/`` and ``site/templates`` given one by one: the templates hold no Python module, so no
    app of their own; the code of the tree they lie in renders them, and the project-wide refinements (a field
    sanitised where it is saved) must see both."""
    app = tmp_path / "app"
    write(app, {
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\n",
        "shop/__init__.py": "",
        "shop/models.py": "class Item(Model):\n    def save(self):\n        self.body_html = bleach.clean(self.body)\n",
        "site/templates/item.html": "<div>{{ item.body_html|safe }}</div>\n",
    })
    write(tmp_path / "elsewhere", {"templates/page.html": "<p>{{ x }}</p>\n"})
    paths = [str(app / p) for p in ("manage.py", "shop", "site/templates")]
    assert [len(p.paths) for p in projects(paths)] == [3]
    # must stay apart: a template folder outside the tree of every other path
    apart = projects([*paths, str(tmp_path / "elsewhere/templates")])
    assert sorted(len(p.paths) for p in apart) == [1, 3]
