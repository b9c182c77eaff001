"""A handler that hands the object's id and the caller to one service call (``service.update(event_id, request,
current_agency)``) gives the callee what it needs to scope the object to the caller: no AS102, also when the caller
comes through an ``Annotated`` alias defined in another module (``CurrentAgency``, ``UserDep``). The same handler
that hands over the id alone is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.helpers import audit

DEPS = '''
from typing import Annotated

from fastapi import Depends

from .auth import get_current_agency

CurrentAgency = Annotated[dict, Depends(get_current_agency)]
UserDep = Annotated[dict, Depends(get_current_agency)]
'''

ROUTES = '''
from fastapi import APIRouter, Depends

from .deps import CurrentAgency, UserDep
from .services import EventService

router = APIRouter(prefix="/my-events", dependencies=[Depends(get_current_agency)])


@router.put("/{{event_id}}")
def update_event(event_id: int, body: dict, {caller}, service: EventService = Depends()):
    return service.update_event({args})
'''


SERVICE = "class EventService:\n    def update_event(self, *a):\n        return db.get(Event, a[0])\n"


@pytest.mark.parametrize(("caller", "args", "reported"), [
    ("current_agency: CurrentAgency", "event_id, body, current_agency", False),
    ("user: UserDep", "event_id, body, user", False),
    ("current_agency: CurrentAgency", "event_id, body", True),
], ids=["current-alias", "dep-alias", "id-alone"])
def test_an_id_handed_to_a_service_with_the_caller(tmp_path: Path, caller: str, args: str, reported: bool) -> None:
    files = {"app/__init__.py": "", "app/deps.py": DEPS,
             "app/routes.py": ROUTES.format(caller=caller, args=args),
             "app/services.py": SERVICE}
    result = audit(tmp_path, files)
    assert any(f.rule_id == "AS102" for f in result.findings) is reported
