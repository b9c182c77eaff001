"""Per-request overhead of apishield against the usual stack of single-purpose libraries, in one run.

Flask:    bare route | Flask-Limiter (memory) + flask-cors + flask-talisman + a PyJWT bearer decorator
          (the anchor stack) | apishield (JWT bearer auth + rate limit + CORS + security headers).
FastAPI:  bare route | slowapi + CORSMiddleware + a PyJWT bearer dependency | apishield. The route handlers
          are ``async def``: a plain ``def`` handler runs on the thread pool, whose hand-off costs 200-300 µs of
          CPU and moves by +-50 µs between two identical apps in one run, more than the overhead measured here
          (``--sync-handlers`` measures that way all the same). The anchor's PyJWT dependency is a plain ``def``
          as before (one thread-pool hand-off that is the anchor's own cost); the table also shows the anchor
          with an ``async def`` dependency, which has none.

Every variant is driven the same way, in process: a direct WSGI call loop (Flask) or a direct ASGI call
loop (FastAPI), with a valid bearer token and an allowed Origin, over "HTTPS" (the scheme the servers see
behind a TLS proxy). apishield's verified-token cache (in ``JWTAuth``) checks expiry on every hit; the
"revocation checked" variant also looks the token up in the store's revocation list on every request.
Time is this process's CPU time (``time.process_time``), so other jobs on a shared machine disturb the
figures less than wall-clock time would; each variant keeps its best round. Rounds are short (400 requests)
and many (60), interleaving the variants, so that a quiet moment of a busy machine is more likely to hold a
whole round of each variant.
Overhead = variant - bare; the ratio is apishield's overhead / the anchor's overhead.

    python benchmarks/overhead.py [--requests N] [--rounds R]

The last line is ``overhead ratio: <float>`` (the Flask figure) for outside checks.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable
from functools import wraps
from typing import Any

# this directory holds other benchmark scripts (benchmarks/jwt.py among them) that would shadow libraries
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import jwt as pyjwt  # noqa: E402 - PyJWT, after the path fix above
from fastapi import Request  # noqa: E402 - module level: FastAPI resolves the string annotations against module globals

SECRET = "benchmark-secret-" + "s" * 48
ORIGIN = "https://app.example.com"
LIMIT = "1000000/minute"  # never reached: we measure the cost of counting, not of refusing

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)


def token() -> str:
    now = int(time.time())
    return pyjwt.encode({"sub": "bench", "scope": "tasks:read", "iat": now, "exp": now + 3600}, SECRET, "HS256")


TOKEN = token()


# --- Flask variants ---------------------------------------------------------------------------------
def flask_bare() -> Any:
    from flask import Flask

    app = Flask("bare")

    @app.get("/tasks")
    def tasks() -> Any:
        return {"ok": True}

    return app


def flask_anchor() -> Any:
    from flask import Flask, abort, g, request
    from flask_cors import CORS
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address
    from flask_talisman import Talisman

    app = Flask("anchor")
    Limiter(get_remote_address, app=app, default_limits=[LIMIT], storage_uri="memory://")
    CORS(app, origins=[ORIGIN], supports_credentials=True)
    Talisman(app, force_https=True, content_security_policy={"default-src": "'none'"})

    def require_jwt(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(fn)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                header = request.headers.get("Authorization", "")
                if not header.startswith("Bearer "):
                    abort(401)
                try:
                    claims = pyjwt.decode(header[7:], SECRET, algorithms=["HS256"])
                except pyjwt.PyJWTError:
                    abort(401)
                if scope not in claims.get("scope", "").split():
                    abort(403)
                g.claims = claims
                return fn(*args, **kwargs)

            return wrapper

        return decorator

    @app.get("/tasks")
    @require_jwt("tasks:read")
    def tasks() -> Any:
        return {"ok": True}

    return app


def flask_apishield(**extra: Any) -> Any:
    from flask import Flask

    from apishield.integrations.flask import Shield

    app = Flask("apishield")
    shield = Shield(
        app,
        jwt_secret=SECRET,
        cors_origins=[ORIGIN],
        cors_allow_credentials=True,
        default_limits=[LIMIT],
        warn_debug_server=False,
        **extra,
    )

    @app.get("/tasks")
    @shield.require("tasks:read")
    def tasks() -> Any:
        return {"ok": True}

    return app


def wsgi_loop(app: Any, n: int) -> float:
    """Seconds per request over ``n`` direct WSGI calls."""
    base = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/tasks",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "api.example.com",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_HOST": "api.example.com",
        "HTTP_AUTHORIZATION": f"Bearer {TOKEN}",
        "HTTP_ORIGIN": ORIGIN,
        "HTTP_ACCEPT": "application/json",
        "wsgi.url_scheme": "https",
        "wsgi.version": (1, 0),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        statuses.append(status)
        return None

    def one() -> None:
        environ = dict(base)
        environ["wsgi.input"] = io.BytesIO(b"")
        result = app(environ, start_response)
        for _ in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()

    for _ in range(200):  # warm up: caches, first-request hooks
        one()
    if not statuses[-1].startswith("200"):
        raise SystemExit(f"benchmark app answered {statuses[-1]}, not 200: fix the setup")
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        for _ in range(n):
            one()
        elapsed = time.process_time() - start
    finally:
        gc.enable()
    if not all(s.startswith("200") for s in statuses[-n:]):
        raise SystemExit("a benchmark request was refused: the numbers would be meaningless")
    return elapsed / n


# --- FastAPI variants -----------------------------------------------------------------------------
def _handler(sync: bool, body: Callable[..., Any]) -> Callable[..., Any]:
    """The route handler as a plain function (FastAPI runs it on the thread pool) or a coroutine function."""
    if sync:
        return body

    @wraps(body)
    async def handler(*args: Any, **kwargs: Any) -> Any:
        return body(*args, **kwargs)

    return handler


def fastapi_bare(sync: bool = False) -> Any:
    from fastapi import FastAPI

    app = FastAPI()

    def tasks() -> Any:
        return {"ok": True}

    app.get("/tasks")(_handler(sync, tasks))
    return app


def fastapi_anchor(sync: bool = False, async_dependency: bool = False) -> Any:
    from fastapi import Depends, FastAPI, HTTPException
    from fastapi.middleware.cors import CORSMiddleware
    from slowapi import Limiter, _rate_limit_exceeded_handler
    from slowapi.errors import RateLimitExceeded
    from slowapi.middleware import SlowAPIMiddleware
    from slowapi.util import get_remote_address

    limiter = Limiter(key_func=get_remote_address, default_limits=[LIMIT], storage_uri="memory://")
    app = FastAPI()
    app.state.limiter = limiter
    app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)  # type: ignore[arg-type]
    app.add_middleware(SlowAPIMiddleware)
    app.add_middleware(CORSMiddleware, allow_origins=[ORIGIN], allow_credentials=True, allow_methods=["*"],
                       allow_headers=["*"])

    def bearer(request: Request) -> dict[str, Any]:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            raise HTTPException(401)
        try:
            claims: dict[str, Any] = pyjwt.decode(header[7:], SECRET, algorithms=["HS256"])
        except pyjwt.PyJWTError:
            raise HTTPException(401) from None
        if "tasks:read" not in claims.get("scope", "").split():
            raise HTTPException(403)
        return claims

    dependency: Callable[..., Any] = bearer
    if async_dependency:

        async def async_bearer(request: Request) -> dict[str, Any]:
            return bearer(request)

        dependency = async_bearer

    def tasks(claims: dict[str, Any] = Depends(dependency)) -> Any:
        return {"ok": True}

    app.get("/tasks")(_handler(sync, tasks))
    return app


def fastapi_apishield(sync: bool = False, **extra: Any) -> Any:
    from fastapi import Depends, FastAPI

    from apishield.integrations.fastapi import Shield

    app = FastAPI()
    shield = Shield(
        jwt_secret=SECRET,
        cors_origins=[ORIGIN],
        cors_allow_credentials=True,
        default_limits=[LIMIT],
        warn_debug_server=False,
        **extra,
    )
    shield.init_app(app)

    def tasks(principal: Any = Depends(shield.require("tasks:read"))) -> Any:
        return {"ok": True}

    app.get("/tasks")(_handler(sync, tasks))
    return app


def asgi_loop(app: Any, n: int) -> float:
    """Seconds per request over ``n`` direct ASGI calls on one event loop."""
    headers = [
        (b"host", b"api.example.com"),
        (b"authorization", f"Bearer {TOKEN}".encode()),
        (b"origin", ORIGIN.encode()),
        (b"accept", b"application/json"),
    ]
    scope_base = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": "/tasks",
        "raw_path": b"/tasks",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("10.0.0.7", 50000),
        "server": ("api.example.com", 443),
    }
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def run() -> float:
        for _ in range(200):
            await app(dict(scope_base), receive, send)
        if statuses[-1] != 200:
            raise SystemExit(f"benchmark app answered {statuses[-1]}, not 200: fix the setup")
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            for _ in range(n):
                await app(dict(scope_base), receive, send)
            elapsed = time.process_time() - start
        finally:
            gc.enable()
        if any(s != 200 for s in statuses[-n:]):
            raise SystemExit("a benchmark request was refused: the numbers would be meaningless")
        return elapsed / n

    async def lifespan_and_run() -> float:
        return await run()

    return asyncio.run(lifespan_and_run())


# --- driver -------------------------------------------------------------------------------------------
def measure(loop: Callable[[Any, int], float], apps: dict[str, Any], n: int, rounds: int) -> dict[str, float]:
    """Best-of-rounds µs per request per variant (the least disturbed round, as ``timeit`` advises); rounds
    interleave the variants so machine load hits all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in apps}
    for _ in range(rounds):
        for name, app in apps.items():
            samples[name].append(loop(app, n) * 1e6)
    return {name: min(values) for name, values in samples.items()}


