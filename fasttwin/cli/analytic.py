"""``fasttwin analytic MODEL.toml [--cycle-service 0.95] [--budget 400] [--json]``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=Path, help="model TOML file (one node)")
    parser.add_argument(
        "--cycle-service",
        type=float,
        default=0.95,
        help="target cycle service level of the safety-stock policy (default 0.95)",
    )
    parser.add_argument(
        "--budget", type=int, default=400, help="points in the suggested grid (default 400)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    import fasttwin as ft
    from fasttwin.analytic import analytic_report

    model = ft.load_model(args.model)
    report = analytic_report(model, cycle_service=args.cycle_service, budget=args.budget)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def format_report(report: dict) -> str:
    """Plain-text form of :func:`fasttwin.analytic.analytic_report`."""
    m = report["model"]
    shortage = "lost sale" if m["lost_sales"] else "backorder"
    lines = [
        f"model {m['name']!r}, node {m['node']!r}",
        f"  demand {m['demand']}: mean {m['demand_mean']:.4g}/day, std {m['demand_std']:.4g}"
        + ("" if m["stationary_demand"] else " (mean path averaged)"),
        f"  lead time: mean {m['lead_time_mean']:.4g} days, std {m['lead_time_std']:.4g};"
        f" review every {m['review_period']} day(s)",
        f"  costs: holding {m['holding_cost']:g}, {shortage} {m['shortage_cost']:g},"
        f" order {m['order_cost']:g}, unit {m['unit_cost']:g}",
        "",
    ]

    def section(title, body, render):
        lines.append(title)
        if "not_applicable" in body:
            lines.append(f"  does not apply: {body['not_applicable']}")
        else:
            lines.extend(f"  {line}" for line in render(body))
        lines.append("")

    section(
        "EOQ",
        report["eoq"],
        lambda b: [
            f"order quantity {b['quantity']:.2f}, ordering + holding {b['cost_per_day']:.4f}/day,"
            f" an order every {b['cycle_days']:.2f} days"
        ],
    )
    section(
        "Newsvendor base-stock level",
        report["newsvendor"],
        lambda b: [
            f"critical ratio {b['critical_ratio']:.4f} over {b['exposure_days']:g} days of demand"
            f" ({b['demand_model']}): level {b['base_stock_level']:.4g},"
            f" expected holding + shortage {b['expected_cost_per_day']:.4f}/day"
        ],
    )
    section(
        "EOQ + safety stock",
        report["safety_stock"],
        lambda b: [
            f"(s, S) = ({b['reorder_point']}, {b['order_up_to']}), Q = {b['order_quantity']},"
            f" safety stock {b['safety_stock']:.2f}",
            f"exposure {b['exposure_days']:g} days: demand mean {b['exposure_demand_mean']:.2f},"
            f" std {b['exposure_demand_std']:.2f} (root sum of squares)",
            f"promised: cycle service {b['promised_cycle_service']:.4f}"
            f" (target {b['target_cycle_service']:g}), fill rate {b['promised_fill_rate']:.4f}",
        ],
    )
    section("Exact (s, S), Poisson demand (Zheng & Federgruen 1991)", report["exact"], _exact_lines)
    section(
        "Suggested grid",
        report["suggested_grid"],
        lambda b: [f"{k}: {_span(v)}" for k, v in b.items()],
    )
    return "\n".join(lines).rstrip() + "\n"


def _exact_lines(b: dict) -> list[str]:
    ss = b["optimal_ss"]
    pairs = ss["pairs"]
    shown = ", ".join(f"({s}, {S})" for s, S in pairs[:5])
    more = f" and {len(pairs) - 5} more tied" if len(pairs) > 5 else ""
    lines = [
        f"optimal (s, S): {shown}{more}; cost {ss['cost_per_day']:.4f}/day",
        f"optimal base-stock level: {', '.join(map(str, b['optimal_base_stock']['levels']))};"
        f" cost {b['optimal_base_stock']['cost_per_day']:.4f}/day",
    ]
    f = b["safety_stock_policy"]
    lines.append(
        f"EOQ + safety-stock policy ({f['reorder_point']}, {f['order_up_to']}):"
        f" cost {f['cost_per_day']:.4f}/day, {100 * f['excess_over_optimum']:.2f} % above optimal"
    )
    if "model_policy" in b:
        p = b["model_policy"]
        lines.append(
            f"model's policy (s, S) = ({p['reorder_point']}, {p['order_up_to']}):"
            f" cost {p['cost_per_day']:.4f}/day"
        )
    return lines


def _span(values: list[int]) -> str:
    if len(values) > 2:
        steps = {b - a for a, b in zip(values, values[1:], strict=False)}
        if len(steps) == 1:
            return f"{values[0]}..{values[-1]} step {steps.pop()} ({len(values)} values)"
    return ", ".join(map(str, values))
