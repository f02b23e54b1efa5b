"""Validated, frozen model objects: stock points (nodes) in a tree, and the model.

A model is a tree of stock points fed by the external supplier (a single
node, a serial line, supplier -> warehouse -> stores, or deeper), or several
such trees, one per SKU, that share nothing but the storage capacity of the
locations their nodes stand at (:attr:`Node.location`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from fasttwin.model.checks import check_choice, check_number
from fasttwin.model.distributions import (
    Distribution,
    Empirical,
    Exponential,
    Gamma,
    Normal,
    Poisson,
    Uniform,
    UniformInt,
)

#: Parameters a policy grid may vary, per node.
POLICY_PARAMETERS = ("reorder_point", "order_up_to", "order_quantity", "review_period")
REVIEW_MODES = ("periodic", "continuous")
#: Lead-time families of periodic review (whole days) and of continuous review (real days).
PERIODIC_LEAD_TIMES = (UniformInt, Normal, Poisson, Empirical)
CONTINUOUS_LEAD_TIMES = (*PERIODIC_LEAD_TIMES, Uniform, Exponential, Gamma)
_COSTS = (
    "holding_cost",
    "backorder_cost",
    "lost_sale_cost",
    "order_cost",
    "unit_cost",
    "overflow_cost",
)


@dataclass(frozen=True)
class Node:
    """One stock point.

    ``parent=None`` means the node orders from the external supplier, whose
    orders arrive after ``lead_time`` days and are accepted with probability
    ``reliability``. The policy is (s, S) when ``reorder_point`` and
    ``order_up_to`` are set, base-stock when only ``order_up_to`` is, and
    (r, Q) when ``reorder_point`` and ``order_quantity`` are. The initial
    on-hand stock defaults to the order-up-to level (``r + Q`` for (r, Q)).

    ``location`` names the site the node stands at (default: its own name).
    Nodes at one location (several SKUs of one store, say) share its storage:
    they must give the same ``capacity`` and ``overflow_cost``, and the units
    on hand there above ``capacity``, summed over its nodes, cost
    ``overflow_cost`` per unit per day.

    Continuous review only: ``lead_time`` may be a real number of days or a
    real-valued distribution; ``max_outstanding`` caps the orders outstanding
    at once (``None``: no cap); ``batch`` makes demand compound (each customer
    asks for a batch drawn from a distribution on whole numbers >= 1;
    ``None``: one unit per customer).

    Examples
    --------
    >>> Node("store", demand=None, reorder_point=10, order_up_to=30).policy_kind()
    'sS'
    >>> Node("store", holding_cost=-1.0)
    Traceback (most recent call last):
    ...
    ValueError: node 'store': holding_cost must be a number >= 0, got -1.0
    """

    name: str
    parent: str | None = None
    lead_time: float | Distribution = 0
    demand: Distribution | None = None
    initial_inventory: int | None = None
    reorder_point: int | None = None
    order_up_to: int | None = None
    order_quantity: int | None = None
    review_period: int = 1
    holding_cost: float = 1.0
    backorder_cost: float = 0.0
    lost_sale_cost: float = 0.0
    order_cost: float = 0.0
    unit_cost: float = 0.0
    overflow_cost: float = 0.0
    capacity: int | None = None
    lost_sales: bool = False
    reliability: float = 1.0
    location: str | None = None
    max_outstanding: int | None = None
    batch: Distribution | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name or "." in self.name:
            raise ValueError(f"node name must be a non-empty string without '.', got {self.name!r}")
        where = f"node {self.name!r}"
        try:
            self._validate()
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from None

    def _validate(self):
        for name in _COSTS:
            check_number(name, getattr(self, name), low=0)
        check_number("reliability", self.reliability, low=0, high=1)
        if isinstance(self.lead_time, Distribution):
            if not self.lead_time.is_stationary_default():
                raise ValueError("lead_time distribution cannot have a mean path")
        else:
            # Whole days keep the integer type (and its message); a real number of
            # days is for continuous review, which Model checks.
            real = isinstance(self.lead_time, float) and not self.lead_time.is_integer()
            object.__setattr__(
                self,
                "lead_time",
                check_number("lead_time", self.lead_time, low=0, integer=not real),
            )
        if self.demand is not None and not isinstance(self.demand, Distribution):
            raise ValueError(
                f"demand must be a distribution such as Poisson(mean), got {self.demand!r}"
            )
        if self.demand is not None and not self.demand.whole_units:
            raise ValueError(
                f"demand must be a distribution on whole units, got {type(self.demand).__name__} "
                "(a real-valued lead-time distribution)"
            )
        if self.max_outstanding is not None:
            object.__setattr__(
                self,
                "max_outstanding",
                check_number("max_outstanding", self.max_outstanding, low=1, integer=True),
            )
        if self.batch is not None:
            _check_batch(self.batch)
        if not isinstance(self.lost_sales, bool):
            raise ValueError(f"lost_sales must be true or false, got {self.lost_sales!r}")
        for name, low in (
            ("initial_inventory", 0),
            ("reorder_point", None),
            ("order_up_to", 0),
            ("order_quantity", 1),
            ("capacity", 0),
        ):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, check_number(name, value, low=low, integer=True))
        object.__setattr__(
            self,
            "review_period",
            check_number("review_period", self.review_period, low=1, integer=True),
        )
        check_policy(self.reorder_point, self.order_up_to, self.order_quantity)
        if self.location is not None and (not isinstance(self.location, str) or not self.location):
            raise ValueError(
                f"location must be a non-empty string (or omitted: the node's name), "
                f"got {self.location!r}"
            )

    @property
    def site(self) -> str:
        """The location whose storage the node shares (its own name by default)."""
        return self.name if self.location is None else self.location

    def policy_kind(self) -> str | None:
        """``'sS'``, ``'base_stock'``, ``'rQ'`` or ``None`` when no policy is set."""
        return policy_kind(self.reorder_point, self.order_up_to, self.order_quantity)


def _check_batch(batch) -> None:
    if not isinstance(batch, UniformInt | Empirical):
        raise ValueError(
            f"batch must be UniformInt(low, high) or Empirical(values, probs) with sizes >= 1, "
            f"got {batch!r}"
        )
    if isinstance(batch, UniformInt):
        if batch.low < 1:
            raise ValueError(f"batch sizes must be >= 1, got UniformInt low {batch.low}")
        return
    if batch.pmf()[0] > 0:
        raise ValueError("batch sizes must be >= 1, got Empirical with positive weight on 0")


def policy_kind(reorder_point, order_up_to, order_quantity) -> str | None:
    """Name the policy that a set of parameters describes."""
    if order_quantity is not None:
        return "rQ"
    if order_up_to is not None:
        return "sS" if reorder_point is not None else "base_stock"
    return None


def check_policy(reorder_point, order_up_to, order_quantity) -> None:
    """Refuse parameter sets that describe no policy or an impossible one."""
    if order_quantity is not None:
        if order_up_to is not None:
            raise ValueError(
                "set order_quantity (an (r, Q) policy) or order_up_to (an (s, S) or "
                "base-stock policy), not both"
            )
        if reorder_point is None:
            raise ValueError("an (r, Q) policy needs reorder_point as well as order_quantity")
        return
    if reorder_point is not None and order_up_to is None:
        raise ValueError("reorder_point needs order_up_to (s, S) or order_quantity (r, Q)")
    if reorder_point is not None and reorder_point >= order_up_to:
        raise ValueError(
            f"reorder_point must be < order_up_to ({order_up_to}), got {reorder_point}"
        )


@dataclass(frozen=True)
class Model:
    """A tree of stock points fed by one external supplier, plus run defaults.

    Each node's ``parent`` names the node it orders from; nodes without one
    (the roots) order from the external supplier. Several roots make several
    independent trees (one per SKU, say) that share only the storage of
    common locations. Customer demand sits on nodes without children.
    The position of a node in ``nodes`` is its index in the random-number
    keys, so reordering nodes changes the random paths, not the model.

    ``periods``, ``warmup`` and ``seed`` are the defaults that :func:`simulate`
    uses when its own arguments are left out.

    Examples
    --------
    >>> m = Model(nodes=(Node("a", demand=None, order_up_to=5),))
    >>> m.node("a").order_up_to
    5
    >>> m.node("b")
    Traceback (most recent call last):
    ...
    ValueError: unknown node 'b'; nodes are 'a'
    """

    nodes: tuple[Node, ...]
    name: str = "model"
    review: str = "periodic"
    periods: int | None = None
    warmup: int | None = None
    seed: int | None = None

    def __post_init__(self):
        nodes = tuple(self.nodes)
        object.__setattr__(self, "nodes", nodes)
        if not nodes or not all(isinstance(n, Node) for n in nodes):
            raise ValueError("model.nodes must be a non-empty sequence of Node objects")
        check_choice("model.review", self.review, REVIEW_MODES)
        names = [n.name for n in nodes]
        duplicate = sorted({n for n in names if names.count(n) > 1})
        if duplicate:
            raise ValueError(f"model.nodes: node names must be unique, repeated: {duplicate}")
        folded = {}
        for n in names:
            if n.lower() in folded:
                raise ValueError(
                    f"model.nodes: names {folded[n.lower()]!r} and {n!r} differ only by case "
                    "(Zarr stores on macOS/Windows fold case)"
                )
            folded[n.lower()] = n
        for n in nodes:
            if n.parent is not None and n.parent not in names:
                raise ValueError(
                    f"node {n.name!r}: parent must be one of {names} or omitted "
                    f"(the external supplier), got {n.parent!r}"
                )
        _check_acyclic(nodes)
        _check_roles(nodes)
        _check_locations(nodes)
        if self.review == "continuous":
            _check_continuous(nodes)
        else:
            _check_periodic(nodes)
        for key, low in (("periods", 1), ("warmup", 0), ("seed", 0)):
            value = getattr(self, key)
            if value is not None:
                object.__setattr__(
                    self, key, check_number(f"model.{key}", value, low=low, integer=True)
                )

    def node(self, name: str) -> Node:
        """The node called ``name``."""
        for n in self.nodes:
            if n.name == name:
                return n
        names = ", ".join(repr(n.name) for n in self.nodes)
        raise ValueError(f"unknown node {name!r}; nodes are {names}")

    @property
    def node_names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes)

    def to_toml(self) -> str:
        """TOML text of this model; :func:`fasttwin.load_model` reads it back equal."""
        from fasttwin.model.toml_text import model_to_toml

        return model_to_toml(self)

    def replace_node(self, name: str, **changes) -> Model:
        """A copy of the model with one node's fields changed."""
        nodes = tuple(replace(n, **changes) if n.name == name else n for n in self.nodes)
        self.node(name)
        return replace(self, nodes=nodes)


