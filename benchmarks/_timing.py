"""Shared timing helper of the benchmark scripts (run them as ``python benchmarks/X.py``)."""

import time


def best_of(fn, repeat=2):
    """The shortest wall time of ``repeat`` calls of ``fn()``, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)
