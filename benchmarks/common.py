"""Helpers shared by the benchmarks: timing, fresh-process measurements, tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def best_time(fn, repeat: int = 3) -> float:
    """Fastest of ``repeat`` wall-clock timings of ``fn()`` (noise only adds time)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def fresh_process_seconds(code: str, repeat: int = 3) -> float:
    """Fastest wall time of ``code`` run in a new interpreter (prints its own timing)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    best = float("inf")
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
        )
        best = min(best, float(out.stdout.strip().splitlines()[-1]))
    return best


def print_table(title: str, rows: list[tuple], header: tuple) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    print("| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |")


def save(name: str, payload: dict) -> Path:
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    path = out / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path
