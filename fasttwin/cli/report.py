"""``fasttwin report STORE --out DIR [--target 0.98]``: pictures, tables and index.html."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("store", help="Zarr cube (from fasttwin simulate or sweep)")
    parser.add_argument("--out", type=Path, required=True, help="directory to write the report to")
    parser.add_argument(
        "--target", type=float, default=0.98, help="service target in (0, 1] (default 0.98)"
    )
    parser.add_argument(
        "--service",
        default="fill_rate",
        help="service variable the target applies to: fill_rate (default), ready_rate or "
        "cycle_service",
    )
    parser.add_argument(
        "--cost",
        default="cost",
        help="cost variable to minimise: cost (default), or one of its parts such as holding_cost",
    )
    parser.add_argument(
        "--rule",
        choices=("mean", "confident"),
        default="mean",
        help="feasible when the mean service meets the target (mean), or the lower end of "
        "its 95%% interval does (confident)",
    )
    parser.add_argument(
        "--trace-reps", type=int, default=3, help="replications in the daily-path picture"
    )


def run(args: argparse.Namespace) -> int:
    from fasttwin.analysis.best import best_policy
    from fasttwin.analysis.report import check_report_dir, open_cube, write_report

    check_report_dir(args.out)
    _refuse_unfinished(args.store)
    ds = open_cube(args.store)
    index = write_report(
        ds,
        args.out,
        target=args.target,
        service=args.service,
        cost=args.cost,
        rule=args.rule,
        trace_reps=args.trace_reps,
    )
    best = best_policy(ds, args.target, args.service, cost=args.cost, rule=args.rule)
    print(best.describe())
    print(f"wrote {index}")
    return 0


def _refuse_unfinished(store: str) -> None:
    """Refuse an interrupted (or still running) sweep, saying how much of it is done."""
    from fasttwin.sweep.store import StoreRef, inspect, read_done

    ref = StoreRef.of(store)
    found = inspect(ref)
    if found.kind != "sweep" or found.attrs.get("sweep_complete", True):
        return
    done = read_done(ref) if found.template_complete else None
    count = (
        ""
        if done is None
        else (
            f": {int(done.sum())} of {done.size} tasks done, "
            f"{100 * (1 - done.mean()):.0f} % of the cube never simulated"
        )
    )
    raise ValueError(
        f"{store!r} is an unfinished sweep{count}. A report on the finished part could "
        "recommend a policy that the missing part beats; run the same fasttwin sweep command "
        "again to finish it (it resumes), then the report"
    )
