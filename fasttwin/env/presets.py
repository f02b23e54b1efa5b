"""Ready-made environments: a model plus its reward, episode length and order range."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from fasttwin.env.reward import RewardSpec
from fasttwin.model.checks import check_number
from fasttwin.model.network import Model, Node

#: The 10-product environment: Poisson means and supplier lead times (days) per product.
TEN_PRODUCT_MEANS = (5.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0)
TEN_PRODUCT_LEAD_TIMES = (1, 2, 3, 4, 5, 1, 2, 3, 4, 5)


@dataclass(frozen=True)
class EnvSpec:
    """What an environment runs: a model, its reward, episode length and order range.

    Pass it where a model goes (``TwinVectorEnv(ft.env.ten_products(),
    num_envs=64)``): its settings become the defaults.

    ``max_order`` maps each node to the largest order an agent may place in a
    day (``None``: :func:`default_max_order`).
    """

    model: Model
    reward: RewardSpec = field(default_factory=RewardSpec)
    episode_length: int | None = None
    max_order: Mapping[str, int] | None = None
    name: str = "twin"

    def __post_init__(self):
        if not isinstance(self.model, Model):
            raise ValueError(f"EnvSpec.model must be a Model, got {type(self.model).__name__}")
        if not isinstance(self.reward, RewardSpec):
            raise ValueError(f"EnvSpec.reward must be a RewardSpec, got {self.reward!r}")
        if self.episode_length is not None:
            check_number("episode_length", self.episode_length, low=1, integer=True)
        if self.max_order is not None:
            resolve_max_order(self.model, self.max_order)


def default_max_order(node: Node) -> int:
    """Twice the node's order-up-to level (``r + Q`` for (r, Q)): room above any policy order.

    Examples
    --------
    >>> default_max_order(Node("a", reorder_point=10, order_up_to=40))
    80
    """
    top = node.order_up_to
    if top is None and node.order_quantity is not None:
        top = node.reorder_point + node.order_quantity
    return max(2 * int(top or 0), 1)


def resolve_max_order(model: Model, max_order) -> tuple[int, ...]:
    """Each node's largest daily order: an int for all nodes, ``{node: int}``, or ``None``."""
    names = model.node_names
    if max_order is None:
        return tuple(default_max_order(n) for n in model.nodes)
    if isinstance(max_order, Mapping):
        for name in max_order:
            if name not in names:
                raise ValueError(
                    f"max_order names unknown node {name!r}; nodes are {', '.join(names)}"
                )
        return tuple(
            check_number(f"max_order[{n.name!r}]", max_order[n.name], low=1, integer=True)
            if n.name in max_order
            else default_max_order(n)
            for n in model.nodes
        )
    value = check_number("max_order", max_order, low=1, integer=True)
    return (value,) * len(names)


def ten_products(seed: int = 0) -> EnvSpec:
    """The 10-product environment as a fasttwin model plus its reward.

    Ten independent products (one-node trees ``product_0`` .. ``product_9``),
    Poisson demand with means :data:`TEN_PRODUCT_MEANS`, supplier lead times
    1-5 days (:data:`TEN_PRODUCT_LEAD_TIMES`), lost sales; orders of 0-200
    units per product and day; 30-day episodes. The reward of a product-day
    is -1 per unit short (the model's ``lost_sale_cost``), -0.01 per unit
    held (``holding_cost``), -0.1 per unit on hand above 3x the mean demand
    and +10 on a day with neither (:class:`RewardSpec` shaping terms).

    Each product starts with 2x its mean demand on hand and, left to itself,
    follows a base-stock policy at mean demand over lead time + 1 days plus
    2.33 standard deviations (the 99 % critical ratio of 1 vs 0.01).

    Examples
    --------
    >>> spec = ten_products()
    >>> len(spec.model.nodes), spec.episode_length, spec.max_order["product_0"]
    (10, 30, 200)
    >>> spec.model.node("product_9").lead_time, spec.reward.bonus
    (5, 10.0)
    """
    from fasttwin.model.distributions import Poisson

    nodes = []
    for k, (mean, lead) in enumerate(zip(TEN_PRODUCT_MEANS, TEN_PRODUCT_LEAD_TIMES, strict=True)):
        over = mean * (lead + 1)
        nodes.append(
            Node(
                f"product_{k}",
                lead_time=lead,
                demand=Poisson(mean),
                order_up_to=math.ceil(over + 2.33 * math.sqrt(over)),
                initial_inventory=int(2 * mean),
                holding_cost=0.01,
                lost_sale_cost=1.0,
                lost_sales=True,
            )
        )
    model = Model(nodes=tuple(nodes), name="ten_products", periods=30, warmup=0, seed=seed)
    return EnvSpec(
        model=model,
        reward=RewardSpec(excess=0.1, excess_level=3.0, bonus=10.0),
        episode_length=30,
        max_order={n.name: 200 for n in nodes},
        name="ten_products",
    )


def retail() -> EnvSpec:
    """The retail twin (:func:`fasttwin.retail_twin`): reward minus its cost, 90-day episodes.

    Examples
    --------
    >>> spec = retail()
    >>> spec.episode_length, resolve_max_order(spec.model, spec.max_order)
    (90, (6000, 600, 720, 900))
    """
    from fasttwin.model.examples import retail_twin

    return EnvSpec(model=retail_twin(), episode_length=90, name="retail_twin")
