"""``fasttwin report STORE --out DIR [--target 0.98]``: pictures, tables and index.html."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "store", help="Zarr cube (from fasttwin simulate or sweep) or fasttwin optimize store"
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write the report to")
    # Defaults are filled in run(): an optimiser store refuses them if given (its answer
    # was searched for its own target, which the report shows as it is).
    parser.add_argument(
        "--target", type=float, default=None, help="service target in (0, 1] (default 0.98)"
    )
    parser.add_argument(
        "--service",
        default=None,
        help="service variable the target applies to: fill_rate (default), ready_rate or "
        "cycle_service",
    )
    parser.add_argument(
        "--cost",
        default=None,
        help="cost variable to minimise: cost (default), or one of its parts such as holding_cost",
    )
    parser.add_argument(
        "--rule",
        choices=("mean", "confident"),
        default=None,
        help="feasible when the mean service meets the target (mean), or the lower end of "
        "its 95%% interval does (confident)",
    )
    parser.add_argument(
        "--trace-reps", type=int, default=3, help="replications in the daily-path picture"
    )


def run(args: argparse.Namespace) -> int:
    from fasttwin.analysis.best import best_policy
    from fasttwin.analysis.optimum import is_optimum
    from fasttwin.analysis.report import check_report_dir, open_cube, write_report

    check_report_dir(args.out)
    _refuse_unfinished(args.store)
    ds = open_cube(args.store)
    given = [
        f"--{k}" for k in ("target", "service", "cost", "rule") if getattr(args, k) is not None
    ]
    if is_optimum(ds) and given:
        raise ValueError(
            f"{', '.join(given)} cannot change an optimiser store's answer (it was searched "
            "for the target in its spec); leave them out, or run fasttwin optimize again"
        )
    for key, default in (
        ("target", 0.98),
        ("service", "fill_rate"),
        ("cost", "cost"),
        ("rule", "mean"),
    ):
        if getattr(args, key) is None:
            setattr(args, key, default)
    if is_optimum(ds):
        from fasttwin.analysis.optimum import open_optimum
        from fasttwin.analysis.optimum_report import write_optimum_report

        opt = open_optimum(args.store)
        index = write_optimum_report(opt, args.out)
        print(_describe(opt.result))
        print(f"wrote {index}")
        return 0
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


def _describe(result: dict) -> str:
    """The optimiser's answer in two lines (the store holds it; nothing is recomputed)."""
    policy = ", ".join(f"{k}={v}" for k, v in result["policy"].items())
    c = result["cost"]
    pct = f"{100 * result['confidence']:g}%"
    text = (
        f"chosen policy: {policy}\ncost {c['mean']:.6g} per day ({pct} CI {c['low']:.6g} to "
        f"{c['high']:.6g})"
    )
    if result.get("target") is not None:
        verdict = "meets" if result.get("confirmed") else "does not meet (not confirmed)"
        text += f"; {verdict} {result['service_variable']} >= {result['target']:g}"
    return text
