"""What a framework adapter is: a front end that holds one core :class:`Shield` and speaks one framework.

Adapters do not subclass the core. Each holds the pipeline in ``core`` and adds only what its framework needs,
through two duties written down as :class:`Frontend`: **resolve** a native request into the compiled route and
the :class:`RequestView` the pipeline decides on, and **respond** with a native answer for a refusal. Keeping
the pipeline a separate object means an adapter that learns its configuration late (Flask's
``APISHIELD_*`` keys at ``init_app``, a debug app switching to development mode) swaps one object instead of
re-running a constructor on a live one, and the core never depends on a framework.

:class:`ShieldFrontend` is the shared base: it builds the core from the same arguments as ``Shield(...)`` and
offers the core's public API (decorators, tokens, stores) under the same names, so user code written against
the adapters keeps working.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, TypeVar

from apishield.request import RequestView
from apishield.shield.http import Outcome
from apishield.shield.pipeline import CompiledRoute, Shield
from apishield.shield.settings import RouteSettings

F = TypeVar("F", bound=Callable[..., Any])
RequestT = TypeVar("RequestT", contravariant=True)
ResponseT = TypeVar("ResponseT", covariant=True)


class Frontend(Protocol[RequestT, ResponseT]):
    """The two things an adapter does for the core pipeline, in its framework's terms."""

    core: Shield

    def resolve(self, request: RequestT) -> tuple[CompiledRoute, RequestView]:
        """The compiled route serving ``request`` (from the framework's own router) and its request view."""
        ...

    def respond(self, outcome: Outcome, request: RequestT) -> ResponseT:
        """The framework's answer carrying ``outcome`` (a refusal, a preflight answer, a redirect)."""
        ...


def decide(frontend: Frontend[RequestT, Any], request: RequestT) -> Outcome:
    """Resolve ``request`` with the adapter and run the pipeline on it (the body, if needed, is the adapter's
    to read before this call)."""
    compiled, view = frontend.resolve(request)
    return frontend.core.process(view, compiled)


class ShieldFrontend:
    """Base of the framework adapters: one core :class:`Shield` in :attr:`core`, its public API offered here."""

    def __init__(self, config: Any = None, **settings: Any) -> None:
        self._given: tuple[Any, dict[str, Any]] = (config, settings)
        #: the framework-free pipeline this adapter feeds
        self.core: Shield = Shield(config, **settings)

    def reconfigure(self, under: Mapping[str, Any] | None = None, over: Mapping[str, Any] | None = None) -> None:
        """Rebuild the core: ``under`` settings give way to the constructor's, ``over`` settings win over them
        (a store passed in is kept). Objects that hold the adapter see the new core on their next request."""
        config, settings = self._given
        self.core = Shield(config, **{**(under or {}), **settings, **(over or {})})

    # --- the core's state, by the names users know ----------------------------------------------
    @property
    def config(self) -> Any:
        """The resolved :class:`~apishield.config.ShieldConfig`."""
        return self.core.config

    @property
    def store(self) -> Any:
        """The store holding counters, bans, revocations and sessions."""
        return self.core.store

    @property
    def sessions(self) -> Any:
        """The :class:`~apishield.web.sessions.SessionManager`, or None."""
        return self.core.sessions

    @property
    def penalties(self) -> Any:
        """The penalty box (progressive bans), or None."""
        return self.core.penalties

    @property
    def auth(self) -> Any:
        """The authentication guard (its ``authenticators`` in order)."""
        return self.core.auth

    @property
    def rate_limit(self) -> Any:
        """The rate-limit guard, or None when rate limiting is off."""
        return self.core.rate_limit

    @property
    def events(self) -> Any:
        """The throttle of the pipeline's own security events."""
        return self.core.events

    @property
    def api_keys(self) -> Any:
        """The API-key manager (create, list, revoke keys), or None."""
        return self.core.api_keys

    @property
    def jwt(self) -> Any:
        """The configured JWT authenticator's :class:`~apishield.auth.jwt.JWTAuth`, or None."""
        return self.core.jwt

    def issue_token(self, subject: str, scopes: Iterable[str] = (), ttl: int = 900) -> str:
        """A bearer token for ``subject`` signed with the shield's JWT key."""
        return self.core.issue_token(subject, scopes, ttl)

    # --- per-route decorators ------------------------------------------------------------------
    def public(self, fn: F) -> F:
        """Mark a view public: no authentication (rate limits, CORS and headers still apply)."""
        return self.core.public(fn)

    def require(self, *scopes: str, roles: Iterable[str] = (), **kw: Iterable[str]) -> Any:
        """Require an authenticated principal holding all ``scopes`` (and all ``roles``)."""
        return self.core.require(*scopes, roles=roles, **kw)

    def protect(self, *scopes: str, roles: Iterable[str] = (), **kw: Iterable[str]) -> Callable[[F], F]:
        """The decorator form of :meth:`require` (where ``require`` is a dependency, as in FastAPI)."""
        return self.core.protect(*scopes, roles=roles, **kw)

    def limit(self, *limits: str) -> Callable[[F], F]:
        """Rate limits for this route instead of the defaults, e.g. ``limit("5/minute", "100/day")``."""
        return self.core.limit(*limits)

    def cors(self, policy: Any) -> Callable[[F], F]:
        """A CORS policy for this route."""
        return self.core.cors(policy)

    def csrf_exempt(self, fn: F) -> F:
        """Skip the CSRF check on this route."""
        return self.core.csrf_exempt(fn)

    def validate(self, schema: Any) -> Callable[[F], F]:
        """Validate the JSON request body of unsafe methods against ``schema``."""
        return self.core.validate(schema)

    def route_headers(self, overrides: Mapping[str, str | None]) -> Callable[[F], F]:
        """Security-header overrides for this route (``None`` removes a header)."""
        return self.core.route_headers(overrides)

    # --- the pipeline, for tests and custom integrations ------------------------------------------
    def process(self, view: RequestView, route: RouteSettings | CompiledRoute | None = None) -> Outcome:
        """Decide on one request (see :meth:`Shield.process`)."""
        return self.core.process(view, route)

    def compile(self, settings: RouteSettings | None) -> CompiledRoute:
        """Every guard's copy for ``settings`` (see :meth:`Shield.compile`)."""
        return self.core.compile(settings)

    def request_view(self, method: str, path: str, headers: Any, **kw: Any) -> RequestView:
        """A :class:`RequestView` with client and scheme resolved through the trusted proxies."""
        return self.core.request_view(method, path, headers, **kw)

    def settings_for(self, method: str, path: str, declared: RouteSettings | None = None) -> RouteSettings:
        """Config-file settings for the path, overridden by the route's own."""
        return self.core.settings_for(method, path, declared)

    def log_routes(self, routes: Iterable[tuple[str, str, RouteSettings]]) -> list[str]:
        """Log one line per route with its protection and return the lines."""
        return self.core.log_routes(routes)


__all__ = ["Frontend", "ShieldFrontend", "decide"]
