"""``fasttwin simulate [MODEL.toml] --grid KEY=START:STOP:STEP ... --out CUBE.zarr``.

Without a model file, the retail twin (``sweeps/retail_twin.toml``) runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def parse_grid(items: list[str]) -> dict:
    """``["s=1:10:2", "S=20,30", "review_period=1"]`` -> policy mapping.

    Examples
    --------
    >>> parse_grid(["reorder_point=1:7:2", "order_up_to=20,30", "review_period=2"])
    {'reorder_point': range(1, 7, 2), 'order_up_to': [20, 30], 'review_period': 2}
    """
    policy: dict = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise ValueError(
                f"--grid must look like KEY=START:STOP[:STEP] or KEY=A,B,C, got {item!r}"
            )
        try:
            if ":" in text:
                parts = [int(x) for x in text.split(":")]
                if len(parts) not in (2, 3):
                    raise ValueError
                policy[key] = range(*parts)
            elif "," in text:
                policy[key] = [int(x) for x in text.split(",") if x]
            else:
                policy[key] = int(text)
        except ValueError:
            raise ValueError(f"--grid {key}: values must be integers, got {text!r}") from None
    return policy


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "model",
        type=Path,
        nargs="?",
        default=None,
        help="model TOML file (default: the retail twin, sweeps/retail_twin.toml)",
    )
    parser.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="KEY=VALUES",
        help="a policy axis or a fixed value (repeatable): KEY=START:STOP[:STEP] (STOP is "
        "excluded, as in Python's range), KEY=A,B,C, or KEY=VALUE; KEY is a parameter "
        "(reorder_point, order_up_to, order_quantity, review_period), prefixed NODE. in a "
        "network, e.g. reorder_point=30:80:5 or warehouse.order_up_to=2000,3000",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        default=None,
        metavar="NAME",
        help="add a scenario (repeatable): baseline, demand_spike, strong_seasonality, "
        "supplier_delay, high_variability, demand_surge, lead_time_disruption, "
        "unreliable_supplier, or several joined by '+'",
    )
    parser.add_argument(
        "--reps", type=int, default=1000, help="Monte Carlo replications (default 1000)"
    )
    parser.add_argument(
        "--periods", type=int, default=None, help="days simulated (default: the model's, else 365)"
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=None,
        help="leading days left out of the means (default: the model's, else 0)",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="random seed (default: the model's, else 0)"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="Zarr store to write (must not exist)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="run even when the estimated work or memory is beyond fasttwin's limits",
    )


def run(args: argparse.Namespace) -> int:
    import fasttwin as ft
    from fasttwin.sweep.execute import check_output
    from fasttwin.sweep.store import StoreRef

    if args.out.exists():
        raise ValueError(f"--out {str(args.out)!r} exists; choose a new path")
    check_output(StoreRef.of(args.out))  # writable, and not inside another store
    model = ft.retail_twin() if args.model is None else ft.load_model(args.model)
    ds = ft.simulate(
        model,
        parse_grid(args.grid),
        scenario=args.scenario,
        reps=args.reps,
        periods=args.periods,
        warmup=args.warmup,
        seed=args.seed,
        force=args.force,
    )
    ds.to_zarr(args.out, mode="w-", zarr_format=3, consolidated=False)
    print(f"wrote {args.out}: {dict(ds.sizes)}")
    return 0