def _check_roles(nodes) -> None:
    """Refuse settings that a node's place in the tree makes meaningless."""
    parents = {n.parent for n in nodes if n.parent is not None}
    for n in nodes:
        where = f"node {n.name!r}"
        if n.name in parents:
            kids = [c.name for c in nodes if c.parent == n.name]
            if n.demand is not None:
                raise ValueError(
                    f"{where} has child nodes {kids} and a demand: customer demand can only "
                    "be placed on nodes without children (demand-facing nodes)"
                )
            for name in ("lost_sales", "backorder_cost", "lost_sale_cost"):
                if getattr(n, name):
                    raise ValueError(
                        f"{where}: {name} must be left at its default on a node with child "
                        f"nodes ({kids}): it applies to customer demand only, and orders "
                        "from child nodes are always backordered"
                    )
        if n.parent is not None and n.reliability != 1.0:
            raise ValueError(
                f"{where}: reliability must be 1 (or omitted) on a node that orders from "
                f"node {n.parent!r}; it describes the external supplier, got {n.reliability!r}"
            )


def _check_locations(nodes) -> None:
    """Nodes at one location share its capacity: they must describe it alike."""
    first: dict[str, Node] = {}
    for n in nodes:
        other = first.setdefault(n.site, n)
        for name in ("capacity", "overflow_cost"):
            if getattr(n, name) != getattr(other, name):
                raise ValueError(
                    f"nodes {other.name!r} and {n.name!r} share location {n.site!r}, so "
                    f"they must give the same {name}; got {getattr(other, name)!r} and "
                    f"{getattr(n, name)!r}"
                )


