"""Records keyed to a person's own record rather than to the user: a prescription names its ``patient_id``, and the
patient record names its user. Once a patient record is seen naming one identity as its owner, a prescription that
names that patient is the identity's own, read by id or listed under the patient's key; another identity shown it
is a read finding. A read that checks the caller, and a patient record that names no user (nothing ties the patient
to an identity), stay quiet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.probe.loopback import OK, Answer, bearer_caller, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
TOKENS = {"tok-alice": ("alice", 1), "tok-bob": ("bob", 2)}


def _spec(under_key: bool) -> dict[str, Any]:
    name = "patient_id" if under_key else "prescription_id"
    param = {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
    read = "/api/prescriptions/patient/{patient_id}" if under_key else "/api/prescriptions/{prescription_id}"
    return {"/api/patients": {"get": {"security": BEARER, "responses": OK}},
            read: {"get": {"parameters": [param], "security": BEARER, "responses": OK}},
            "/api/me": {"get": {"security": BEARER, "responses": OK}}}


def _app(checked: bool, names_user: bool, under_key: bool) -> Any:
    patients = {11: 1, 12: 2}  # patient id -> user id
    rx = {n: {"id": n, "patient_id": 11 + n % 2, "drug": f"drug-{n * 37}", "dose": f"{n * 5} mg twice daily"}
          for n in range(1, 5)}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        who, route, early = bearer_caller(path, headers, TOKENS)
        if early is not None or who is None:
            return early or (401, {}, {})
        if route == "/api/patients":
            return 200, {}, [{"id": p, "name": f"Patient {p}", **({"user_id": u} if names_user else {})}
                             for p, u in patients.items()]
        key = route.rsplit("/", 1)[1]
        if not key.isdigit():
            return 404, {}, {"detail": "not found"}
        if under_key and route.startswith("/api/prescriptions/patient/"):
            if checked and patients.get(int(key)) != who[1]:
                return 403, {}, {"detail": "not your patient record"}
            return 200, {}, [r for r in rx.values() if r["patient_id"] == int(key)]
        if not under_key and route.startswith("/api/prescriptions/"):
            record = rx.get(int(key))
            if record is None or (checked and patients[int(record["patient_id"])] != who[1]):
                return 404, {}, {"detail": "not found"}
            return 200, {}, record
        return 404, {}, {"detail": "not found"}
    return app


@pytest.mark.parametrize("under_key", [False, True], ids=["by-id", "listed-under-the-patient"])
@pytest.mark.parametrize(("checked", "names_user", "expected"), [
    (False, True, True),
    (True, True, False),  # the read checks whose patient it is
    (False, False, False),  # no patient record names a user: nothing says whose a prescription is
], ids=["unchecked", "checked", "patients-name-no-user"])
def test_records_that_name_a_persons_own_record(tmp_path: Path, under_key: bool, checked: bool, names_user: bool,
                                                expected: bool) -> None:
    with loopback(_app(checked, names_user, under_key)) as url:
        result = probe_paths(tmp_path, url, _spec(under_key), ("crawl", "bola"),
                             auth=("alice=Authorization:Bearer tok-alice", "bob=Authorization:Bearer tok-bob"))
    read = "/api/prescriptions/patient/{patient_id}" if under_key else "/api/prescriptions/{prescription_id}"
    assert (("PR-BOLA-001", "GET", read) in findings_at(result)) is expected
