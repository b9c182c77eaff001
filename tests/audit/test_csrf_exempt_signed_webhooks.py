"""A view exempt from the CSRF check that first checks a signature of the request sent in a header (Stripe's
``Webhook.construct_event``, an ``X-Hub-Signature`` compared with ``hmac.compare_digest``) gains a forged request
nothing: a cross-site form sets no custom header and its page does not know the secret, so the exemption stays, low.
Exempt without such a check, a view that acts on the session's cart is still a medium CSRF finding (AS501)."""

from __future__ import annotations

from pathlib import Path

import pytest

from apishield.findings import Severity
from tests.audit.helpers import audit

_VIEWS = """\
import hashlib
import hmac

import stripe
from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def webhook(request):
    payload = request.body
{check}
    cart = request.session.get("pending_cart", {{}})
    Order.objects.create(user=request.user, items=cart)
    request.session["pending_cart"] = {{}}
    return JsonResponse({{"status": "success"}})
"""


@pytest.mark.parametrize(("check", "fires"), [
    ("    event = stripe.Webhook.construct_event(payload, request.META.get('HTTP_STRIPE_SIGNATURE'), "
     "settings.STRIPE_SECRET)", False),
    ("    sent = request.headers.get('X-Hub-Signature-256', '')\n"
     "    mine = 'sha256=' + hmac.new(settings.HOOK_SECRET, payload, hashlib.sha256).hexdigest()\n"
     "    if not hmac.compare_digest(sent, mine):\n"
     "        return JsonResponse({{'error': 'bad signature'}}, status=403)", False),
    ("    event = json.loads(payload)", True),  # must fire: nothing signed
])
def test_a_signed_webhook_needs_no_csrf_token(tmp_path: Path, check: str, fires: bool) -> None:
    result = audit(tmp_path, {"shop/__init__.py": "", "shop/views.py": _VIEWS.format(check=check)})
    exempt = [f for f in result.findings if f.rule_id == "AS501"]
    assert exempt, "the exemption is reported either way"
    assert any(f.severity >= Severity.MEDIUM for f in exempt) is fires


_SESSION_VIEW = """\
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def add_to_cart(request):
    cart = request.session.get("cart", {})
{change}
    return JsonResponse({"items": len(cart)})
"""


@pytest.mark.parametrize(("change", "fires"), [
    ("    cart[request.POST['product']] = 1\n    request.session['cart'] = cart", True),  # must fire: the session
    ("    del request.session['cart']", True),
    ("    total = sum(cart.values())", False),  # must stay quiet at medium: it only reads the session
])
def test_an_exempt_view_that_changes_the_callers_session_acts_for_the_caller(tmp_path: Path, change: str,
                                                                             fires: bool) -> None:
    result = audit(tmp_path, {"shop/__init__.py": "", "shop/views.py": _SESSION_VIEW.replace("{change}", change)})
    exempt = [f for f in result.findings if f.rule_id == "AS501"]
    assert exempt
    assert any(f.severity >= Severity.MEDIUM for f in exempt) is fires
