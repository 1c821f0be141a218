"""Run the benchmarks: ``python -m bench [name ...]`` (``make bench``).

Every module ``bench/bench_<name>.py`` defines ``run(results: Path) -> dict``: it
measures the hub against a baseline *in the same run* (ratios, not absolute times,
are what compare across machines), writes ``bench/results/<name>.json`` (and a
``.md`` table when useful) and returns the summary printed here.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results"


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}")
        return 2
    RESULTS.mkdir(exist_ok=True)
    if len(names) > 1:
        # one process each: a benchmark's peak memory must not be an earlier one's
        codes = [subprocess.call([sys.executable, "-m", "bench", name]) for name in names]
        return max(codes)
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        summary = module.run(RESULTS)
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
