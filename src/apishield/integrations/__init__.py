"""Framework adapters for :class:`apishield.shield.Shield`: thin translation layers, one module each.

=====================  ==============================================================================
module                 what it gives
=====================  ==============================================================================
``wsgi``               ``ShieldMiddleware(app, shield, routes=...)`` for any WSGI application
``asgi``               ``ShieldASGIMiddleware(app, shield, routes=..., resolver=...)`` for any ASGI app
``flask``              ``Shield(app)`` / ``init_app``, decorators, blueprint settings, ``flask.g.principal``
``cherrypy``           ``Shield().install()`` → ``tools.apishield``; default and ``MethodDispatcher``
``bottle``             ``app.install(Shield())``; per-route ``apishield={...}``, ``skip``/``apply``
``fastapi``            ``shield.init_app(app)``; ``Depends(shield.require("scope"))``; OpenAPI security
``cli``                ``apishield routes module:app``
=====================  ==============================================================================

Importing this package imports no web framework; each adapter imports only its own.
"""
