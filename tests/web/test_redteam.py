"""Red-team regressions for apishield.web: hostile inputs that once crashed or slipped past a check."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apishield.errors import Reject
from apishield.request import RequestView
from apishield.web.validation import RequestValidator, parse_json

from ._helpers import view


@pytest.mark.parametrize("digits", [4301, 5000, 8000])
def test_huge_content_length_is_a_clean_413(digits: int) -> None:
    # int() refuses more than 4300 digits with ValueError: that used to escape as a 500
    request = view("POST", body=b"{}", headers={"content-type": "application/json", "content-length": "9" * digits})
    with pytest.raises(Reject) as info:
        RequestValidator().validate(request)
    assert info.value.status == 413


def test_long_zero_padded_content_length_within_the_limit_is_accepted() -> None:
    request = view("POST", body=b"{}", headers={"content-type": "application/json", "content-length": "0" * 5000 + "2"})
    assert RequestValidator().validate(request).body == {}


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789 +-\t", max_size=6000))
def test_any_content_length_header_gives_a_status_not_a_crash(value: str) -> None:
    request = view("POST", body=b"{}", headers={"content-type": "application/json", "content-length": value})
    status = 200
    try:
        RequestValidator().validate(request)
    except Reject as rej:
        status = rej.status
    assert status in (200, 400, 413)


@pytest.mark.parametrize("raw", [b"1e400", b"[-1e400]", b'{"a": 1E999}', b'{"a": [0.5e309]}', b"-9e99999"])
def test_json_numbers_overflowing_to_infinity_are_refused(raw: bytes) -> None:
    # json.loads turns 1e400 into float('inf') without calling parse_constant; the docstring promises
    # "no NaN/Infinity", and infinities break re-serialisation (json.dumps writes the invalid 'Infinity')
    with pytest.raises(Reject) as info:
        parse_json(raw)
    assert info.value.status == 400


def test_large_but_finite_floats_still_parse() -> None:
    assert parse_json(b"[1.7976931348623157e308, -1e-400, 12345678901234567890.5]")[0] == 1.7976931348623157e308


_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(
    max_size=5)


@settings(max_examples=100, deadline=None)
@given(st.recursive(_SCALARS, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                    max_leaves=8))
def test_parsed_json_round_trips_strictly(value: object) -> None:
    parsed = parse_json(json.dumps(value).encode())
    json.dumps(parsed, allow_nan=False)  # never an infinity or NaN inside


@pytest.mark.parametrize("pattern", ["https://*.duckdns.org", "https://*.pythonanywhere.com"])
def test_wildcards_over_shared_hosting_suffixes_are_refused_by_default(pattern: str) -> None:
    # anyone can register <name>.duckdns.org, so the wildcard would hand credentialed CORS to strangers
    from apishield.errors import ConfigError
    from apishield.web.cors import CORSPolicy

    with pytest.raises(ConfigError):
        CORSPolicy([pattern], allow_credentials=True)


def test_default_suffix_check_uses_the_installed_full_list() -> None:
    from apishield.errors import ConfigError
    from apishield.web._suffixes import SYSTEM_LIST
    from apishield.web.cors import CORSPolicy

    if not SYSTEM_LIST.exists():
        pytest.skip("no system public suffix list")
    for pattern in ("https://*.blogspot.co.uk", "https://*.eu-west-1.compute.amazonaws.com", "https://*.co.ca"):
        with pytest.raises(ConfigError):
            CORSPolicy([pattern])  # none of these is in the bundled subset
    CORSPolicy(["https://*.example.co.uk", "https://*.api.example.com"])  # owned domains still work


def _multipart_view(body: bytes, boundary: str = "b") -> RequestView:
    return view("POST", body=body, headers={"content-type": f"multipart/form-data; boundary={boundary}"})


def test_deeply_nested_multipart_is_a_clean_400() -> None:
    # the stdlib MIME parser recurses once per nesting level: RecursionError used to escape as a 500
    depth = 3000
    body = b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i, i + 1) for i in range(depth))
    body += b"x" + b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    import time

    started = time.perf_counter()
    with pytest.raises(Reject) as info:
        RequestValidator(content_types=["multipart/form-data"]).validate(_multipart_view(body, "b0"))
    assert info.value.status in (400, 413)
    assert time.perf_counter() - started < 0.5  # the pre-checks must not be the slow part either


@pytest.mark.parametrize("nested", [False, True])
def test_multipart_with_thousands_of_parts_is_refused_before_parsing(nested: bool) -> None:
    # 1 MB of tiny parts cost the MIME parser ~6 s of CPU per request
    import time

    part = b'--c\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n'
    inner = part * 20_000 + b"--c--\r\n"
    if nested:
        body = b"--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n" + inner + b"\r\n--b--\r\n"
        boundary = "b"
    else:
        body, boundary = inner, "c"
    started = time.perf_counter()
    with pytest.raises(Reject) as info:
        RequestValidator(content_types=["multipart/form-data"], max_body_bytes=2_000_000).validate(
            _multipart_view(body, boundary))
    assert info.value.status == 413
    assert time.perf_counter() - started < 1.0


def test_ordinary_multipart_form_still_parses() -> None:
    body = b"".join(b'--b\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nv%d\r\n' % (i, i) for i in range(50))
    body += b"--b--\r\n"
    result = RequestValidator(content_types=["multipart/form-data"]).validate(_multipart_view(body))
    assert result.form == {f"f{i}": f"v{i}" for i in range(50)}


def test_nesting_hidden_from_the_part_count_still_gives_400() -> None:
    # RFC 2231 parameters (boundary*=) slip past the cheap pre-count; the parser's recursion is caught
    depth = 1500
    body = b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary*=''b%d\r\n\r\n" % (i, i + 1)
                    for i in range(depth))
    body += b"x" + b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    import time

    started = time.perf_counter()
    with pytest.raises(Reject) as info:
        RequestValidator(content_types=["multipart/form-data"]).validate(_multipart_view(body, "b0"))
    assert info.value.status in (400, 413)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("value", ["default-src 'self' \u2028", "nosniff\u0085x", "caf\u00e9\u20ac"])
def test_security_header_values_outside_latin1_are_config_errors(value: str) -> None:
    # WSGI servers encode header values as latin-1: such a value failed on every response, at run time
    from apishield.errors import ConfigError
    from apishield.web.headers import SecurityHeaders

    with pytest.raises(ConfigError):
        SecurityHeaders(extra={"X-Custom": value})
    with pytest.raises(ConfigError):
        SecurityHeaders(content_security_policy=value)


def test_boundary_lookalikes_inside_a_field_do_not_count_as_parts() -> None:
    text = b"--build --bg --b " * 500  # command-line and CSS text full of "--b"
    body = b'--b\r\nContent-Disposition: form-data; name="notes"\r\n\r\n' + text + b"\r\n--b--\r\n"
    result = RequestValidator(content_types=["multipart/form-data"]).validate(_multipart_view(body))
    assert result.form["notes"].startswith("--build")
