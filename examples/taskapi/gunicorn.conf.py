"""gunicorn settings for the Task API in production: ``gunicorn -c examples/taskapi/gunicorn.conf.py
--chdir examples taskapi.wsgi:app`` (command-line options override these).

* ``gthread`` workers: a client that sends its request slowly holds one thread, not a whole worker. With the
  default sync workers, as many slow clients as workers make the API unavailable (measured: 4 slow clients
  against ``-w 3``). Threads only raise that number; on the open internet put a proxy that buffers whole
  requests (nginx ``proxy_request_buffering on``, the default) in front, as the gunicorn documentation advises.
* Workers ``2 x cores + 1`` as the gunicorn documentation suggests (``WEB_CONCURRENCY`` overrides it), threads
  per worker from ``TASKAPI_THREADS`` (8). Every worker shares rate limits, bans and token state through
  ``TASKAPI_STATE_URL``, so any number of them admits exactly the configured limits.
* Timeouts: a worker silent for ``timeout`` seconds is restarted; keep-alive short because a proxy sits in
  front; ``graceful_timeout`` bounds a restart.
* Bound to loopback: the TLS proxy connects here (``TASKAPI_BIND`` for another address, e.g. a Unix socket).
"""

import multiprocessing
import os

bind = [os.environ.get("TASKAPI_BIND", "127.0.0.1:8000")]
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("TASKAPI_THREADS", "8"))
preload_app = True  # the app is built once, before the fork: start-up errors stop the server at once
timeout = 30
graceful_timeout = 10
keepalive = 5
# request-line and header limits stay at gunicorn's defaults (4094 bytes, 100 fields of 8190 bytes)
errorlog = "-"  # no access log: the proxy in front keeps one; apishield logs security events (throttled)
