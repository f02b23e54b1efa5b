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
    from fasttwin.analysis.report import open_cube, write_report

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
