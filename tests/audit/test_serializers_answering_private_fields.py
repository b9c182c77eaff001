"""A REST framework model serializer with ``fields = "__all__"`` over a model holding a private field (an SSN, Django's
password hash) answers that field to every caller its view shows records to: AS107, when a view of the project names
the serializer. Quiet when the field is ``write_only`` or excluded, when the fields are listed (the author's own
choice), and when no code names the serializer."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

MODELS = '''
from django.contrib.auth.models import User
from django.db import models


class Profile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE)
    bio = models.TextField()
    ssn = models.CharField(max_length=11)
    api_token = models.CharField(max_length=64)
'''

SERIALIZERS = '''
from django.contrib.auth.models import User
from rest_framework import serializers

from .models import Profile


class ProfileSerializer(serializers.ModelSerializer):
{declared}    class Meta:
        model = {model}
        fields = {fields}
{extra}'''

VIEWS = '''
from rest_framework import generics

from .serializers import ProfileSerializer


class ProfileList(generics.ListAPIView):
    serializer_class = ProfileSerializer
'''


@pytest.mark.parametrize(("model", "fields", "declared", "extra", "used", "reported"), [
    ("Profile", '"__all__"', "", "", True, True),
    ("User", '"__all__"', "", "", True, True),  # Django's user keeps its password hash as a field
    ("Profile", '["id", "bio", "ssn"]', "", "", True, False),  # a list is the author's choice
    ("Profile", '"__all__"', "", '        extra_kwargs = {"ssn": {"write_only": True}}\n', True, False),
    ("Profile", '"__all__"', "    ssn = serializers.CharField(write_only=True)\n", "", True, False),
    ("Profile", '"__all__"', "", '        exclude = ["bio"]\n', True, True),  # the SSN is still answered
    ("Profile", '["id", "bio"]', "", "", True, False),
    ("Profile", '"__all__"', "", "", False, False),
], ids=["all-fields", "django-user", "listed", "write-only-kwargs", "write-only-field", "other-excluded",
        "listed-plain", "never-named"])
def test_serializers_answering_private_fields(tmp_path: Path, model: str, fields: str, declared: str, extra: str,
                                              used: bool, reported: bool) -> None:
    files = {"app/__init__.py": "", "app/models.py": MODELS,
             "app/serializers.py": SERIALIZERS.format(model=model, fields=fields, declared=declared, extra=extra)}
    if used:
        files["app/views.py"] = VIEWS
    result = audit(tmp_path, files)
    hits = [f for f in result.findings if f.rule_id == "AS107" and "serializer" in f.message]
    assert bool(hits) is reported, [f.message for f in hits]
