"""A Django sign-in that answers every guess (AS202): Django counts no failed logins, so a site needs a limiter
(django-axes, django-defender, django-ratelimit), a limiting decorator, a REST framework throttle or a refusal of
its own after repeated failures kept outside the client's session. Reported where the limiter was switched off,
else at each sign-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import DJANGO_SETTINGS, audit

_LOGIN_VIEW = """\
from django.contrib.auth import authenticate, login
from django.shortcuts import redirect, render
{imports}

{decorator}def sign_in(request):
    if request.method == "POST":
        user = authenticate(request, username=request.POST["username"], password=request.POST["password"])
        if user is not None:
            login(request, user)
            return redirect("/")
{body}    return render(request, "login.html")
"""

_URLS = """\
from django.urls import path
from . import views

urlpatterns = [path("login/", views.sign_in)]
"""


def _as202(tmp_path: Path, *, apps: str = "", middleware: str = "", extra: str = "", decorator: str = "",
           imports: str = "", body: str = "", urls: str = _URLS) -> list[tuple[str, int]]:
    result = audit(tmp_path, {
        "site/settings.py": DJANGO_SETTINGS.format(apps=apps, middleware=middleware, extra=extra),
        "shop/views.py": _LOGIN_VIEW.format(decorator=decorator, imports=imports, body=body),
        "shop/urls.py": urls,
    })
    return [(f.location.path, f.location.line) for f in result.findings
            if f.rule_id == "AS202" and f.location is not None]


def test_a_view_of_its_own_checking_passwords_without_a_limit_is_reported_at_the_check(tmp_path: Path) -> None:
    assert _as202(tmp_path) == [("shop/views.py", 7)]


def test_djangos_login_view_served_without_a_limiter_is_reported_at_the_url(tmp_path: Path) -> None:
    urls = ('from django.contrib.auth import views as auth_views\nfrom django.urls import include, path\n\n'
            'urlpatterns = [\n    path("accounts/", include("django.contrib.auth.urls")),\n'
            '    path("login/", auth_views.LoginView.as_view()),\n]\n')
    found = _as202(tmp_path, urls=urls)
    assert ("shop/urls.py", 5) in found and ("shop/urls.py", 6) in found


@pytest.mark.parametrize("setting", [
    {"apps": '    "axes",\n', "middleware": '    "axes.middleware.AxesMiddleware",\n'},
    {"apps": '    "defender",\n', "middleware": '    "defender.middleware.FailedLoginMiddleware",\n'},
    {"decorator": '@ratelimit(key="ip", rate="5/m", method="POST", block=True)\n',
     "imports": "from django_ratelimit.decorators import ratelimit"},
    {"body": ("    if Attempt.objects.filter(ip=request.META['REMOTE_ADDR']).count() >= 5:\n"
              "        return render(request, 'locked.html', status=429)\n")},
])
def test_a_limited_sign_in_is_quiet(tmp_path: Path, setting: dict[str, str]) -> None:
    assert _as202(tmp_path, **setting) == []


def test_a_failure_count_kept_in_the_clients_session_limits_nothing(tmp_path: Path) -> None:
    body = ("    if request.session.get('failed_attempts', 0) >= 5:\n"
            "        return render(request, 'locked.html', status=429)\n")
    assert _as202(tmp_path, body=body) == [("shop/views.py", 7)]


def test_a_limiter_switched_off_is_reported_once_where_it_was_switched_off(tmp_path: Path) -> None:
    found = _as202(tmp_path, apps='    "axes",\n', middleware='    "axes.middleware.AxesMiddleware",\n',
                   extra="AXES_ENABLED = False\n")
    assert found == [("site/settings.py", 16)]


def test_a_limiter_middleware_commented_out_is_reported_at_its_line(tmp_path: Path) -> None:
    found = _as202(tmp_path, middleware='    # "axes.middleware.AxesMiddleware",\n')
    assert found == [("site/settings.py", 13)]


def test_checking_a_signed_in_users_current_password_is_no_sign_in(tmp_path: Path) -> None:
    found = _as202(tmp_path, decorator="@login_required\n",
                   imports="from django.contrib.auth.decorators import login_required")
    assert found == []


def test_a_rest_framework_token_view_is_quiet_when_the_settings_throttle(tmp_path: Path) -> None:
    urls = ('from django.urls import path\nfrom rest_framework_simplejwt.views import TokenObtainPairView\n\n'
            'urlpatterns = [path("token/", TokenObtainPairView.as_view())]\n')
    throttled = ('REST_FRAMEWORK = {"DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],\n'
                 '                  "DEFAULT_THROTTLE_RATES": {"anon": "10/minute"}}\n')
    result = audit(tmp_path, {"site/settings.py": DJANGO_SETTINGS.format(apps="", middleware="", extra=throttled),
                              "api/urls.py": urls})
    assert [f for f in result.findings if f.rule_id == "AS202"] == []
    (tmp_path / "site/settings.py").write_text(DJANGO_SETTINGS.format(apps="", middleware="", extra=""))
    again = audit(tmp_path)
    assert [(f.location.path, f.location.line) for f in again.findings
            if f.rule_id == "AS202" and f.location] == [("api/urls.py", 4)]


_SERIALIZERS = """\
from django.contrib.auth.hashers import check_password
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed

