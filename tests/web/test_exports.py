"""Guards the public names of apishield.web (the integrations and the package root import them)."""

from __future__ import annotations

import apishield.web as web

EXPECTED = {
    "CORSGuard", "CORSPolicy", "CSRFProtect", "LEAK_HEADERS", "PREFLIGHT_STATE_KEY", "RequestValidator",
    "SecurityHeaders", "Session", "SessionManager", "SignedCookies", "StoredUpload", "UploadPolicy",
    "UploadedFile", "Validated", "build_set_cookie", "expire_cookie", "publish_policies", "sniff",
}


def test_public_names() -> None:
    assert set(web.__all__) == EXPECTED
    for name in EXPECTED:
        assert getattr(web, name) is not None
