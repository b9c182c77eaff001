"""Django REST framework views that anyone may call (``permission_classes`` empty or ``AllowAny``, or none with an
open project default) and that change stored data or list people's records are reported (AS101); views the project's
default or their own classes guard, views that act as the caller, public-by-nature views and creates alone are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

_HEAD = "from rest_framework import generics, viewsets\nfrom rest_framework.views import APIView\n" \
        "from rest_framework.response import Response\nfrom rest_framework.permissions import AllowAny, " \
        "IsAuthenticated\nfrom .models import Order, Product, User\n\n"

_WRITE = '''
class ToggleProduct(APIView):
    permission_classes = {classes}

    def post(self, request, product_id):
        product = Product.objects.get(id=product_id)
        product.visible = not product.visible
        product.save()
        return Response({{"visible": product.visible}})
'''

_LIST_USERS = '''
class UserListView(APIView):
    def get(self, request):
        return Response([u.email for u in User.objects.all()])
'''

_VIEWSET = '''
class OrderViewSet(viewsets.ModelViewSet):
    queryset = Order.objects.all()
    serializer_class = OrderSerializer
'''


def _hits(tmp_path: Path, files: dict[str, str]) -> list[int]:
    return [f.location.line for f in audit(tmp_path, files).findings
            if f.rule_id == "AS101" and "DRF view" in f.message]


@pytest.mark.parametrize(("classes", "reported"), [
    ("[]", True),  # must fire: nobody is required
    ("[AllowAny]", True),
    ("[IsAuthenticated]", False),  # must stay quiet: a sign-in is required
    ("[IsOwnerOrAdmin]", False),  # the project's own class decides
])
def test_write_views_whose_permission_classes_let_anyone_in(tmp_path: Path, classes: str, reported: bool) -> None:
    hits = _hits(tmp_path, {"shop/views.py": _HEAD + _WRITE.format(classes=classes)})
    assert hits == ([11] if reported else [])  # at post()


@pytest.mark.parametrize(("settings", "reported"), [
    ("", True),  # DRF's own default: AllowAny
    ("REST_FRAMEWORK = {'DEFAULT_PERMISSION_CLASSES': []}\n", True),
    ("REST_FRAMEWORK = {'DEFAULT_PERMISSION_CLASSES': ['rest_framework.permissions.AllowAny']}\n", True),
    ("REST_FRAMEWORK = {'DEFAULT_PERMISSION_CLASSES': ['rest_framework.permissions.IsAuthenticated']}\n", False),
    ("REST_FRAMEWORK = build_settings()\n", False),  # built at run time: unknown, no finding
])
def test_views_naming_no_classes_follow_the_project_default(tmp_path: Path, settings: str, reported: bool) -> None:
    files = {"app/settings.py": "SECRET_KEY = env('KEY')\n" + settings,
             "app/views.py": _HEAD + _LIST_USERS + _VIEWSET}
    assert bool(_hits(tmp_path, files)) is reported
    if reported:
        assert _hits(tmp_path, files) == [9, 12]  # the users listing's get(), the viewset's class


@pytest.mark.parametrize("view", [
    # public by nature: a registration
    '''
class RegisterView(APIView):
    permission_classes = [AllowAny]
    def post(self, request):
        User.objects.create(username=request.data["username"])
        return Response(status=201)
''',
    # acts as the caller: an anonymous caller's write fails
    '''
class OrderCreate(APIView):
    permission_classes = []
    def post(self, request):
        Order.objects.create(owner=request.user, item=request.data["item"])
        return Response(status=201)
''',
    # a generic create alone: the new object's owner is most often required
    '''
class ProductList(generics.ListCreateAPIView):
    queryset = Product.objects.all()
''',
    # a viewset kept to reads
    '''
class OrderViewSet(viewsets.ModelViewSet):
    queryset = Order.objects.all()
    http_method_names = ["get", "head"]
''',
    # a project base class: its permissions are not in view
    '''
class ProductUpdate(ProjectBaseView):
    def post(self, request, pk):
        Product.objects.filter(pk=pk).update(price=request.data["price"])
        return Response()
''',
])
def test_views_that_need_no_permission_or_show_their_own_stay_quiet(tmp_path: Path, view: str) -> None:
    assert _hits(tmp_path, {"shop/views.py": _HEAD + view}) == []


_DECORATED = '''
class ToggleProduct(APIView):
    permission_classes = []

    {decorator}
    def post(self, request, product_id):
        product = Product.objects.get(id=product_id)
        product.visible = not product.visible
        product.save()
        return Response({{"visible": product.visible}})
'''


@pytest.mark.parametrize(("decorator", "reported"), [
    ("@jwt_auth_required", False),  # must stay quiet: the project's own login decorator refuses without a token
    ("@method_decorator(login_required)", False),
    ("@cache_page(60)", True),  # must fire: a decorator that checks nobody
])
def test_write_methods_behind_a_login_decorator(tmp_path: Path, decorator: str, reported: bool) -> None:
    hits = _hits(tmp_path, {"shop/views.py": _HEAD + _DECORATED.format(decorator=decorator)})
    assert bool(hits) is reported