def _check_periodic(nodes) -> None:
    """Refuse the fields that only continuous review reads."""
    for n in nodes:
        where = f"node {n.name!r}"
        hint = "(or use review='continuous')"
        if n.max_outstanding is not None:
            raise ValueError(
                f"{where}: max_outstanding applies to review='continuous' only, "
                f"got {n.max_outstanding}"
            )
        if n.batch is not None:
            raise ValueError(
                f"{where}: batch (compound demand) applies to review='continuous' only {hint}"
            )
        lt = n.lead_time
        if isinstance(lt, float):
            raise ValueError(
                f"{where}: lead_time must be an integer >= 0 for periodic review {hint}, got {lt!r}"
            )
        if isinstance(lt, Distribution) and not isinstance(lt, PERIODIC_LEAD_TIMES):
            raise ValueError(
                f"{where}: lead_time {type(lt).__name__} is not a periodic-review lead time; "
                "periodic review takes whole days: an integer, UniformInt, Normal (truncated "
                f"at 0, rounded), Poisson or Empirical {hint}"
            )


def _check_continuous(nodes) -> None:
    """Refuse what the continuous-review kernel does not model, naming the field."""
    if len(nodes) != 1:
        raise ValueError(
            f"model.review: continuous review simulates one node, got {len(nodes)} nodes"
        )
    n = nodes[0]
    where = f"node {n.name!r}"
    if not isinstance(n.demand, Poisson):
        got = "none" if n.demand is None else type(n.demand).__name__
        raise ValueError(
            f"{where}: continuous review needs Poisson demand (customer arrivals per day; "
            f"set batch= for compound demand), got {got}"
        )
    if n.review_period != 1:
        raise ValueError(
            f"{where}: review_period must be 1 under continuous review (the policy is "
            f"reviewed after every event), got {n.review_period}"
        )
    if n.reliability != 1.0:
        raise ValueError(
            f"{where}: reliability must be 1 under continuous review (supplier rejections "
            f"are not modelled), got {n.reliability}"
        )
    lt = n.lead_time
    if isinstance(lt, Distribution) and not isinstance(lt, CONTINUOUS_LEAD_TIMES):
        allowed = ", ".join(c.__name__ for c in CONTINUOUS_LEAD_TIMES)
        raise ValueError(
            f"{where}: lead_time must be a number of days >= 0 or one of {allowed}, "
            f"got {type(lt).__name__}"
        )


