"""Task plans: a sweep cut into blocks of grid points x all reps x one scenario.

A block is a hyper-rectangle of the grid and exactly one Zarr chunk along the
grid dims of every variable, so no two tasks ever write the same chunk
(misaligned region writes lose data, xarray issue 8371; tasks sharing a shard
corrupt it, zarr-python issue 3682). The plan depends on the spec only, never
on the cluster, so a store can be resumed on any number of workers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from fasttwin.plan.grid import PolicyGrid, node_policy


@dataclass(frozen=True)
class Task:
    """One unit of work: a block of the grid for one scenario (all reps, all nodes).

    ``index`` numbers the task in its plan (its completion flag), ``block``
    is the block's position along each grid dim, and ``region`` its
    ``(start, stop)`` along each grid dim. ``scenario`` is the scenario's
    position, or ``None`` when the sweep has no scenario dim.
    """

    index: int
    name: str
    block: tuple[int, ...]
    region: tuple[tuple[int, int], ...]
    scenario: int | None

    @property
    def points(self) -> int:
        return int(np.prod([b - a for a, b in self.region], dtype=np.int64))


@dataclass(frozen=True)
class Plan:
    """Chunking of the grid dims and the tasks, in a fixed order.

    Examples
    --------
    >>> import fasttwin as ft
    >>> from fasttwin.sweep.spec import Spec
    >>> model = ft.single_node(demand=ft.Poisson(mean=5.0), lead_time=1)
    >>> spec = Spec(model, grid={"reorder_point": range(5), "order_up_to": [20, 30, 40]},
    ...             scenarios=["baseline", "demand_surge"], points_per_task=7, reps=10)
    >>> plan = make_plan(spec)
    >>> plan.chunks, len(plan.tasks)
    ((2, 3), 6)
    >>> [t.name for t in plan.tasks[:3]]
    ['b0.0-s0', 'b0.0-s1', 'b1.0-s0']
    >>> plan.tasks[4].region
    ((4, 5), (0, 3))
    """

    dims: tuple[str, ...]
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    scenarios: int | None
    tasks: tuple[Task, ...]


def make_plan(spec) -> Plan:
    """Cut a :class:`~fasttwin.sweep.spec.Spec` into tasks."""
    shape = spec.shape
    chunks = block_shape(shape, spec.points_per_task)
    n_scen = None if spec.scenarios is None else len(spec.scenarios)
    tasks = []
    counts = [-(-n // c) for n, c in zip(shape, chunks, strict=True)]
    for block in itertools.product(*(range(k) for k in counts)):
        region = tuple(
            (i * c, min((i + 1) * c, n)) for i, c, n in zip(block, chunks, shape, strict=True)
        )
        for s in [None] if n_scen is None else range(n_scen):
            label = "b" + (".".join(map(str, block)) or "0")
            name = label if s is None else f"{label}-s{s}"
            tasks.append(Task(len(tasks), name, block, region, s))
    return Plan(spec.dims, shape, chunks, n_scen, tuple(tasks))


def block_policy(spec, region) -> dict:
    """The policy mapping of a block (the spec's keys, axis values sliced)."""
    axes = {key: list(v[a:b]) for (key, v), (a, b) in zip(spec.grid, region, strict=True)}
    return {**axes, **dict(spec.fixed)}


def block_shape(shape: tuple[int, ...], points: int) -> tuple[int, ...]:
    """Block sides with at most ``points`` cells: trailing axes whole first.

    Examples
    --------
    >>> block_shape((15, 14), 16), block_shape((60, 14), 100), block_shape((10,), 3)
    ((1, 14), (7, 14), (3,))
    """
    sides = []
    room = max(1, points)
    for n in reversed(shape):
        side = max(1, min(n, room))
        sides.append(side)
        room = room // side if side == n else 1
    return tuple(reversed(sides))


def blocks(shape: tuple[int, ...], chunks: tuple[int, ...]):
    """Yield every block's ``((start, stop), ...)`` in C order."""
    ranges = [
        [(a, min(a + c, n)) for a in range(0, n, c)] for n, c in zip(shape, chunks, strict=True)
    ]
    yield from itertools.product(*ranges)


def sub_grid(grid: PolicyGrid, region) -> PolicyGrid:
    """The part of ``grid`` inside ``region`` (same axes, sliced values)."""
    from dataclasses import replace

    axes = tuple(
        replace(axis, values=axis.values[a:b])
        for axis, (a, b) in zip(grid.axes, region, strict=True)
    )
    return PolicyGrid(axes, grid.fixed)


def valid_mask(model, grid: PolicyGrid) -> np.ndarray:
    """Which flat points of ``grid`` are a policy at every node (bool, C order)."""
    valid = np.ones(grid.size, bool)
    for name in model.node_names:
        valid &= node_policy(model, grid, name).valid
    return valid
