"""Searches for the cheapest policy under a service constraint (the Optimise page).

An *optimiser* is a function ``(request, progress) -> cube``: it simulates
the policies it chooses to look at and returns them as a fasttwin cube (grid
axes, [scenario], rep). The page then picks the cheapest policy meeting the
target with :func:`~fasttwin.analysis.best_policy` on that cube, draws cost
against service and highlights the choice, so moving the target re-chooses
without simulating again.

``grid search`` simulates every point of a grid. Another optimiser plugs in
with one entry in :data:`OPTIMISERS`; e.g. for the network optimiser, once
``fasttwin.optimize`` lands, something like (its arguments as it defines them;
what the page needs back is a cube of the policies it evaluated)::

    def network_search(request, progress):
        from fasttwin.optimize import optimize
        return optimize(request.model, bounds=request.bounds(), target=request.target,
                        service=request.service, reps=request.reps, seed=request.seed).cube

    OPTIMISERS["network optimiser"] = network_search
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fasttwin.app import jobs
from fasttwin.app.models import policy_fields, policy_key
from fasttwin.model.network import Model

#: The most values one grid axis may take in the dashboard.
MAX_AXIS = 100


@dataclass(frozen=True)
class Axis:
    """Values ``start, start + step, ...`` up to ``stop`` (included) of one policy key."""

    key: str
    start: int
    stop: int
    step: int

    def values(self) -> list[int]:
        """The axis' values, checked.

        Examples
        --------
        >>> Axis("reorder_point", 10, 20, 5).values()
        [10, 15, 20]
        >>> Axis("reorder_point", 10, 20, 0).values()
        Traceback (most recent call last):
        ...
        ValueError: reorder_point: step must be an integer >= 1, got 0
        """
        for name in ("start", "stop", "step"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{self.key}: {name} must be an integer, got {value!r}")
        if self.step < 1:
            raise ValueError(f"{self.key}: step must be an integer >= 1, got {self.step}")
        if self.stop < self.start:
            raise ValueError(
                f"{self.key}: need from <= to, got from {self.start} and to {self.stop}"
            )
        values = list(range(self.start, self.stop + 1, self.step))
        if len(values) > MAX_AXIS:
            raise ValueError(
                f"{self.key}: at most {MAX_AXIS} values per axis, got {len(values)}; "
                "use a larger step"
            )
        return values


@dataclass(frozen=True)
class Request:
    """What the page asks an optimiser for.

    ``axes`` are searched; ``fixed`` holds other policy values (``policy=``
    keys); ``target``, ``service`` and ``rule`` are the constraint, for
    optimisers that search under it (grid search simulates every point and
    leaves the choice to the page).
    """

    model: Model
    axes: tuple[Axis, ...]
    fixed: dict = field(default_factory=dict)
    reps: int = 500
    periods: int | None = None
    warmup: int | None = None
    seed: int | None = None
    scenario: str | list[str] | None = None
    target: float = 0.98
    service: str = "fill_rate"
    rule: str = "mean"

    def bounds(self) -> dict[str, tuple[int, int]]:
        """``{key: (from, to)}`` of every axis."""
        return {a.key: (a.start, a.stop) for a in self.axes}

    def policy(self) -> dict:
        """``policy=`` for :func:`fasttwin.simulate`: the grid, then the fixed values."""
        if not self.axes:
            raise ValueError("choose at least one policy parameter to search over")
        keys = [a.key for a in self.axes]
        if len(set(keys)) != len(keys):
            raise ValueError(f"each parameter may be searched once, got {keys}")
        policy = {a.key: a.values() for a in self.axes}
        policy.update({k: v for k, v in self.fixed.items() if k not in policy})
        return policy


def grid_search(request: Request, progress: jobs.Progress | None = None):
    """Simulate every point of the request's grid (invalid cells, s >= S, are NaN)."""
    return jobs.simulate(
        request.model,
        request.policy(),
        scenario=request.scenario,
        reps=request.reps,
        periods=request.periods,
        warmup=request.warmup,
        seed=request.seed,
        progress=progress,
    )


#: Name shown on the page -> optimiser.
OPTIMISERS: dict[str, Callable] = {"grid search": grid_search}


def search_keys(model: Model) -> list[str]:
    """Every policy key a search may vary: each node's policy parameters."""
    return [policy_key(model, n, p) for n, params in policy_fields(model).items() for p in params]


def default_axis(model: Model, key: str) -> Axis:
    """About ten values from half to one and a half times the model's value.

    Examples
    --------
    >>> from fasttwin.app.models import SingleNodeForm, single_node_model
    >>> default_axis(single_node_model(SingleNodeForm()), "order_up_to")
    Axis(key='order_up_to', start=55, stop=165, step=11)
    """
    node, _, param = key.rpartition(".")
    value = getattr(model.node(node) if node else model.nodes[0], param)
    step = max(1, round(value / 10))
    return Axis(key, max(0, round(value / 2)), max(1, round(1.5 * value)), step)


def default_keys(model: Model) -> list[str]:
    """The parameters of the first node with a policy: (s, S) of one node, the twin's warehouse."""
    fields = policy_fields(model)
    for node, params in fields.items():
        if params:
            return [policy_key(model, node, p) for p in params]
    return []
