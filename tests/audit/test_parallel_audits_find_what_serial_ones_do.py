"""A project large enough for the process pool (its workers strip the modules they send back) is audited exactly
as one process audits it: every finding the same, the project checks that read modules' code included (a password
stored through a database helper, Django settings without password validators, a model form binding a
privileged field)."""

from __future__ import annotations

from pathlib import Path

from apishield.audit.config import AuditConfig
from apishield.audit.engine import PARALLEL_THRESHOLD, run
from tests.audit.helpers import write

FILES = {
    "shop/settings.py": "INSTALLED_APPS = ['django.contrib.auth', 'shop']\nSECRET_KEY = 'x' * 50\n",
    "shop/dbwrappers.py": '''import sqlite3


class Database:
    def __init__(self):
        self.conn = sqlite3.connect("shop.db")

    def insert_user(self, username, password):
        self.conn.execute(f"INSERT INTO users(username, password) VALUES('{username}', '{password}')")
''',
    "shop/app.py": '''from flask import Flask, request

from dbwrappers import Database

app = Flask(__name__)
db = Database()


@app.route("/register", methods=["POST"])
def register():
    db.insert_user(request.form["username"], request.form["password"])
    return "ok"
''',
    "shop/models.py": "from django.db import models\n\n\nclass Profile(models.Model):\n"
                      "    role = models.CharField(max_length=10)\n",
    "shop/forms.py": "from django import forms\n\nfrom .models import Profile\n\n\n"
                     "class ProfileForm(forms.ModelForm):\n    class Meta:\n        model = Profile\n"
                     "        fields = '__all__'\n",
    "shop/views.py": "from .forms import ProfileForm\n\n\ndef edit(request):\n"
                     "    form = ProfileForm(request.POST)\n    form.save()\n",
}


def test_parallel_and_serial_audits_agree(tmp_path: Path) -> None:
    files = dict(FILES)
    files.update({f"shop/helpers/h{n}.py": f"def helper_{n}(x):\n    return x + {n}\n"
                  for n in range(PARALLEL_THRESHOLD)})
    root = write(tmp_path / "project", files)
    serial = run([str(root)], AuditConfig(), jobs=1)
    parallel = run([str(root)], AuditConfig(), jobs=2)
    seen = {(f.rule_id, f.location.path, f.location.line) for f in parallel.findings if f.location}
    assert seen == {(f.rule_id, f.location.path, f.location.line) for f in serial.findings if f.location}
    assert {"AS106", "AS608", "AS610"} <= {rule for rule, _path, _line in seen}
