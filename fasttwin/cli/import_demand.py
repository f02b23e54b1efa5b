"""``fasttwin import-demand HISTORY.csv --out DIR``: fit demand histories, write the fitted twin."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "csv",
        type=Path,
        metavar="HISTORY.csv",
        help="demand history: long (date, product and demand columns, one row per product and "
        "period) or wide (a date column and one column per product); daily, weekly or monthly",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        required=True,
        help="directory to write the models, tables and report to",
    )
    columns = parser.add_argument_group("reading the file")
    columns.add_argument(
        "--product-column",
        metavar="NAME",
        help="product column of a long file (default: one named product, product_name, sku, "
        "item, ...; without one the file is read as wide)",
    )
    columns.add_argument(
        "--date-column",
        metavar="NAME",
        help="date column (default: one named date, day, week, ...; else the first)",
    )
    columns.add_argument(
        "--value-column",
        metavar="NAME",
        help="demand column of a long file (default: one named demand, quantity, units, sales, "
        "...; else the only column left)",
    )
    columns.add_argument(
        "--frequency",
        choices=("daily", "weekly", "monthly"),
        help="one row per day, per week (the 7 days from its date) or per calendar month "
        "(default: from the dates)",
    )
    columns.add_argument(
        "--date-format",
        metavar="FORMAT",
        help="strptime format of dates that are not ISO (YYYY-MM-DD), e.g. %%d/%%m/%%Y",
    )
    columns.add_argument(
        "--missing",
        choices=("error", "zero"),
        default="error",
        help="a missing period or empty cell inside a product's history: refuse it with its "
        "line (error, default) or read it as no demand (zero)",
    )
    fitting = parser.add_argument_group("forecasts and flags")
    fitting.add_argument(
        "--horizon",
        metavar="PERIODS",
        type=int,
        help="forecast periods (default: 91 days' worth: 91 days, 13 weeks or 3 months)",
    )
    fitting.add_argument(
        "--level",
        metavar="LEVEL",
        type=float,
        default=0.95,
        help="forecast interval level (default 0.95)",
    )
    fitting.add_argument(
        "--status-level",
        metavar="LEVEL",
        type=float,
        default=0.99,
        help="interval level of the surge / low velocity flag (default 0.99)",
    )
    fitting.add_argument(
        "--seed",
        metavar="SEED",
        type=int,
        default=7,
        help="seed of the fits' draws and of the models (default 7)",
    )
    twin = parser.add_argument_group("the fitted twin (one stock point per product)")
    twin.add_argument(
        "--lead-time",
        metavar="DAYS",
        type=int,
        default=7,
        help="supplier lead time in days (default 7)",
    )
    twin.add_argument(
        "--holding-cost",
        metavar="COST",
        type=float,
        default=1.0,
        help="per unit on hand per day (default 1)",
    )
    twin.add_argument(
        "--backorder-cost",
        metavar="COST",
        type=float,
        default=9.0,
        help="per unit backordered per day (default 9)",
    )
    twin.add_argument(
        "--lost-sales", action="store_true", help="lose unmet demand (default: backorder it)"
    )
    twin.add_argument(
        "--lost-sale-cost",
        metavar="COST",
        type=float,
        default=0.0,
        help="per unit lost, with --lost-sales (default 0)",
    )
    twin.add_argument(
        "--order-cost",
        metavar="COST",
        type=float,
        default=0.0,
        help="fixed cost per order (default 0: base-stock policies; above 0: (s, S) policies)",
    )
    twin.add_argument(
        "--cycle-service",
        metavar="LEVEL",
        type=float,
        default=0.95,
        help="cycle service level of the starting policy (default 0.95)",
    )
    twin.add_argument(
        "--periods",
        metavar="DAYS",
        type=int,
        default=365,
        help="days the models simulate (default 365)",
    )
    twin.add_argument(
        "--warmup",
        metavar="DAYS",
        type=int,
        default=30,
        help="warm-up days of the models (default 30)",
    )
    twin.add_argument(
        "--reps",
        metavar="N",
        type=int,
        default=1000,
        help="replications of the sweep specs (default 1000)",
    )
    twin.add_argument(
        "--grid-points",
        metavar="N",
        type=int,
        default=100,
        help="policies in each product's sweep grid, at most (default 100)",
    )
    parser.add_argument("--no-report", action="store_true", help="skip the HTML and PNG report")
    parser.add_argument(
        "--overwrite", action="store_true", help="write into --out even if it holds files"
    )


def run(args: argparse.Namespace) -> int:
    from fasttwin.demand import TwinSettings, fit_history, load_history
    from fasttwin.demand.export import write_outputs

    settings = TwinSettings(
        lead_time=args.lead_time,
        holding_cost=args.holding_cost,
        backorder_cost=args.backorder_cost,
        lost_sale_cost=args.lost_sale_cost,
        order_cost=args.order_cost,
        lost_sales=args.lost_sales,
        cycle_service=args.cycle_service,
        periods=args.periods,
        warmup=args.warmup,
        seed=args.seed,
        reps=args.reps,
        grid_points=args.grid_points,
    )
    if args.out.exists() and (not args.out.is_dir() or any(args.out.iterdir())):
        if not args.overwrite or not args.out.is_dir():
            raise ValueError(
                f"--out {str(args.out)!r} exists and is not an empty directory; choose another "
                "or pass --overwrite"
            )
    history = load_history(
        args.csv,
        product_column=args.product_column,
        date_column=args.date_column,
        value_column=args.value_column,
        frequency=args.frequency,
        date_format=args.date_format,
        missing=args.missing,
    )
    fits = fit_history(history, level=args.status_level, seed=args.seed)
    source = {"file": args.csv.name, **history.attrs}
    written = write_outputs(
        fits,
        args.out,
        settings,
        horizon=args.horizon,
        level=args.level,
        source=source,
        report=not args.no_report,
    )
    width = max(len(p) for p in fits)
    for product, fit in fits.items():
        flag = fit.status.flag if fit.status else "-"
        print(f"{product:<{width}}  {fit.intermittency.kind:<12}  {flag:<12}  {fit.describe()}")
    filled = history.attrs["filled"]
    if filled:
        print(f"{filled} missing periods read as zero demand")
    print(f"wrote {args.out}: network.toml, models/, sweeps/, fits.csv, forecast.csv", end="")
    print(f", {written['report'].name}" if "report" in written else "")
    return 0
