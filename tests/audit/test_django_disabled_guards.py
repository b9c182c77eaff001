"""A Django view whose own guard is commented out: ``# @login_required`` above it or a commented-out
``is_authenticated`` test in it, with nothing else in force requiring a sign-in (AS101); the same for a role check
(AS103). Reported at the commented-out line."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_VIEWS = """\
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views import generic
from .models import Question


{above}def vote(request, question_id):
    question = get_object_or_404(Question, pk=question_id)
{body}    question.choice_set.filter(pk=request.POST["choice"]).update(votes=1)
    return redirect("results", question.id)
"""

_URLS = """\
from django.urls import path
from . import views

urlpatterns = [path("<int:question_id>/vote/", views.vote)]
"""


def _found(tmp_path: Path, above: str = "", body: str = "") -> list[tuple[str, int]]:
    result = audit(tmp_path, {"polls/views.py": _VIEWS.format(above=above, body=body), "polls/urls.py": _URLS})
    return sorted((f.rule_id, f.location.line) for f in result.findings
                  if f.rule_id in {"AS101", "AS103"} and f.location is not None and f.severity > Severity.LOW)


@pytest.mark.parametrize(("above", "body", "expected"), [
    ("# @login_required\n", "", [("AS101", 7)]),
    ("# Fix: require a sign-in before voting\n\n# @login_required(login_url='/login/')\n", "", [("AS101", 9)]),
    ("@require_POST\n#@login_required\n", "", [("AS101", 8)]),
    ("", "    # if not request.user.is_authenticated:\n    #     return redirect('login')\n", [("AS101", 9)]),
    ("@login_required\n# @permission_required('polls.change_question')\n", "", [("AS103", 8)]),
    ("@login_required\n", "    # if not request.user.is_staff:\n    #     return redirect('/')\n", [("AS103", 10)]),
    ("", "    # if is_admin(request.session.get('username')):\n", [("AS103", 9)]),  # the project's own role helper
])
def test_a_guard_commented_out_is_reported_where_it_was(tmp_path: Path, above: str, body: str,
                                                         expected: list[tuple[str, int]]) -> None:
    assert _found(tmp_path, above, body) == expected


@pytest.mark.parametrize(("above", "body"), [
    ("", ""),                                                       # no trace of a guard: nothing to go on
    ("# @login_required\n@login_required\n", ""),                   # an older line beside the one in force
    ("# @login_required\n", "    if not request.user.is_authenticated:\n        return redirect('login')\n"),
    ("# @login_required\n# def vote(request, question_id):\n#     pass\n\n", ""),  # another function, disabled whole
    ("@login_required\n# @permission_required('polls.change_question')\n",
     "    if not request.user.has_perm('polls.change_question'):\n        return redirect('/')\n"),
    ("", "    # if is_admin(request.session.get('username')):\n"
         "    if not is_admin(request.session.get('username')):\n        return redirect('/')\n"),  # in force again
])
def test_a_guard_in_force_or_no_trace_of_one_is_quiet(tmp_path: Path, above: str, body: str) -> None:
    assert _found(tmp_path, above, body) == []


def test_a_value_passed_to_a_template_is_no_guard(tmp_path: Path) -> None:
    body = "    context = {'signed_in': request.user.is_authenticated}\n"
    assert _found(tmp_path, "# @login_required\n", body) == [("AS101", 7)]


def test_a_class_based_view_whose_decorator_is_commented_out(tmp_path: Path) -> None:
    views = ("from django.contrib.auth.decorators import login_required\n"
             "from django.utils.decorators import method_decorator\nfrom django.views import generic\n\n\n"
             "# @method_decorator(login_required, name='dispatch')\n"
             "class ResultsView(generic.DetailView):\n    template_name = 'results.html'\n")
    result = audit(tmp_path, {"polls/views.py": views})
    assert [(f.rule_id, f.location.line) for f in result.findings if f.rule_id == "AS101" and f.location] == [
        ("AS101", 6)]
    (tmp_path / "polls/views.py").write_text(views.replace("(generic.DetailView)",
                                                           "(LoginRequiredMixin, generic.DetailView)"))
    assert [f for f in audit(tmp_path).findings if f.rule_id == "AS101"] == []
