"""What the textbook formulas get wrong against the simulator, and how fast the exact optimum is.

1. Service: for normal demand with a random lead time (the formulas' home
   ground, but where they are approximations), the EOQ + safety-stock policy
   of :func:`fasttwin.analytic.formula_policy` promises a cycle service level
   and a fill rate. The simulator measures both from the cube: the share of
   replenishment cycles without stockout (``cycle_service``), the fill rate,
   and, for contrast, the share of days without stockout (``ready_rate``).
2. Cost: on the Zheng-Federgruen instances (Poisson demand, where the exact
   optimum is known) the EOQ + safety-stock policy at the critical ratio
   p / (p + h), priced by the exact formula, against the optimum.
3. Speed: :func:`fasttwin.analytic.optimal_ss` against the baseline of
   evaluating every pair of its search box with :func:`ss_cost`.

Run from the repository root::

    python -m benchmarks.bench_analytic            # full size (about two minutes)
    python -m benchmarks.bench_analytic --quick    # seconds; used by the smoke test
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import fasttwin as ft
from fasttwin.analytic import formula_policy, optimal_ss, ss_cost

#: Normal demand with lead-time variability (and controls without it).
SERVICE_CASES = [
    (
        "N(50,10), L~N(5,1.5), K=200",
        dict(demand=ft.Normal(50.0, 10.0), lead_time=ft.Normal(5, 1.5)),
    ),
    (
        "N(50,10), L~U{2..8}, K=200",
        dict(demand=ft.Normal(50.0, 10.0), lead_time=ft.UniformInt(2, 8)),
    ),
    ("N(50,10), L=5 fixed, K=200", dict(demand=ft.Normal(50.0, 10.0), lead_time=5)),
    (
        "N(20,8), L~N(3,1), base stock",
        dict(demand=ft.Normal(20.0, 8.0), lead_time=ft.Normal(3.0, 1.0), order_cost=0.0),
    ),
    (
        "N(50,10), L~N(5,1.5), lost sales",
        dict(
            demand=ft.Normal(50.0, 10.0),
            lead_time=ft.Normal(5, 1.5),
            lost_sales=True,
            lost_sale_cost=9.0,
        ),
    ),
]
TARGETS = (0.90, 0.95, 0.99)


def _model(spec: dict) -> ft.Model:
    return ft.single_node(
        **{"holding_cost": 1.0, "backorder_cost": 9.0, "order_cost": 200.0, **spec}
    )


def _mean_ci(values: np.ndarray) -> tuple[float, float]:
    return float(values.mean()), 1.96 * float(values.std(ddof=1)) / np.sqrt(values.size)


def service_table(quick: bool) -> list[dict]:
    reps, periods, warmup = (60, 800, 100) if quick else (400, 3000, 200)
    cases = SERVICE_CASES[:1] if quick else SERVICE_CASES
    rows = []
    for name, spec in cases:
        model = _model(spec)
        for target in TARGETS[1:2] if quick else TARGETS:
            p = formula_policy(model, cycle_service=target)
            policy = {"reorder_point": p.reorder_point, "order_up_to": p.order_up_to}
            ds = ft.simulate(model, policy, reps=reps, periods=periods, warmup=warmup, seed=1)
            cycle, cycle_ci = _mean_ci(ds["cycle_service"].values)
            fill, fill_ci = _mean_ci(ds["fill_rate"].values)
            rows.append(
                dict(
                    case=name,
                    target=target,
                    s=p.reorder_point,
                    S=p.order_up_to,
                    promised_csl=p.promised_cycle_service,
                    cycle_csl=cycle,
                    cycle_ci=cycle_ci,
                    ready=float(ds["ready_rate"].mean()),
                    promised_fill=p.promised_fill_rate,
                    fill=fill,
                    fill_ci=fill_ci,
                )
            )
    return rows


def cost_table(quick: bool) -> list[dict]:
    rows = []
    for mean in (10, 25, 50) if quick else (10, 20, 25, 30, 40, 50, 60, 75):
        model = ft.single_node(
            demand=ft.Poisson(float(mean)), holding_cost=1.0, backorder_cost=9.0, order_cost=64.0
        )
        best = optimal_ss(model)
        p = formula_policy(model, cycle_service=0.9)
        cost = ss_cost(model, p.reorder_point, p.order_up_to)
        rows.append(
            dict(
                mean=mean,
                optimum=best.pairs[0],
                optimal_cost=best.cost,
                formula=(p.reorder_point, p.order_up_to),
                formula_cost=cost,
                excess=cost / best.cost - 1.0,
            )
        )
    return rows


def speed(quick: bool) -> dict:
    mean = 20 if quick else 50
    model = ft.single_node(
        demand=ft.Poisson(float(mean)), holding_cost=1.0, backorder_cost=9.0, order_cost=64.0
    )
    optimal_ss(model)  # warm-up: imports scipy
    t0 = time.perf_counter()
    best = optimal_ss(model)
    t_zf = time.perf_counter() - t0
    s0, big_s0 = best.pairs[0]
    # Baseline: every pair of a box that holds the optimum, one ss_cost call each.
    s_range = range(s0 - 15, s0 + 5) if not quick else range(s0 - 5, s0 + 5)
    big_s_range = range(big_s0 - 30, big_s0 + 30) if not quick else range(big_s0 - 10, big_s0 + 10)
    t0 = time.perf_counter()
    costs = {(s, b): ss_cost(model, s, b) for s in s_range for b in big_s_range if s < b}
    t_brute = time.perf_counter() - t0
    brute = min(costs, key=costs.get)
    if costs[brute] > best.cost * (1 + 1e-9):
        raise AssertionError("brute force found a better pair than optimal_ss")
    return dict(mean=mean, pairs=len(costs), t_zf=t_zf, t_brute=t_brute)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    args = parser.parse_args(argv)

    print("## Service promised by the safety-stock formulas vs simulated\n")
    print(
        "| case | target | (s, S) | promised CSL | simulated cycle_service "
        "| ready_rate (days without stockout) | promised fill rate | simulated fill rate |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in service_table(args.quick):
        print(
            f"| {r['case']} | {r['target']:.2f} | ({r['s']}, {r['S']}) | {r['promised_csl']:.4f} "
            f"| {r['cycle_csl']:.4f} ± {r['cycle_ci']:.4f} | {r['ready']:.4f} "
            f"| {r['promised_fill']:.4f} | {r['fill']:.4f} ± {r['fill_ci']:.4f} |"
        )
    print("\n## Exact cost of the EOQ + safety-stock policy (CSL = p/(p+h) = 0.9) vs optimum\n")
    print("h = 1, p = 9, K = 64, L = 0, Poisson demand (Zheng & Federgruen 1991 instances)\n")
    print("| mean | optimal (s, S) | optimal cost | formula (s, S) | formula cost | excess |")
    print("|---|---|---|---|---|---|")
    for r in cost_table(args.quick):
        print(
            f"| {r['mean']} | {r['optimum']} | {r['optimal_cost']:.3f} | {r['formula']} "
            f"| {r['formula_cost']:.3f} | {100 * r['excess']:.1f} % |"
        )
    sp = speed(args.quick)
    print("\n## Speed: optimal_ss vs evaluating every pair of a box with ss_cost\n")
    print(
        f"mean {sp['mean']}: optimal_ss {1e3 * sp['t_zf']:.1f} ms; "
        f"{sp['pairs']} ss_cost calls {1e3 * sp['t_brute']:.1f} ms; "
        f"ratio {sp['t_brute'] / sp['t_zf']:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
