"""A sign-up, reset or password change that keeps whatever password the client sends (AS610 in the code): the
password is read from the request and hashed, written or handed to an account's creation with nothing that looks at
its length or content first. Quiet when anything checks it (a length of eight or more, a pattern, a validator), when
the function verifies that same password (a sign-in), and when a request schema constrains the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_FLASK = """\
from flask import Flask, request
from werkzeug.security import generate_password_hash

app = Flask(__name__)


@app.post("/register")
def register():
    username = request.form["username"]
    password = request.form["password"]
{check}    db.execute("INSERT INTO users (username, password) VALUES (?, ?)",
               (username, generate_password_hash(password)))
    return "ok"
"""

_DJANGO = """\
from django.contrib.auth.models import User
from django.shortcuts import redirect


def sign_up(request):
    password = request.POST["password1"]
{check}    User.objects.create_user(username=request.POST["username"], password=password)
    return redirect("/")
"""

_FASTAPI = """\
from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI()


class UserCreate(BaseModel):
    email: str
    password: {field}


@app.post("/users")
def create(body: UserCreate):
    user = User(email=body.email, hashed_password=hash_password(body.password))
    session.add(user)
    return {{"id": user.id}}
"""


@pytest.mark.parametrize("source", [_FLASK, _DJANGO])
def test_a_password_kept_with_no_check_is_reported_where_it_is_kept(tmp_path: Path, source: str) -> None:
    result = audit(tmp_path, {"app.py": source.format(check="")})
    expected = 11 if source is _FLASK else 7
    assert lines_of(result, "AS610") == [expected]


def test_a_minimum_under_eight_characters_is_reported_with_the_minimum(tmp_path: Path) -> None:
    check = "    if len(password) < 4:\n        return 'too short', 400\n"
    result = audit(tmp_path, {"app.py": _FLASK.format(check=check)})
    found = [f for f in result.findings if f.rule_id == "AS610"]
    assert len(found) == 1 and "asks only 4 characters" in found[0].message


@pytest.mark.parametrize("check", [
    "    if len(password) < 8:\n        return 'too short', 400\n",
    "    if not re.fullmatch(PASSWORD_RULE, password):\n        return 'weak', 400\n",
    "    if not any(c.isdigit() for c in password):\n        return 'weak', 400\n",
    "    validate_password_strength(password)\n",
])
def test_a_password_looked_at_before_it_is_kept_is_quiet(tmp_path: Path, check: str) -> None:
    assert lines_of(audit(tmp_path, {"app.py": _FLASK.format(check=check)}), "AS610") == []


def test_djangos_validate_password_before_create_user_is_quiet(tmp_path: Path) -> None:
    result = audit(tmp_path, {"app.py": _DJANGO.format(check="    validate_password(password)\n")})
    assert lines_of(result, "AS610") == []


def test_a_sign_in_that_verifies_the_password_it_rehashes_is_no_choice(tmp_path: Path) -> None:
    source = ("from flask import Flask, request\napp = Flask(__name__)\n\n\n@app.post('/login')\ndef login():\n"
              "    password = request.json['password']\n    user = find(request.json['email'])\n"
              "    if not check_password_hash(user.password, password):\n        return 'no', 401\n"
              "    user.password = generate_password_hash(password)\n    return 'ok'\n")
    assert lines_of(audit(tmp_path, {"app.py": source}), "AS610") == []


@pytest.mark.parametrize(("field", "reported"), [
    ("str", True),
    ("str = Field(min_length=8)", False),
    ("constr(min_length=10)", False),
])
def test_a_password_from_a_request_schema_is_judged_by_the_schemas_field(tmp_path: Path, field: str,
                                                                          reported: bool) -> None:
    result = audit(tmp_path, {"app.py": _FASTAPI.format(field=field)})
    assert lines_of(result, "AS610") == ([14] if reported else [])


def test_a_schema_validator_for_the_password_is_a_check(tmp_path: Path) -> None:
    source = _FASTAPI.format(field="str\n\n    @field_validator('password')\n    @classmethod\n"
                                   "    def strong(cls, v):\n        return require_strength(v)")
    assert lines_of(audit(tmp_path, {"app.py": source}), "AS610") == []


def test_a_schema_found_nowhere_in_the_project_is_not_judged(tmp_path: Path) -> None:
    source = _FASTAPI.replace("class UserCreate(BaseModel):\n    email: str\n    password: {field}\n", "")
    source = source.replace("{{", "{").replace("}}", "}")
    assert lines_of(audit(tmp_path, {"app.py": "from .schemas import UserCreate\n" + source}), "AS610") == []


_SERIALIZER = """\
from django.contrib.auth import get_user_model
from rest_framework import serializers


