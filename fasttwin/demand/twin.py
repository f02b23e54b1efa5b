"""The fitted twin: models, a multi-SKU network and sweep specs from fitted demand.

Each product becomes one stock point ordering from the external supplier
(:class:`TwinSettings`: lead time, costs, lost sales or backorders) with its
fitted demand and a starting policy from the textbook formulas
(:func:`fasttwin.analytic.formula_policy`: base-stock when ordering is free,
else EOQ + safety stock), sized for a cycle service level. The network
model holds every product as an independent tree (one SKU each), so
``fasttwin simulate`` runs the whole assortment at once; the per-product
sweep specs put a policy grid (:func:`fasttwin.analytic.suggest_grid`)
around that policy, ready for ``fasttwin sweep``.

Demand starts the day after the history (``origin="forecast"``): its trend
and seasonal phase are carried forward to that day.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from fasttwin.model.checks import check_number
from fasttwin.model.network import Model, Node
from fasttwin.model.toml_text import dumps


@dataclass(frozen=True)
class TwinSettings:
    """What a history cannot tell: the supply side and the costs of each product's node.

    Examples
    --------
    >>> TwinSettings(cycle_service=1.2)
    Traceback (most recent call last):
    ...
    ValueError: cycle_service must be a number in (0, 1), got 1.2
    """

    lead_time: int = 7
    holding_cost: float = 1.0
    backorder_cost: float = 9.0
    lost_sale_cost: float = 0.0
    order_cost: float = 0.0
    lost_sales: bool = False
    cycle_service: float = 0.95
    periods: int = 365
    warmup: int = 30
    seed: int = 7
    reps: int = 1000
    grid_points: int = 100

    def __post_init__(self):
        check_number(
            "cycle_service", self.cycle_service, low=0, high=1, low_open=True, high_open=True
        )
        check_number("periods", self.periods, low=1, integer=True)
        check_number("warmup", self.warmup, low=0, high=self.periods - 1, integer=True)
        check_number("seed", self.seed, low=0, integer=True)
        check_number("reps", self.reps, low=1, integer=True)
        check_number("grid_points", self.grid_points, low=1, integer=True)
        # The node checks the lead time, the costs and lost_sales, naming the field.
        Node("check", **self._node_fields())

    def _node_fields(self) -> dict:
        return {
            "lead_time": self.lead_time,
            "holding_cost": self.holding_cost,
            "backorder_cost": self.backorder_cost,
            "lost_sale_cost": self.lost_sale_cost,
            "order_cost": self.order_cost,
            "lost_sales": self.lost_sales,
        }


def node_names(products) -> dict[str, str]:
    """Node and file names for products: ASCII letters, digits, ``_``, ``-``; unique by case.

    Examples
    --------
    >>> node_names(["Café crème", "cafe creme", "a.b", "?"])
    {'Café crème': 'Cafe_creme', 'cafe creme': 'cafe_creme_2', 'a.b': 'a_b', '?': 'product'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for product in products:
        ascii_name = unicodedata.normalize("NFKD", product).encode("ascii", "ignore").decode()
        base = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_name).strip("_") or "product"
        name, i = base, 2
        while name.casefold() in used:
            name, i = f"{base}_{i}", i + 1
        used.add(name.casefold())
        out[product] = name
    return out


def product_node(fit, name: str, settings: TwinSettings, origin: str = "forecast") -> Node:
    """One product's stock point: fitted demand, the settings, the formula policy."""
    from fasttwin.analytic.moments import demand_moments
    from fasttwin.analytic.safety_stock import formula_policy

    demand = fit.distribution(origin)
    node = Node(name, demand=demand, **settings._node_fields())
    mean, std = demand_moments(demand, settings.periods)
    if not mean > 0:
        return replace(node, order_up_to=0)
    if not std > 0:  # a constant history: cover the exposure exactly
        return replace(node, order_up_to=round(mean * (settings.lead_time + 1)))
    policy = formula_policy(
        Model(nodes=(node,), periods=settings.periods), cycle_service=settings.cycle_service
    )
    fields = {"order_up_to": policy.order_up_to}
    if settings.order_cost > 0:
        fields["reorder_point"] = policy.reorder_point
    return replace(node, **fields)


def product_model(
    fit, settings: TwinSettings, *, name: str | None = None, origin: str = "forecast"
) -> Model:
    """A one-node model of a product's fitted twin.

    ``origin="history"`` starts day 0 on the history's first day and runs as
    many days as the history (to compare the twin with the history);
    ``"forecast"`` starts the day after it and runs ``settings.periods`` days.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttwin.demand import fit_series
    >>> fit = fit_series(np.random.default_rng(0).poisson(20.0, 120), product="nuts")
    >>> model = product_model(fit, TwinSettings(lead_time=2))
    >>> node = model.node("nuts")
    >>> type(node.demand).__name__, round(node.demand.mean, 1), node.order_up_to
    ('Poisson', 21.0, 76)
    """
    name = name or node_names([fit.product])[fit.product]
    node = product_node(fit, name, settings, origin)
    periods = settings.periods if origin == "forecast" else int(fit.days.sum())
    return Model(
        nodes=(node,),
        name=name,
        periods=periods,
        warmup=min(settings.warmup, periods - 1),
        seed=settings.seed,
    )


def network_model(fits: dict, settings: TwinSettings, name: str = "demand_network") -> Model:
    """Every product as an independent one-node tree of one model (node = product's name)."""
    names = node_names(fits)
    nodes = tuple(product_node(fit, names[p], settings) for p, fit in fits.items())
    return Model(
        nodes=nodes, name=name, periods=settings.periods, warmup=settings.warmup, seed=settings.seed
    )


def sweep_toml(model: Model, model_file: str, settings: TwinSettings) -> str:
    """A sweep spec (TOML) of a one-node model: a policy grid around its formula policy."""
    from fasttwin.analytic.grids import suggest_grid

    grid = suggest_grid(model, budget=settings.grid_points, cycle_service=settings.cycle_service)
    head = (
        f"# Policy sweep of the fitted twin of {model.name!r}, around the formula policy.\n"
        f"#   fasttwin sweep <this file> --out {model.name}.zarr\n"
    )
    grid = {key: _axis(values) for key, values in grid.items()}
    return head + dumps(
        {"name": model.name, "model": model_file, "reps": settings.reps, "grid": grid}
    )


def _axis(values: list[int]):
    """An evenly spaced axis as a ``{start, stop, step}`` table (stop excluded), else the list.

    Examples
    --------
    >>> _axis([10, 13, 16]), _axis([1, 2, 4])
    ({'start': 10, 'stop': 19, 'step': 3}, [1, 2, 4])
    """
    steps = {b - a for a, b in zip(values, values[1:], strict=False)}
    if len(values) > 2 and len(steps) == 1 and min(steps) > 0:
        step = steps.pop()
        return {"start": values[0], "stop": values[-1] + step, "step": step}
    return list(values)
