"""Records of people keyed by the account's own id: a patient portal whose login answers the patient's id and names,
and whose ``/api/patients/{id}`` (and its sub-paths, ``/api/patients/{id}/records``) serve any signed-in caller
whatever the id, as do other paths keyed by a parameter that names the patient (``/api/appointments/{patientId}``).
The probe reads the other identity's record with the other's id only where the collection is shown
to hold the identity's own record under its id (its own id answers a record naming it); a portal that checks the id
against the caller, and a collection of people whose ids are not the accounts' (a shared client list), stay quiet."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from apishield.probe.identities import LoginRecipe
from tests.probe.loopback import OK, Answer, findings_at, loopback, probe_paths

BEARER = [{"bearerAuth": []}]
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
PATHS: dict[str, Any] = {
    "/api/login": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
        "responses": OK}},
    "/api/patients/{id}": {"get": {"security": BEARER, "parameters": ID, "responses": OK}},
    "/api/patients/{id}/records": {"get": {"security": BEARER, "parameters": ID, "responses": OK}},
    "/api/appointments/{patientId}": {"get": {"security": BEARER, "parameters": [
        {"name": "patientId", "in": "path", "required": True, "schema": {"type": "integer"}}], "responses": OK}},
}
PATIENTS = {1: {"username": "jsmith", "password": "Smith-Pass-41", "first_name": "John", "last_name": "Smith"},
            2: {"username": "ejones", "password": "Jones-Pass-42", "first_name": "Emma", "last_name": "Jones"}}
RECIPE = LoginRecipe("POST", "/api/login", token_path="token", bodies=tuple(
    {"username": p["username"], "password": p["password"]} for p in PATIENTS.values()))


def _app(checks_owner: bool, shared_list: bool = False) -> Any:
    """``checks_owner``: a patient reads only its own id. ``shared_list``: the collection's ids are not the
    accounts' (record 1 is a client company, readable by every signed-in caller by design)."""
    tokens: dict[str, int] = {}

    def app(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        route = urlsplit(path).path
        if route == "/api/login" and method == "POST":
            sent = json.loads(body or b"{}")
            pid = next((i for i, p in PATIENTS.items() if p["username"] == sent.get("username")
                        and p["password"] == sent.get("password")), None)
            if pid is None:
                return 401, {}, {"error": "invalid credentials"}
            token = secrets.token_hex(8)
            tokens[token] = pid
            p = PATIENTS[pid]
            return 200, {}, {"token": token, "id": pid, "username": p["username"], "firstName": p["first_name"],
                             "lastName": p["last_name"]}
        caller = tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        parts = route.strip("/").split("/")
        if parts[:2] == ["api", "appointments"] and len(parts) == 3:  # keyed by the patient's id, named patientId
            parts = ["api", "patients", parts[2], "appointments"]
        if len(parts) < 3 or parts[:2] != ["api", "patients"] or not parts[2].isdigit():
            return 404, {}, {"error": "not found"}
        if caller is None:
            return 401, {}, {"error": "sign in"}
        pid = int(parts[2])
        if shared_list:
            clients = {1: {"id": 1, "company": "ACME Holdings", "city": "Leeds"},
                       2: {"id": 2, "company": "Globex Trading", "city": "York"}}
            return (200, {}, clients[pid]) if pid in clients else (404, {}, {"error": "no such client"})
        if pid not in PATIENTS:
            return 404, {}, {"error": "no such patient"}
        if checks_owner and pid != caller:
            return 403, {}, {"error": "not your record"}
        p = PATIENTS[pid]
        if len(parts) == 4 and parts[3] == "records":
            return 200, {}, [{"id": 10 + pid, "diagnosis": f"diagnosis-{pid}-Hypertension", "doctor": "Dr Patel"}]
        if len(parts) == 4 and parts[3] == "appointments":
            return 200, {}, [{"id": 20 + pid, "when": f"2026-0{pid}-14T09:30", "clinic": f"Clinic-{pid}-North"}]
        return 200, {}, {"id": pid, "first_name": p["first_name"], "last_name": p["last_name"],
                         "nhs_number": f"NHS-00{pid}-3456"}
    return app


@pytest.mark.parametrize(("checks_owner", "shared_list", "leaks"), [
    (False, False, True), (True, False, False), (False, True, False)])
def test_another_patients_record_read_by_the_account_id(tmp_path: Path, checks_owner: bool, shared_list: bool,
                                                        leaks: bool) -> None:
    with loopback(_app(checks_owner, shared_list)) as url:
        result = probe_paths(tmp_path, url, PATHS, ("bola",), login=RECIPE)
    found = findings_at(result)
    assert (("PR-BOLA-001", "GET", "/api/patients/{id}") in found) is leaks
    assert (("PR-BOLA-001", "GET", "/api/patients/{id}/records") in found) is leaks
    assert (("PR-BOLA-001", "GET", "/api/appointments/{patientId}") in found) is leaks
