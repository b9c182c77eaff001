"""Small shared test helpers: a settable clock and request builders."""

from __future__ import annotations

from apishield.request import CaseInsensitiveHeaders, RequestView


def view(method: str = "GET", path: str = "/api/items", *, scheme: str = "https", body: bytes | None = None,
         query: str = "", route: str | None = None, headers: dict[str, str] | None = None) -> RequestView:
    return RequestView(method=method, path=path, headers=CaseInsensitiveHeaders(headers or {}), scheme=scheme,
                       body=body, query_string=query, route=route)
