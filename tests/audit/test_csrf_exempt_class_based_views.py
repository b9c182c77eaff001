"""Django's ``@method_decorator(csrf_exempt, name="dispatch")`` exempts a whole class-based view (and on one of
its methods, that method) from the CSRF check: AS501 reports it as it reports ``@csrf_exempt`` on a function view,
judged on the class's methods; a view that only answers safe methods is skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_VIEW = """\
from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils.decorators import method_decorator
from django.views import generic
from django.views.decorators.csrf import csrf_exempt


{decorator}
class SendView(LoginRequiredMixin, generic.TemplateView):
    template_name = "send.html"

{methods}
"""
_POST = """\
    def post(self, request, *args, **kwargs):
        account = request.user.account
        account.credits -= int(request.POST["amount"])
        account.save()
        return self.get(request)
"""
_GET = """\
    def get(self, request, *args, **kwargs):
        return super().get(request)
"""


@pytest.mark.parametrize(("decorator", "methods", "reported"), [
    ('@method_decorator(csrf_exempt, name="dispatch")', _POST, True),  # must fire: the transfer takes no token
    ('@method_decorator([csrf_exempt], name="post")', _POST, True),
    ('@method_decorator(csrf_exempt, name="get")', _POST, False),  # must stay quiet: GET is never checked
    ('@method_decorator(csrf_exempt, name="dispatch")', _GET, False),  # only a safe-method handler
    ('@method_decorator(login_required, name="dispatch")', _POST, False),  # no exemption at all
])
def test_a_class_based_view_exempted_by_method_decorator(tmp_path: Path, decorator: str, methods: str,
                                                         reported: bool) -> None:
    source = _VIEW.format(decorator=decorator, methods=methods)
    result = audit(tmp_path, {"shop/views.py": source})
    found = [f for f in result.findings if f.rule_id == "AS501" and f.severity > Severity.LOW]
    assert bool(found) is reported


def test_method_decorator_on_a_views_post_method(tmp_path: Path) -> None:
    source = _VIEW.format(decorator="", methods=_POST.replace(
        "    def post", '    @method_decorator(csrf_exempt)\n    def post'))
    result = audit(tmp_path, {"shop/views.py": source})
    assert any(f.rule_id == "AS501" for f in result.findings)


def test_a_view_that_knows_its_caller_by_a_token_in_the_link_is_low(tmp_path: Path) -> None:
    """An unsubscribe link's view: the caller is the user its signed token names (``self.user``), never the session,
    so a forged request can do no more than one sent with the token directly."""
    methods = ("    def dispatch(self, request, *args, **kwargs):\n"
               "        self.user = user_from_token(request.GET.get('token'))\n"
               "        return super().dispatch(request, *args, **kwargs)\n\n"
               "    def post(self, request, *args, **kwargs):\n        self.save_choice(self.user, False)\n"
               "        return JsonResponse({'ok': True})\n\n"
               "    def save_choice(self, user, on):\n        Setting.objects.filter(user=user).update(email=on)\n")
    source = _VIEW.replace("(LoginRequiredMixin, generic.TemplateView)", "(generic.TemplateView)").format(
        decorator='@method_decorator(csrf_exempt, name="dispatch")', methods=methods)
    found = [f for f in audit(tmp_path, {"mail/views.py": source}).findings if f.rule_id == "AS501"]
    assert found and all(f.severity == Severity.LOW for f in found)