def report(title: str, figures: dict[str, float]) -> float:
    bare = figures["bare"]
    anchor = figures["anchor"] - bare
    ours = figures["apishield"] - bare
    print(f"\n{title}")
    print(f"  {'variant':<34} {'µs/request':>11} {'overhead µs':>12}")
    labels = {
        "bare": "bare route",
        "anchor": "anchor stack",
        "anchor_async": "anchor, async PyJWT dependency",
        "apishield": "apishield (default: token cache on)",
        "apishield_revocation": "apishield (revocation checked)",
        "apishield_nocache": "apishield (token cache off)",
    }
    for name, value in figures.items():
        print(f"  {labels.get(name, name):<34} {value:>11.1f} {value - bare:>12.1f}")
    ratio = ours / anchor if anchor > 0 else float("inf")
    others = [
        f"{labels[name].removeprefix('apishield (').rstrip(')')}: {(figures[name] - bare) / anchor:.3f}"
        for name in ("apishield_revocation", "apishield_nocache")
        if name in figures and anchor > 0
    ]
    print(f"  ratio apishield/anchor overhead: {ratio:.3f}" + (f" ({'; '.join(others)})" if others else ""))
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400, help="requests per round per variant")
    parser.add_argument("--rounds", type=int, default=60, help="rounds (the best round is reported)")
    parser.add_argument("--skip-fastapi", action="store_true")
    parser.add_argument("--sync-handlers", action="store_true",
                        help="FastAPI route handlers as plain functions (on the thread pool; much noisier)")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    print(f"python {sys.version.split()[0]}; {args.rounds} rounds x {args.requests} requests per variant")

    flask_apps = {
        "bare": flask_bare(),
        "anchor": flask_anchor(),
        "apishield": flask_apishield(),
        "apishield_revocation": flask_apishield(auth={"jwt_revocation": True}),
        "apishield_nocache": flask_apishield(auth={"token_cache_seconds": 0}),
    }
    flask_ratio = report("Flask (direct WSGI calls)", measure(wsgi_loop, flask_apps, args.requests, args.rounds))
    if not args.skip_fastapi:
        sync = args.sync_handlers
        fastapi_apps = {
            "bare": fastapi_bare(sync),
            "anchor": fastapi_anchor(sync),
            "anchor_async": fastapi_anchor(sync, async_dependency=True),
            "apishield": fastapi_apishield(sync),
            "apishield_revocation": fastapi_apishield(sync, auth={"jwt_revocation": True}),
            "apishield_nocache": fastapi_apishield(sync, auth={"token_cache_seconds": 0}),
        }
        handlers = "plain def handlers" if sync else "async def handlers"
        figures = measure(asgi_loop, fastapi_apps, args.requests, args.rounds)
        fastapi_ratio = report(f"FastAPI (direct ASGI calls, {handlers})", figures)
        if figures["anchor_async"] > figures["bare"]:
            print("  ratio against the anchor with an async PyJWT dependency: "
                  f"{(figures['apishield'] - figures['bare']) / (figures['anchor_async'] - figures['bare']):.3f}")
        print(f"fastapi overhead ratio: {fastapi_ratio:.3f}")
    print(f"overhead ratio: {flask_ratio:.3f}")


if __name__ == "__main__":
    main()
