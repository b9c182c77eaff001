"""Operator inputs are not request data: a path built from the server's configuration object
(``config['app.data_dir']``, ``self._config[...]``, ``settings['x']``) or from the command-line options the
operator passes (docopt ``args['--id']``, argparse ``args.name``) is not a path finding (AS806), while the same
path built from the request still is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_SERVER = ("import os\nimport cherrypy\n\nclass Root:\n    @cherrypy.expose\n    def index(self):\n"
           "        return 'hi'\n\n")


@pytest.mark.parametrize(("value", "reported"), [
    ("config['app.data_dir']", False),
    ("self._config['app.data_dir']", False),
    ("settings['upload_dir']", False),
    ("cherrypy.request.params['dir']", True),
])
def test_a_path_from_the_configuration_object_is_the_operators(tmp_path: Path, value: str, reported: bool) -> None:
    source = _SERVER + ("class Store:\n    def __init__(self, config, settings):\n        self._config = config\n"
                        f"        data_dir = os.path.expanduser({value})\n"
                        "        os.makedirs(os.path.join(data_dir, 'sessions'))\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS806" for f in result.findings) is reported


@pytest.mark.parametrize(("value", "reported"), [
    ("args['--sessionid']", False),
    ("args['<name>']", False),
    ("cherrypy.request.params['sessionid']", True),
])
def test_a_path_from_a_command_line_option_is_the_operators(tmp_path: Path, value: str, reported: bool) -> None:
    source = _SERVER + ("from docopt import docopt\n\ndef main(argv):\n    args = docopt('usage: x', argv=argv)\n"
                        f"    session_file = os.path.join('/var/sessions', 'session-%s' % {value})\n"
                        "    if os.path.exists(session_file):\n        return open(session_file).read()\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS806" for f in result.findings) is reported


@pytest.mark.parametrize(("value", "reported"), [
    ("options.data_dir", False),
    ("cherrypy.request.params['data_dir']", True),
])
def test_a_path_from_parsed_arguments_is_the_operators(tmp_path: Path, value: str, reported: bool) -> None:
    source = _SERVER + ("import argparse\n\ndef main():\n    parser = argparse.ArgumentParser()\n"
                        "    parser.add_argument('--data-dir')\n    options = parser.parse_args()\n"
                        f"    return open({value}).read()\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS806" for f in result.findings) is reported


@pytest.mark.parametrize(("parser", "reported"), [
    ("from docopt import docopt\nARGS = docopt('usage: tool <dir>')\n", False),
    ("import argparse\n", False),
    ("", True),
])
def test_a_command_line_module_of_a_web_project_opens_its_operators_paths(
        tmp_path: Path, parser: str, reported: bool) -> None:
    source = ("import os\nimport shutil\nimport cherrypy\n" + parser +
              "\ndef uninstall(store, plugin):\n    target = os.path.join(store.data_dir, plugin.name)\n"
              "    if os.path.exists(target):\n        shutil.rmtree(target)\n")
    result = audit(tmp_path, {"tool.py": source})
    assert any(f.rule_id == "AS806" for f in result.findings) is reported


@pytest.mark.parametrize(("init", "reported"), [
    ("self.data_dir = os.path.expanduser(self._config['app.data_dir'])", False),
    ("self.data_dir = os.path.expanduser(config['app.data_dir'])", False),
    ("self.data_dir = os.path.expanduser(name)", True),
])
def test_an_attribute_set_from_configuration_is_the_operators_in_every_method(
        tmp_path: Path, init: str, reported: bool) -> None:
    source = _SERVER + ("class ServerThread:\n    def __init__(self, config, name):\n        self._config = config\n"
                        f"        {init}\n        self.session_dir = os.path.join(self.data_dir, 'sessions')\n\n"
                        "    def run(self):\n        if not os.path.exists(self.session_dir):\n"
                        "            os.makedirs(self.session_dir)\n")
    result = audit(tmp_path, {"app.py": source})
    assert any(f.rule_id == "AS806" for f in result.findings) is reported


@pytest.mark.parametrize(("parser", "reported"), [
    ("from docopt import docopt\n", False),
    ("", True),
])
def test_a_command_line_tool_loads_its_operators_files(tmp_path: Path, parser: str, reported: bool) -> None:
    source = ("import os\nimport pickle\n" + parser +
              "\ndef show_session(store, session_id):\n"
              "    session_file = os.path.join(store.session_dir, 'session-%s' % session_id)\n"
              "    return pickle.load(open(session_file, 'rb'))\n")
    result = audit(tmp_path, {"tool.py": source})
    assert any(f.rule_id == "AS804" for f in result.findings) is reported


_REDIRECTING = '''
import os
from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse
from .config import Config, config_dependency, get_config, get_setting, settings
app = FastAPI()

@app.get("/go")
async def go(request: Request, config: Config = Depends(config_dependency), user_data: dict = Depends(load)):
    target = {value}
    return RedirectResponse(target)
'''


@pytest.mark.parametrize(("value", "reported"), [
    # must stay quiet: a setting by a literal name, an attribute of the configuration object
    ("get_config('tos_url')", False),
    ("get_setting('SITE_URL')", False),
    ("os.getenv('HOME_URL')", False),
    ("config.oidc.enrollment_url", False),
    ("settings.login_url", False),
    # must fire: a setting named by the request, the request itself, an object that is not the configuration
    ("get_config(request.query_params['key'])", True),
    ("request.query_params['next']", True),
    ("user_data.homepage", True),
])
def test_a_redirect_to_a_setting_is_the_operators(tmp_path: Path, value: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _REDIRECTING.format(value=value)})
    assert any(f.rule_id == "AS807" for f in result.findings) is reported