class UserSerializer(serializers.ModelSerializer):
{fields}
    class Meta:
        model = get_user_model()
        fields = ["email", "password"]
{meta}
    def create(self, validated_data):
        return get_user_model().objects.create_user(**validated_data, password=validated_data["password"])
"""


@pytest.mark.parametrize(("fields", "meta", "reported"), [
    ("    password = serializers.CharField(write_only=True)\n", "", True),
    ("", "        extra_kwargs = {'password': {'write_only': True, 'min_length': 8}}\n", False),
    ("    password = serializers.CharField(write_only=True)\n\n    def validate_password(self, value):\n"
     "        validate_password(value)\n        return value\n", "", False),
])
def test_a_rest_framework_serializer_is_the_schema_of_the_password_it_creates_an_account_with(
        tmp_path: Path, fields: str, meta: str, reported: bool) -> None:
    source = _SERIALIZER.format(fields=fields, meta=meta)
    found = lines_of(audit(tmp_path, {"users/serializers.py": source}), "AS610")
    assert bool(found) is reported


@pytest.mark.parametrize(("validate", "reported"), [("", True), (", validate=validate.Length(min=8)", False)])
def test_a_schema_a_decorator_loads_the_body_with_is_the_passwords_schema(tmp_path: Path, validate: str,
                                                                          reported: bool) -> None:
    source = ("from apifairy import body\nfrom marshmallow import Schema, fields, validate\n\n\n"
              f"class ResetSchema(Schema):\n    new_password = fields.String(required=True{validate})\n\n\n"
              "@bp.put('/reset')\n@body(ResetSchema)\ndef reset(args):\n    user = find_user(args['token'])\n"
              "    user.password = args['new_password']\n    return {}\n")
    assert bool(lines_of(audit(tmp_path, {"api/tokens.py": source}), "AS610")) is reported


def test_a_sign_in_that_compares_the_typed_passwords_hash_with_the_stored_one_is_no_choice(tmp_path: Path) -> None:
    source = ("from flask import Flask, request\napp = Flask(__name__)\n\n\n@app.post('/login')\ndef login():\n"
              "    password = request.form['password']\n    user = find(request.form['email'])\n"
              "    if user.password == hash_password(password):\n        return 'ok'\n    return 'no', 401\n")
    assert lines_of(audit(tmp_path, {"app.py": source}), "AS610") == []


def test_a_schema_minimum_under_eight_is_reported_with_it(tmp_path: Path) -> None:
    result = audit(tmp_path, {"app.py": _FASTAPI.format(field="str = Field(min_length=5)")})
    found = [f for f in result.findings if f.rule_id == "AS610"]
    assert len(found) == 1 and "asks only 5 characters" in found[0].message


def test_a_password_carried_by_a_plain_data_object_is_not_judged(tmp_path: Path) -> None:
    source = ("from dataclasses import dataclass\n\n\n@dataclass\nclass NewUserDTO:\n    email: str\n"
              "    password: str\n\n\nclass Users:\n    def create(self, dto: NewUserDTO):\n"
              "        return self.session.add(User(email=dto.email, password=hash_password(dto.password)))\n")
    assert lines_of(audit(tmp_path, {"repositories.py": source}), "AS610") == []


def test_a_validating_hook_before_the_handler_is_a_check(tmp_path: Path) -> None:
    source = _FLASK.format(check="").replace('@app.post("/register")\n',
                                             '@app.post("/register")\n@falcon.before(validate_user_create)\n')
    assert lines_of(audit(tmp_path, {"app.py": source}), "AS610") == []


def test_only_a_call_named_wholly_for_keeping_keeps_the_password(tmp_path: Path) -> None:
    source = ("from flask import Flask, request\napp = Flask(__name__)\n\n\n@app.post('/search')\ndef search():\n"
              "    password = request.form['password']\n    return remove_select_insert(password)\n")
    assert lines_of(audit(tmp_path, {"app.py": source}), "AS610") == []


def test_a_schema_whose_validating_base_lives_in_a_module_without_passwords_is_judged(tmp_path: Path) -> None:
    base = "from pydantic import BaseModel\n\n\nclass RWModel(BaseModel):\n    model_config = {}\n"
    models = "from .base import RWModel\n\n\nclass UserIn(RWModel):\n    email: str\n    password: str\n"
    crud = ("from .models import UserIn\n\n\nasync def create_user(conn, user: UserIn):\n"
            "    return await conn.users.insert_one({'email': user.email, 'hashed': hash_password(user.password)})\n")
    result = audit(tmp_path, {"app/base.py": base, "app/models.py": models, "app/crud.py": crud})
    assert lines_of(result, "AS610") == [5]


_DJANGO_FORM = """\
from django import forms
from django.contrib.auth.models import User
from django.shortcuts import redirect


