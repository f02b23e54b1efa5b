"""Where the pages' models come from, and the policy fields of their nodes.

Three sources: the retail twin (DESIGN.md section 3), a one-node model from
a short form (Poisson demand, the README's classic test case by default),
or TOML (a path, or the text of an uploaded file). Every model is validated
by :mod:`fasttwin.model`, whose ``ValueError`` names the field and the
allowed values; the pages show that message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fasttwin.model.network import Model

SOURCES = ("retail twin", "single node", "TOML file")
#: Policy parameters a node's fields may set, in the order the pages show them.
POLICY_FIELDS = ("reorder_point", "order_up_to", "order_quantity")


@dataclass(frozen=True)
class SingleNodeForm:
    """The one-node form: Poisson demand, a fixed lead time, costs and the default run.

    The defaults are the README's classic case, whose exact optimum is known
    ((s, S) = (55, 104), 52.08 per day).
    """

    demand_mean: float = 20.0
    lead_time: int = 2
    holding_cost: float = 1.0
    shortage_cost: float = 9.0
    order_cost: float = 64.0
    lost_sales: bool = False
    reorder_point: int = 45
    order_up_to: int = 110
    periods: int = 365
    warmup: int = 30
    seed: int = 7


def single_node_model(form: SingleNodeForm) -> Model:
    """The model of the one-node form (``shortage_cost`` per unit backordered a day, or lost).

    Examples
    --------
    >>> m = single_node_model(SingleNodeForm(lost_sales=True))
    >>> m.nodes[0].lost_sale_cost, m.nodes[0].backorder_cost, m.periods
    (9.0, 0.0, 365)
    """
    from fasttwin.model.distributions import Poisson
    from fasttwin.model.network import single_node

    shortage = "lost_sale_cost" if form.lost_sales else "backorder_cost"
    return single_node(
        demand=Poisson(mean=form.demand_mean),
        lead_time=form.lead_time,
        holding_cost=form.holding_cost,
        order_cost=form.order_cost,
        lost_sales=form.lost_sales,
        reorder_point=form.reorder_point,
        order_up_to=form.order_up_to,
        periods=form.periods,
        warmup=form.warmup,
        seed=form.seed,
        **{shortage: form.shortage_cost},
    )


def load(
    source: str,
    *,
    form: SingleNodeForm | None = None,
    toml_text: str | None = None,
    path: str | None = None,
) -> Model:
    """The model of one of :data:`SOURCES`.

    A TOML file is read from ``toml_text`` (an uploaded file) if given,
    else from ``path``.
    """
    from fasttwin.model.examples import retail_twin
    from fasttwin.model.toml_io import load_model, model_from_toml, tomllib

    if source == "retail twin":
        return retail_twin()
    if source == "single node":
        return single_node_model(form or SingleNodeForm())
    if source == "TOML file":
        if toml_text is not None:
            try:
                return model_from_toml(toml_text)
            except tomllib.TOMLDecodeError as err:
                raise ValueError(f"the uploaded model file is not valid TOML: {err}") from None
        if not path:
            raise ValueError("TOML file: give the path of a model file, or upload one")
        return load_model(path)
    raise ValueError(f"model source must be one of {', '.join(SOURCES)}, got {source!r}")


def policy_fields(model: Model) -> dict[str, dict[str, int]]:
    """``{node: {parameter: value}}``: the policy parameters each node sets.

    Examples
    --------
    >>> from fasttwin.model.examples import retail_twin
    >>> policy_fields(retail_twin())["store_1"]
    {'reorder_point': 100, 'order_up_to': 300}
    """
    return {
        n.name: {p: getattr(n, p) for p in POLICY_FIELDS if getattr(n, p) is not None}
        for n in model.nodes
    }


def policy_key(model: Model, node: str, parameter: str) -> str:
    """The ``policy=`` key of a node's parameter: plain for one node, ``node.parameter`` else."""
    return parameter if len(model.nodes) == 1 else f"{node}.{parameter}"


def policy_of(model: Model, values: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """``policy=`` for :func:`fasttwin.simulate` from ``{node: {parameter: value}}``.

    Each node's values are checked as a policy (``reorder_point <
    order_up_to``), so a bad pair is refused with the node's name first.

    Examples
    --------
    >>> from fasttwin.model.examples import retail_twin
    >>> policy_of(retail_twin(), {"warehouse": {"reorder_point": 900, "order_up_to": 2500}})
    {'warehouse.reorder_point': 900, 'warehouse.order_up_to': 2500}
    >>> policy_of(retail_twin(), {"warehouse": {"reorder_point": 900, "order_up_to": 800}})
    Traceback (most recent call last):
    ...
    ValueError: node 'warehouse': reorder_point must be < order_up_to (800), got 900
    """
    from fasttwin.model.network import check_policy

    policy: dict[str, int] = {}
    for node, params in values.items():
        current = {p: getattr(model.node(node), p) for p in POLICY_FIELDS}
        current.update(params)
        try:
            check_policy(*(current[p] for p in POLICY_FIELDS))
        except ValueError as err:
            raise ValueError(f"node {node!r}: {err}") from None
        for param, value in params.items():
            policy[policy_key(model, node, param)] = value
    return policy


def run_defaults(model: Model) -> dict[str, int]:
    """The model's ``periods``, ``warmup`` and ``seed`` (else 365, 0, 0), as simulate reads them."""
    return {
        "periods": model.periods if model.periods is not None else 365,
        "warmup": model.warmup if model.warmup is not None else 0,
        "seed": model.seed if model.seed is not None else 0,
    }


def scenario_names() -> list[str]:
    """The built-in scenarios (``baseline`` first); ``"a+b"`` composes them."""
    from fasttwin.model.scenarios import KINDS

    return list(KINDS)
