"""Django function views (named in the URL configuration) that load an object by a key from their URL and never
check the caller are AS102: medium when the view changes the object, requires a login or the key names a user;
low for other reads. A comparison with ``request.user``, a lookup scoped to it, a refusal, a permission decorator,
the key of a thing shared by design (a poll's question) or a link's own secret (``share_token``) stays quiet; the id
of a record whose model is named for a secret (``secret_id``) is an id like any other."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

URLS = '''
from django.urls import path
from . import views

urlpatterns = [path("things/<int:{key}>/", views.view)]
'''

VIEW = '''
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from .models import Thing


{decorator}
def view(request, {key}):
{body}
'''

LOADS = "    thing = get_object_or_404(Thing, pk={key})\n"
EDITS = LOADS + "    thing.title = request.POST['title']\n    thing.save()\n    return redirect('/')\n"
SHOWS = LOADS + "    return render(request, 'thing.html', {{'thing': thing}})\n"
OWNER = LOADS + ("    if thing.owner != request.user:\n        raise PermissionDenied\n"
                 "    return render(request, 'thing.html', {{'thing': thing}})\n")
SCOPED = ("    thing = get_object_or_404(Thing, pk={key}, owner=request.user)\n"
          "    return render(request, 'thing.html', {{'thing': thing}})\n")


@pytest.mark.parametrize(("key", "decorator", "body", "expected"), [
    ("note_id", "", EDITS, Severity.MEDIUM),  # changes any note
    ("note_id", "@login_required", SHOWS, Severity.MEDIUM),  # a signed-in caller reads any note
    ("userid", "", SHOWS, Severity.MEDIUM),  # another user's record
    ("note_id", "", SHOWS, Severity.LOW),  # a read without a login: access by key may be the design
    ("note_id", "@login_required", OWNER, None),
    ("note_id", "@login_required", SCOPED, None),
    ("note_id", "@permission_required('notes.change_note')", EDITS, None),
    ("question_id", "", EDITS, None),  # a poll's question is everyone's
    ("secret_id", "@login_required", SHOWS, Severity.MEDIUM),  # the id of a Secret record, not a secret itself
    ("share_token", "@login_required", SHOWS, None),  # a link carrying its own secret: its holder may read
], ids=["edits", "signed-in-read", "user-key", "anonymous-read", "owner-compared", "scoped-lookup",
        "permission-decorator", "shared-kind", "id-of-a-secret-named-model", "capability-link"])
def test_a_django_view_loading_an_object_by_its_url_key(tmp_path: Path, key: str, decorator: str, body: str,
                                                        expected: Severity | None) -> None:
    files = {"app/__init__.py": "", "app/urls.py": URLS.format(key=key),
             "app/views.py": VIEW.format(decorator=decorator, key=key, body=body.format(key=key))}
    result = audit(tmp_path, files)
    found = [f for f in result.findings if f.rule_id == "AS102" and f.location and f.location.path == "app/views.py"]
    assert [f.severity for f in found] == ([expected] if expected is not None else [])


POSTED_URLS = '''
from django.urls import path
from . import views

urlpatterns = [path("things/delete", views.view)]
'''
POSTED = '''
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from .models import Thing, User


@login_required
def view(request):
    user = User.objects.get(username=request.user)
{body}
    return redirect('/')
'''


@pytest.mark.parametrize(("body", "expected"), [
    ("    id = request.POST.get('id', '-1')\n    Thing.objects.filter(id=id).delete()", Severity.MEDIUM),
    ("    thing_id = request.GET['thing_id']\n    Thing.objects.get(pk=thing_id).delete()", Severity.MEDIUM),
    ("    id = request.POST.get('id', '-1')\n    Thing.objects.filter(id=id, owner=user.id).delete()", None),
    ("    id = request.POST.get('id', '-1')\n    Thing.objects.filter(id=id, owner__username=user.username).delete()",
     None),
    ("    question_id = request.POST['question_id']\n    Thing.objects.filter(pk=question_id).delete()", None),
    ("    title = request.POST['title']\n    Thing.objects.create(title=title, owner=user)", None),
    ("    target_id = request.POST.get('user_id') or request.GET.get('user_id')\n"
     "    thing, _ = Thing.objects.get_or_create(user__id=target_id, "
     "defaults={'user': request.user})\n    thing.bio = request.POST['bio']\n    thing.save()", Severity.MEDIUM),
], ids=["posted-id", "query-id", "owner-scoped", "owner-lookup-scoped", "shared-kind", "no-key",
        "owner-chosen-by-the-client"])
def test_a_key_the_client_posts_is_read_as_one_from_the_url(tmp_path: Path, body: str,
                                                            expected: Severity | None) -> None:
    """``id = request.POST.get('id')`` picks the object as surely as ``<int:id>`` in the URL: a delete by it that
    never involves the caller hands every signed-in user every object."""
    files = {"app/__init__.py": "", "app/urls.py": POSTED_URLS,
             "app/views.py": POSTED.format(body=body)}
    result = audit(tmp_path, files)
    found = [f for f in result.findings if f.rule_id == "AS102" and f.location and f.location.path == "app/views.py"]
    assert [f.severity for f in found] == ([expected] if expected is not None else [])


def test_sql_by_a_posted_key_that_names_the_caller_is_scoped(tmp_path: Path) -> None:
    body = ("    note_id = request.POST.get('note_id')\n    with connection.cursor() as cursor:\n"
            "        cursor.execute(f'DELETE FROM notes WHERE id = {{note_id}} AND owner_id = {{request.user.id}}')")
    files = {"app/__init__.py": "", "app/urls.py": POSTED_URLS,
             "app/views.py": "from django.db import connection\n" + POSTED.format(body=body)}
    result = audit(tmp_path, files)
    assert not [f for f in result.findings if f.rule_id == "AS102" and f.location and f.location.path == "app/views.py"]


def test_a_key_tested_only_against_a_constant_involves_no_caller(tmp_path: Path) -> None:
    """``if user_id is None: user_id = request.GET.get('user_id')`` compares the client's key with nothing of the
    caller's: the profile it then loads is anyone's."""
    body = ("    if user_id is None:\n        user_id = request.GET.get('user_id')\n"
            "    profile = get_object_or_404(Thing, user__id=user_id)\n"
            "    return render(request, 'profile.html', {'profile': profile})\n")
    view = VIEW.replace("def view(request, {key}):", "def view(request, {key}=None):")
    files = {"app/__init__.py": "", "app/urls.py": URLS.format(key="user_id"),
             "app/views.py": view.format(decorator="", key="user_id", body=body)}
    result = audit(tmp_path, files)
    found = [f for f in result.findings if f.rule_id == "AS102" and f.location and f.location.path == "app/views.py"]
    assert [f.severity for f in found] == [Severity.MEDIUM]


CLASS_URLS = '''
from django.urls import path
from . import views

urlpatterns = [path("orders/<int:order_id>/", views.OrderView.as_view())]
'''
CLASS_VIEW = '''
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Order
from .permissions import IsOrderOwner


class OrderView(APIView):
    permission_classes = [{permission}]

    def get(self, request, order_id):
{body}
        return Response({{"id": order.id, "total": order.total}})
'''


@pytest.mark.parametrize(("permission", "body", "expected"), [
    ("IsAuthenticated", "        order = Order.objects.get(id=order_id)", Severity.MEDIUM),
    ("IsAuthenticated", "        order = Order.objects.get(id=order_id, user=request.user)", None),
    ("IsAuthenticated", "        if not request.user.is_staff:\n            return Response(status=403)\n"
                        "        order = Order.objects.get(id=order_id)", None),
    ("IsOrderOwner", "        order = Order.objects.get(id=order_id)\n"
                     "        self.check_object_permissions(request, order)", None),
    ("AllowAny", "        order = Order.objects.get(id=order_id)", Severity.LOW),
    ("IsAuthenticated", "        order = Order.objects.get(id=order_id)\n"
                        "        data = OrderSerializer(order, context={'user': request.user}).data", Severity.MEDIUM),
], ids=["signed-in-any-order", "scoped-to-the-caller", "staff-only", "own-permission-class", "open-on-purpose",
                                      "serializer-context-is-no-check"])
def test_a_class_based_view_loading_an_object_by_its_url_key(tmp_path: Path, permission: str, body: str,
                                                             expected: Severity | None) -> None:
    """A Django REST framework view's ``get(self, request, order_id)`` is read as a function view is: a signed-in
    caller reading any order by its URL key fires; a lookup scoped to the caller, a role test, or a permission
    class of the project's own (object permissions) stays quiet; a read the class opens to anyone on purpose
    (``AllowAny``) is low."""
    files = {"app/__init__.py": "", "app/urls.py": CLASS_URLS,
             "app/views.py": CLASS_VIEW.format(permission=permission, body=body)}
    result = audit(tmp_path, files)
    found = [f for f in result.findings if f.rule_id == "AS102" and f.location and f.location.path == "app/views.py"]
    assert [f.severity for f in found] == ([expected] if expected is not None else [])


RELATION_URLS = '''
from django.urls import path
from . import views

urlpatterns = [path("things/<{key}>/", views.ThingView.as_view())]
'''
RELATION_VIEW = '''
import hmac
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Profile, Tag, Note


class ThingView(APIView):
    permission_classes = [IsAuthenticated]

    def get_object(self, pk):
        return Tag.objects.get(pk=pk)

{method}
'''
RELATIONS = {
    "a note anyone signed in may delete (must fire)": ("note_id", "    def delete(self, request, note_id):\n"
        "        Note.objects.get(id=note_id).delete()\n        return Response(status=204)", True),
    "following a user changes the caller's own relation": ("username", "    def post(self, request, username):\n"
        "        follower = self.request.user.profile\n"
        "        followee = Profile.objects.get(user__username=username)\n"
        "        follower.follow(followee)\n        return Response(status=201)", False),
    "a like found through the caller's own manager": ("like_id", "    def delete(self, request, like_id):\n"
        "        request.user.like_set.filter(id=like_id).delete()\n        return Response(status=204)", False),
    "a file under a link that carries its own token": ("file_id", "    def get(self, request, file_id, "
        "public_token='x'):\n        note = Note.objects.get(id=file_id)\n"
        "        return Response({'n': note.id})", False),
    "a webhook that checks the sender's secret": ("note_id", "    def post(self, request, note_id):\n"
        "        note = Note.objects.get(id=note_id)\n"
        "        if not hmac.compare_digest(note.secret, request.headers.get('X-Secret', '')):\n"
        "            return Response(status=403)\n        note.save()\n        return Response(status=204)", False),
    "a shared tag read through the class's helper": ("pk", "    def delete(self, request, pk):\n"
        "        self.get_object(pk).delete()\n        return Response(status=204)", False),
}
OPEN_PROFILE = ("    permission_classes = []\n\n    def get(self, request, username):\n"
                "        profile = Profile.objects.get(user__username=username)\n"
                "        return Response({'bio': profile.bio})")


@pytest.mark.parametrize("case", sorted(RELATIONS))
def test_class_based_views_acting_on_the_callers_own_or_shared_things(tmp_path: Path, case: str) -> None:
    key, method, fires = RELATIONS[case]
    files = {"app/__init__.py": "", "app/urls.py": RELATION_URLS.format(key=key),
             "app/views.py": RELATION_VIEW.format(method=method)}
    found = [f for f in audit(tmp_path, files).findings if f.rule_id == "AS102" and f.severity >= Severity.MEDIUM]
    assert bool(found) is fires


def test_a_class_based_read_open_to_anyone_by_a_users_key_is_low(tmp_path: Path) -> None:
    """``GET /profiles/<username>`` on a class that asks nobody to sign in is a public profile far more often than a
    private record: reported low, not medium (a signed-in-only read of any user's record stays medium, above)."""
    view = RELATION_VIEW.format(method="").replace("    permission_classes = [IsAuthenticated]\n", "") + OPEN_PROFILE
    files = {"app/__init__.py": "", "app/urls.py": RELATION_URLS.format(key="username"), "app/views.py": view}
    found = [f for f in audit(tmp_path, files).findings if f.rule_id == "AS102"]
    assert [f.severity for f in found] == [Severity.LOW]


SHARED_VIEW = '''
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from .models import Question


@login_required
def view(request, pk):
    question = Question.objects.get(pk=pk)
{body}
'''


QUESTION = """from django.contrib.auth.models import User
from django.db import models


class Question(models.Model):
    text = models.CharField(max_length=200)
{owner}"""
CREATOR = "    creator = models.ForeignKey(User, on_delete=models.CASCADE)\n"
DELETES = "    question.delete()\n    return redirect('/')"


@pytest.mark.parametrize(("body", "owner", "reported"), [
    (DELETES, CREATOR, True),  # every visitor's to read, its creator's to delete
    ("    return render(request, 'detail.html', {'question': question})", CREATOR, False),
    (DELETES, "", False),  # a shared kind that names no owner: anyone may tidy it
])
def test_a_shared_kind_of_object_deleted_by_its_url_key(tmp_path: Path, body: str, owner: str,
                                                        reported: bool) -> None:
    files = {"app/__init__.py": "", "app/models.py": QUESTION.format(owner=owner),
             "app/urls.py": URLS.format(key="pk"), "app/views.py": SHARED_VIEW.format(body=body)}
    found = [f for f in audit(tmp_path, files).findings if f.rule_id == "AS102" and f.severity >= Severity.MEDIUM]
    assert bool(found) is reported
