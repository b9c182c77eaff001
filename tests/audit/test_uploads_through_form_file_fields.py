"""A file a WTForms or Flask-WTF form receives (``image = FileField(...)`` in the form class, ``form.image.data`` in
the view) is an upload like ``request.files['image']``: stored without a check of its type it is AS814, wherever the
form class is defined. A type check before it is stored, or a field that is not a file field, stays quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

FORMS = '''from flask_wtf import FlaskForm
from wtforms import FileField, StringField, SubmitField


class PostForm(FlaskForm):
    content = StringField("New post")
    image = {field}("Image")
    submit = SubmitField("Post")
'''

ROUTES = '''import os

from flask import Flask, redirect, render_template

from forms import PostForm

app = Flask(__name__)
app.config["UPLOAD_PATH"] = "static/uploads"


@app.route("/stream", methods=["GET", "POST"])
def stream():
    form = PostForm()
    if form.is_submitted():
        if form.image.data:{check}
            path = os.path.join(app.config["UPLOAD_PATH"], form.image.data.filename)
            form.image.data.save(path)
        return redirect("/stream")
    return render_template("stream.html", form=form)
'''

CHECK = '''
            if not form.image.data.filename.lower().endswith((".png", ".jpg")):
                return redirect("/stream")'''


@pytest.mark.parametrize(("field", "check", "reported"), [
    ("FileField", "", True),
    ("FileField", CHECK, False),
    ("StringField", "", False),
])
def test_a_form_file_field_is_an_upload(tmp_path: Path, field: str, check: str, reported: bool) -> None:
    files = {"forms.py": FORMS.format(field=field), "app.py": ROUTES.format(check=check)}
    assert any(f.rule_id == "AS814" for f in audit(tmp_path, files).findings) is reported
