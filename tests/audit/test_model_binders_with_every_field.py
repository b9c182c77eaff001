"""A Django ``ModelForm`` or REST framework ``ModelSerializer`` with ``fields = "__all__"`` hands the client every
field of its model (AS106): reported when the model has a privileged field (a role, staff flag, owner or price)
that the class leaves writable and the binder is filled from a request. Quiet when the privileged fields are
read-only or excluded, when the view fills them itself, when the model has none, and when only a read-only view
uses the binder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit, lines_of

_MODELS = """\
from django.db import models
from django.contrib.auth.models import AbstractUser


class Order(models.Model):
    owner = models.ForeignKey("auth.User", on_delete=models.CASCADE)
    item = models.CharField(max_length=50)
    price = models.DecimalField(max_digits=8, decimal_places=2)


class Note(models.Model):
    title = models.CharField(max_length=50)
    body = models.TextField()


class Member(AbstractUser):
    bio = models.TextField()


class Profile(models.Model):
    bio = models.TextField()
    role = models.CharField(max_length=10, default="member")
"""

_SERIALIZER = """\
from rest_framework import serializers
from django import forms
from .models import Order, Note, Member, Profile


class Binder({base}):
    class Meta:
        model = {model}
        fields = "__all__"
{meta}
"""

_VIEWSET = """\
from rest_framework import viewsets, generics
from .binders import Binder


class Things({view}):
    serializer_class = Binder
{body}
"""

_FORM_VIEW = """\
from django.shortcuts import render
from .binders import Binder


def edit(request):
    form = Binder(request.POST or None)
    if form.is_valid():
        form.save()
    return render(request, "edit.html", {"form": form})
"""


def _as106(root: Path, base: str, model: str, view: str, meta: str = "", body: str = "") -> list[int]:
    files = {"shop/__init__.py": "", "shop/models.py": _MODELS,
             "shop/binders.py": _SERIALIZER.format(base=base, model=model, meta=meta)}
    if base == "forms.ModelForm":
        files["shop/views.py"] = _FORM_VIEW
    else:
        files["shop/views.py"] = _VIEWSET.format(view=view, body=body or "    pass\n")
    return lines_of(audit(root, files), "AS106")


@pytest.mark.parametrize(("base", "model"), [
    ("serializers.ModelSerializer", "Order"),   # owner and price writable
    ("serializers.HyperlinkedModelSerializer", "Member"),  # is_staff and is_superuser of Django's user model
    ("forms.ModelForm", "Profile"),             # the role
])
def test_every_field_of_a_model_with_a_privileged_field_is_reported(tmp_path: Path, base: str, model: str) -> None:
    assert _as106(tmp_path, base, model, "viewsets.ModelViewSet") == [9]


@pytest.mark.parametrize(("model", "view", "meta", "body"), [
    ("Note", "viewsets.ModelViewSet", "", ""),  # nothing privileged to set
    ("Order", "viewsets.ModelViewSet", '        read_only_fields = ["owner", "price"]\n', ""),
    ("Order", "viewsets.ModelViewSet", '        exclude_me = 1\n        read_only_fields = ("owner", "price")\n', ""),
    ("Order", "viewsets.ModelViewSet",
     '        extra_kwargs = {"owner": {"read_only": True}, "price": {"read_only": True}}\n', ""),
    ("Order", "viewsets.ReadOnlyModelViewSet", "", ""),  # only answers records
    ("Order", "generics.ListAPIView", "", ""),
    ("Order", "viewsets.ModelViewSet", '        read_only_fields = ["price"]\n',
     "    def perform_create(self, serializer):\n        serializer.save(owner=self.request.user)\n"),
    ("Order", "viewsets.ModelViewSet", "", "    permission_classes = [IsAdminUser]\n"),  # administrators set them
    ("Order", "viewsets.ModelViewSet",  # the binder's own validation admits administrators only
     "\n    def validate(self, data):\n        if not self.context['request'].user.is_staff:\n"
     "            raise serializers.ValidationError('administrators only')\n        return data\n", ""),
])
def test_binders_whose_privileged_fields_the_client_cannot_set_are_quiet(
        tmp_path: Path, model: str, view: str, meta: str, body: str) -> None:
    assert _as106(tmp_path, "serializers.ModelSerializer", model, view, meta, body) == []