class SignUpForm(forms.Form):
    username = forms.CharField(max_length=150)
    password = forms.CharField(widget=forms.PasswordInput{options})


def sign_up(request):
    form = SignUpForm(request.POST)
    if form.is_valid():
        User.objects.create_user(username=form.cleaned_data["username"],
                                 password=form.cleaned_data["password"])
    return redirect("/")
"""


@pytest.mark.parametrize(("options", "reported"), [
    ("", True),  # must fire: the form built from the request asks nothing of the password
    (", min_length=8", False),  # must stay quiet: the form's field states a minimum of eight
    (", validators=[validate_password]", False),
])
def test_a_password_from_a_form_built_from_the_request_is_judged_by_the_forms_field(
        tmp_path: Path, options: str, reported: bool) -> None:
    result = audit(tmp_path, {"accounts/views.py": _DJANGO_FORM.format(options=options)})
    assert bool(lines_of(result, "AS610")) is reported


def test_a_form_built_without_request_data_carries_no_password_from_it(tmp_path: Path) -> None:
    source = _DJANGO_FORM.format(options="").replace("SignUpForm(request.POST)", "SignUpForm(initial={})")
    assert lines_of(audit(tmp_path, {"accounts/views.py": source}), "AS610") == []


@pytest.mark.parametrize(("check_body", "reported"), [
    ("        return True", True),  # must fire: the check answers True whatever it is given
    ("        return len(password) >= 12", False),  # must stay quiet: a real minimum
])
def test_a_strength_check_that_approves_everything_checks_nothing(tmp_path: Path, check_body: str,
                                                                  reported: bool) -> None:
    source = ("from django.contrib.auth.models import User\nfrom django.shortcuts import redirect\n"
              "from django.views import View\n\n\nclass SignupView(View):\n"
              f"    def strong_password(self, password):\n{check_body}\n\n"
              "    def post(self, request):\n        password = request.POST.get('password')\n"
              "        if self.strong_password(password):\n"
              "            User.objects.create_user(username=request.POST['username'], password=password)\n"
              "        return redirect('/')\n")
    assert bool(lines_of(audit(tmp_path, {"users/views.py": source}), "AS610")) is reported
