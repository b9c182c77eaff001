"""Runs every benchmark script in this folder, one after another, and stops on the first failure.

Each script prints the peer's figure next to ours from one run; this runner only sequences them so
`make bench` gives the whole table in one go.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = [
    "ratelimit.py",
    "web.py",
    "jwt_verify.py",
    "overhead.py",
    "audit_corpus.py",
    "audit_speed.py",
    "audit_benchmarkpython.py",
    "probe.py",
]


def main() -> int:
    scripts = [HERE / name for name in ORDER if (HERE / name).exists()]
    scripts += sorted(p for p in HERE.glob("*.py") if p.name not in ORDER and p.name != Path(__file__).name
                      and not p.name.startswith("_"))
    failed: list[str] = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"=== {script.name}: exit {code} in {time.perf_counter() - start:.1f} s ===", flush=True)
        if code != 0:
            failed.append(script.name)
    if failed:
        print(f"benchmarks failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
