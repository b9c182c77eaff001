"""A route named for creating one's account (``/createuser``, ``/new-account``) is a sign-up: public by design,
so a missing login is at most noted (AS101 low). The same action under an administrator's path
(``/admin/create_user``) is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import SIGNED_IN_NOTES_APP, audit

_APP = SIGNED_IN_NOTES_APP + """\
@app.route('{path}', methods=['POST'])
def create_new_user():
    db = sqlite3.connect('app.db')
    db.execute('INSERT INTO users (username, password) VALUES (?, ?)', (request.form['u'], request.form['p']))
    db.commit()
    return redirect('/')
"""


@pytest.mark.parametrize(("path", "reported"), [
    ("/createuser", False),      # must stay quiet: a sign-up
    ("/new-account", False),
    ("/admin/create_user", True),  # must fire: an administrator's action
    ("/users/bulk_import", True),
])
def test_account_creation_is_public_unless_an_administrators_path(tmp_path: Path, path: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _APP.format(path=path)})
    hits = [f for f in result.findings if f.rule_id == "AS101" and f.severity >= Severity.MEDIUM
            and f.location and f.location.line > 12]
    assert bool(hits) is reported


_NAMED_OTHERWISE = SIGNED_IN_NOTES_APP + """\
@app.route('{path}', methods=['GET', 'POST'])
def {handler}():
    if request.method == 'POST':
        name = request.form.get('username')
        secret_word = request.form.get('{field}')
        db = sqlite3.connect('app.db')
        db.execute('INSERT INTO users (username, password) VALUES (?, ?)', (name, secret_word))
        db.commit()
        return redirect(url_for('login'))
    return render_template('form.html')
"""


@pytest.mark.parametrize(("path", "handler", "field", "reported"), [
    ("/user/create", "do_create", "password", False),     # must stay quiet: it stores the caller's new account
    ("/inregistrare", "inregistrare", "password", False),  # a sign-up in another language
    ("/admin/user/create", "do_create", "password", True),  # must fire: an administrator's action
    ("/user/create", "do_create", "nickname", True),       # no password posted: not an account the caller signs up
])
def test_a_route_that_stores_a_posted_password_as_a_new_account_is_a_sign_up(
        tmp_path: Path, path: str, handler: str, field: str, reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _NAMED_OTHERWISE.format(path=path, handler=handler, field=field)})
    hits = [f for f in result.findings if f.rule_id == "AS101" and f.severity >= Severity.MEDIUM
            and handler in f.message]
    assert bool(hits) is reported