def _check_acyclic(nodes) -> None:
    parent = {n.name: n.parent for n in nodes}
    for start in parent:
        seen = [start]
        current = parent[start]
        while current is not None:
            if current in seen:
                cycle = " -> ".join([*seen[seen.index(current) :], current])
                raise ValueError(f"model.nodes: the parents form a cycle: {cycle}")
            seen.append(current)
            current = parent[current]


def single_node(
    demand: Distribution,
    lead_time: float | Distribution = 0,
    *,
    holding_cost: float = 1.0,
    backorder_cost: float = 0.0,
    lost_sale_cost: float = 0.0,
    order_cost: float = 0.0,
    unit_cost: float = 0.0,
    overflow_cost: float = 0.0,
    capacity: int | None = None,
    lost_sales: bool = False,
    reliability: float = 1.0,
    initial_inventory: int | None = None,
    reorder_point: int | None = None,
    order_up_to: int | None = None,
    order_quantity: int | None = None,
    review_period: int = 1,
    review: str = "periodic",
    max_outstanding: int | None = None,
    batch: Distribution | None = None,
    name: str = "node",
    periods: int | None = None,
    warmup: int | None = None,
    seed: int | None = None,
) -> Model:
    """A one-location model that orders from the external supplier.

    Backorders by default; ``lost_sales=True`` loses unmet demand instead.
    ``review="continuous"`` makes it an event-driven continuous-review twin:
    ``Poisson(mean=lam)`` demand is ``lam`` customer arrivals per day, each
    asking for one unit (or a ``batch`` drawn per customer); the lead time is
    a real number of days or a distribution such as :class:`Uniform`,
    :class:`Exponential` or :class:`Normal` (truncated at 0); and
    ``max_outstanding`` caps the orders outstanding at once.

    Examples
    --------
    >>> import fasttwin as ft
    >>> model = ft.single_node(demand=ft.Poisson(mean=20.0), lead_time=2,
    ...                        holding_cost=1.0, backorder_cost=9.0, order_cost=64.0)
    >>> model.node("node").lead_time
    2
    >>> twin = ft.single_node(demand=ft.Poisson(mean=3.0), lead_time=ft.Uniform(1.0, 2.5),
    ...                       review="continuous", max_outstanding=1, lost_sales=True)
    >>> twin.review, twin.node("node").max_outstanding
    ('continuous', 1)
    """
    if not isinstance(demand, Distribution):
        raise ValueError(f"demand must be a distribution such as Poisson(mean), got {demand!r}")
    node = Node(
        name=name,
        lead_time=lead_time,
        demand=demand,
        initial_inventory=initial_inventory,
        reorder_point=reorder_point,
        order_up_to=order_up_to,
        order_quantity=order_quantity,
        review_period=review_period,
        holding_cost=holding_cost,
        backorder_cost=backorder_cost,
        lost_sale_cost=lost_sale_cost,
        order_cost=order_cost,
        unit_cost=unit_cost,
        overflow_cost=overflow_cost,
        capacity=capacity,
        lost_sales=lost_sales,
        reliability=reliability,
        max_outstanding=max_outstanding,
        batch=batch,
    )
    return Model(
        nodes=(node,), name="single_node", review=review, periods=periods, warmup=warmup, seed=seed
    )
