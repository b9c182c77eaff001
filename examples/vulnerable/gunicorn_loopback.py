"""gunicorn configuration for the vulnerable twins: refuses any bind address that is not loopback.

Usage: gunicorn -c examples/vulnerable/gunicorn_loopback.py -b 127.0.0.1:PORT --chdir <twin dir> app:app
"""

import ipaddress
import sys

workers = 1
threads = 4
timeout = 30
accesslog = None
control_socket_disable = True


def on_starting(server):
    for address in server.cfg.address:
        host = address[0] if isinstance(address, tuple) else "unix"
        try:
            loopback = host != "unix" and (host == "localhost" or ipaddress.ip_address(host).is_loopback)
        except ValueError:
            loopback = False
        if not loopback:
            print(f"refusing to serve a deliberately vulnerable app on {host!r}: loopback only", file=sys.stderr)
            sys.exit(3)
    print("!! serving a DELIBERATELY VULNERABLE twin on loopback only !!", file=sys.stderr)
