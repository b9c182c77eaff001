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
