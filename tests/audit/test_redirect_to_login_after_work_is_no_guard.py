"""A handler that sends the caller to the login page when nobody is signed in guards its route; one that does
its work for anyone and then redirects to the login page (``delete it, then "please log in"``) guards nothing:
the work is done before the redirect is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import SIGNED_IN_NOTES_APP, audit

_APP = SIGNED_IN_NOTES_APP + """\
@app.route('/notes/<int:note_id>/delete', methods=['GET', 'POST'])
def delete_note(note_id):
{body}
"""

_AFTER_WORK = {
    "unconditional": """\
    db = sqlite3.connect('app.db')
    db.execute('DELETE FROM notes WHERE id = ?', (note_id,))
    db.commit()
    return redirect(url_for('login'))""",
    "under a submission test": """\
    if request.method == 'POST':
        db = sqlite3.connect('app.db')
        db.execute('DELETE FROM notes WHERE id = ?', (note_id,))
        db.commit()
        return redirect(url_for('login'))
    return 'confirm?'""",
}

_GUARDED = {
    "no session, to the login page": """\
    if 'id' not in session:
        return redirect(url_for('login'))
    db = sqlite3.connect('app.db')
    db.execute('DELETE FROM notes WHERE id = ? AND owner = ?', (note_id, session['id']))
    db.commit()
    return redirect(url_for('notes'))""",
    "a failed token check, to the login page": """\
    try:
        uid = read_token(request.cookies['token'])
    except Exception:
        return redirect(url_for('login'))
    db = sqlite3.connect('app.db')
    db.execute('DELETE FROM notes WHERE id = ? AND owner = ?', (note_id, uid))
    db.commit()
    return redirect(url_for('notes'))""",
}


def _missing_auth(tmp_path: Path, body: str) -> list[object]:
    result = audit(tmp_path, {"app.py": _APP.format(body=body)})
    return [f for f in result.findings if f.rule_id == "AS101" and "delete_note" in f.message]


@pytest.mark.parametrize("body", _AFTER_WORK.values(), ids=_AFTER_WORK.keys())
def test_a_redirect_to_login_after_the_work_is_no_guard(tmp_path: Path, body: str) -> None:
    assert _missing_auth(tmp_path, body)


@pytest.mark.parametrize("body", _GUARDED.values(), ids=_GUARDED.keys())
def test_a_redirect_to_login_before_the_work_guards_the_route(tmp_path: Path, body: str) -> None:
    assert not _missing_auth(tmp_path, body)