from .models import User


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(write_only=True)

    def validate(self, attrs):
        user = User.objects.filter(username=attrs["username"]).first()
        if user is None or not check_password(attrs["password"], user.password):
            raise AuthenticationFailed("Invalid username or password")
        attrs["user"] = user
        return attrs


class ChangePasswordSerializer(serializers.Serializer):
    current_password = serializers.CharField()

    def validate(self, attrs):
        if not self.context["request"].user.check_password(attrs["current_password"]):
            raise serializers.ValidationError("wrong password")
        return attrs
"""

_VIEWS = """\
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
{imports}
from .serializers import LoginSerializer


class LoginAPIView(APIView):
    permission_classes = [AllowAny]
{throttle}
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({{"ok": True}})
"""


def _serializer_as202(tmp_path: Path, throttle: str = "", imports: str = "", extra: str = "") -> list[tuple[str, int]]:
    result = audit(tmp_path, {
        "site/settings.py": DJANGO_SETTINGS.format(apps="", middleware="", extra=extra),
        "accounts/serializers.py": _SERIALIZERS,
        "accounts/views.py": _VIEWS.format(throttle=throttle, imports=imports),
    })
    return [(f.location.path, f.location.line) for f in result.findings
            if f.rule_id == "AS202" and f.location is not None]


def test_a_serializer_that_checks_a_posted_password_is_a_sign_in_reported_at_the_check(tmp_path: Path) -> None:
    # the change-password serializer re-checks the signed-in user's own password: no sign-in
    assert _serializer_as202(tmp_path) == [("accounts/serializers.py", 14)]


@pytest.mark.parametrize("setting", [
    {"throttle": "    throttle_classes = [AnonRateThrottle]\n",
     "imports": "from rest_framework.throttling import AnonRateThrottle"},
    {"extra": 'REST_FRAMEWORK = {"DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"]}\n'},
])
def test_a_serializer_sign_in_behind_a_throttled_view_or_a_site_throttle_is_quiet(
        tmp_path: Path, setting: dict[str, str]) -> None:
    assert _serializer_as202(tmp_path, **setting) == []


def test_an_api_view_that_checks_the_signed_in_users_password_is_no_sign_in(tmp_path: Path) -> None:
    view = ("from rest_framework.permissions import IsAuthenticated\nfrom rest_framework.views import APIView\n\n\n"
            "class DeleteAccountView(APIView):\n    permission_classes = [IsAuthenticated]\n\n"
            "    def post(self, request):\n        me = request.user\n"
            "        if not me.check_password(request.data['password']):\n            return None\n"
            "        me.delete()\n")
    result = audit(tmp_path, {"site/settings.py": DJANGO_SETTINGS.format(apps="", middleware="", extra=""),
                              "accounts/views.py": view})
    assert [f for f in result.findings if f.rule_id == "AS202"] == []


def test_an_authentication_backends_password_check_is_reported_where_its_sign_in_is_served(tmp_path: Path) -> None:
    backend = ("from django.contrib.auth.backends import BaseBackend\n\n\nclass EmailBackend(BaseBackend):\n"
               "    def authenticate(self, request, username=None, password=None):\n"
               "        user = User.objects.get(email=username)\n"
               "        return user if user.check_password(password) else None\n")
    found = _as202(tmp_path, urls=_URLS)
    result = audit(tmp_path, {"shop/backends.py": backend})
    assert [(f.location.path, f.location.line) for f in result.findings
            if f.rule_id == "AS202" and f.location] == found == [("shop/views.py", 7)]


_SQL_LOGIN = """\
from django.db import connection
from django.shortcuts import redirect, render
{decorator}

def sign_in(request):
    if request.method == "POST":
        username = request.POST.get("username", "")
        password = request.POST.get("password", "")
        query = "SELECT id FROM accounts WHERE username = %s AND {column} = %s"
        with connection.cursor() as cursor:
            cursor.execute(query, [username, password])
            if cursor.fetchone():
                return redirect("/")
    return render(request, "login.html")
"""


@pytest.mark.parametrize("column", ["password", "password_hash"])
def test_a_view_that_selects_the_account_by_the_typed_password_is_a_sign_in(tmp_path: Path, column: str) -> None:
    result = audit(tmp_path, {"site/settings.py": DJANGO_SETTINGS.format(apps="", middleware="", extra=""),
                              "shop/views.py": _SQL_LOGIN.format(decorator="", column=column)})
    assert [(f.location.path, f.location.line) for f in result.findings if f.rule_id == "AS202" and f.location] == [
        ("shop/views.py", 11)]


@pytest.mark.parametrize(("limited", "column"), [
    (False, "username"),  # no password in the query: a lookup, not a sign-in
    (True, "password"),  # a limiting decorator on the view
])
def test_a_query_that_checks_no_typed_password_or_a_limited_view_is_quiet(
        tmp_path: Path, limited: bool, column: str) -> None:
    source = _SQL_LOGIN.format(decorator="", column=column)
    if limited:
        source = source.replace("def sign_in(request):", "@ratelimit(key='ip', rate='5/m')\ndef sign_in(request):")
        source = "from django_ratelimit.decorators import ratelimit\n" + source
    result = audit(tmp_path, {"site/settings.py": DJANGO_SETTINGS.format(apps="", middleware="", extra=""),
                              "shop/views.py": source})
    assert [f for f in result.findings if f.rule_id == "AS202"] == []
