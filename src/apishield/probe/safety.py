"""The probe's safety rules: what it may send. Destructive-looking operations, logouts, bare actions on global
state and writes to anything the probe did not create are refused; a check opens one narrow exception at a time
(its own identity's record, a logout of a session it opened, a delete of an object it made and read back) for the
length of a block. Kept apart from the engine so that what the probe will never do is read in one place."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager

from apishield.probe.targets import Operation

UNSAFE_METHODS = frozenset({"DELETE", "PUT", "PATCH"})


class SafetyRules:
    """Whether a request may be sent, and the narrow, block-scoped exceptions checks open."""

    def __init__(self, operations: list[Operation], allow_destructive: bool = False) -> None:
        self.operations = operations
        self.allow_destructive = allow_destructive
        self._created_paths: set[str] = set()
        self._own_writes: set[str] = set()  # operations whose body names only the probe's own identities
        self._own_logouts: set[str] = set()  # logouts of a session the probe opened for that purpose
        self._own_paths: set[str] = set()  # concrete paths of records of the probe's own identities or objects
        self._own_deletes: set[str] = set()  # objects the probe created and read back, open to one delete each

    @contextmanager
    def own_write(self, op: Operation) -> Iterator[None]:
        """Within the block, allow writes to ``op`` (no path parameter; its body names the user it acts on): for a
        check that names only the probe's own identities in the body. Destructive wording is still refused."""
        self._own_writes.add(op.key)
        try:
            yield
        finally:
            self._own_writes.discard(op.key)

    @contextmanager
    def own_logout(self, op: Operation) -> Iterator[None]:
        """Within the block, allow the logout ``op`` (refused elsewhere: it would end the identities' sessions), for
        the check that logs out a session it opened for the purpose and signs in again afterwards."""
        self._own_logouts.add(op.key)
        try:
            yield
        finally:
            self._own_logouts.discard(op.key)

    @contextmanager
    def own_record(self, path: str) -> Iterator[None]:
        """Within the block, allow updates of ``path`` (``PUT``/``PATCH``), or additions to it (``POST``), a record
        or collection of one of the probe's own identities or an object one of them owns (``/users/{id}`` with an
        identity's id): for checks that write only there. Destructive wording is still refused."""
        self._own_paths.add(path)
        try:
            yield
        finally:
            self._own_paths.discard(path)

    def claim(self, path: str) -> None:
        """``path`` is a record the probe itself brought into being outside :meth:`create` (a throwaway account it
        registered): it may be written and deleted like the objects the probe created."""
        self._created_paths.add(path.split("?")[0])

    @contextmanager
    def own_delete(self, path: str) -> Iterator[None]:
        """Within the block, allow ``DELETE`` of ``path``: an object the probe created for the purpose and has just
        read back carrying its own marker, for the check that tries to delete it as another identity. Nothing the
        API held before, and no object the probe did not read back as its own, is ever deleted."""
        if path in self._created_paths:
            self._own_deletes.add(path)
        try:
            yield
        finally:
            self._own_deletes.discard(path)

    def allowed(self, method: str, path: str, op: Operation | None = None) -> bool:
        if self.allow_destructive:
            return True
        if (method.upper() == "DELETE" and path.split("?")[0] in self._own_deletes and op is not None
                and op.path_params and not op.parameterless_unsafe()):
            return True
        if op is not None and op.looks_item_delete():  # a delete by another verb: an own object's, as above
            return path.split("?")[0].rstrip("/").rsplit("/", 1)[0] in self._own_deletes
        if op is not None and op.key in self._own_logouts and path == op.path and op.looks_logout():
            return True
        if (op is not None and op.key in self._own_writes and path == op.path
                and not dataclasses.replace(op, source="url").looks_destructive()):
            return True
        if op is not None and (op.looks_destructive() or op.looks_bare_action(self.operations)):
            return False
        if (op is None or not op.looks_credential_reset()) and Operation(
                method, path.split("?")[0], source="url").looks_destructive():  # judged by its path alone
            return False
        if method.upper() in ("PUT", "PATCH", "POST") and path.split("?")[0] in self._own_paths:
            return True
        return method.upper() not in UNSAFE_METHODS or path.split("?")[0] in self._created_paths

