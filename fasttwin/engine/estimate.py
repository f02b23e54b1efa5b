"""Work and memory a run will take, estimated before anything starts.

:func:`fasttwin.simulate` holds its whole cube in memory; a sweep holds one
task's block per worker and streams the cube to its store. Both refuse a run
whose work or memory is beyond the limits below, with the estimate and the
limit in the message, unless ``force=True`` (``--force``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Node-replication-days a run may ask for without ``force``: about 6 hours of
#: the single-node kernel on 2 cores (~230 M a second per core).
WORK_LIMIT = 10**13
#: Share of the machine's available memory one process may plan to use.
MEMORY_SHARE = 0.8


@dataclass(frozen=True)
class Estimate:
    """What simulating ``cells`` grid cells x scenarios for ``reps`` replications takes.

    ``values`` counts the float64 results per (cell, replication) (system and
    per-node variables); ``sums`` the int64 kernel sums behind them; ``slots``
    the days of orders in transit each node tracks per cell.

    Examples
    --------
    >>> e = Estimate(cells=10_000, reps=1000, periods=365, nodes=1, values=14, sums=11, slots=3)
    >>> e.work, e.cube_bytes, e.peak_bytes() // 2**20
    (3650000000, 1120000000, 1101)
    """

    cells: int
    reps: int
    periods: int
    nodes: int
    values: int
    sums: int
    slots: int

    @property
    def work(self) -> int:
        """Node-replication-days simulated (policy-replication-days in a one-node model)."""
        return self.cells * self.reps * self.periods * self.nodes

    @property
    def cube_bytes(self) -> int:
        """Size of the cube's float64 variables, uncompressed."""
        return self.cells * self.reps * self.values * 8

    def peak_bytes(self, cells: int | None = None, threads: int = 1) -> int:
        """Memory to simulate ``cells`` of the cells in one process on ``threads`` threads.

        The cube itself (float64, allocated once and filled block by block of
        replications), the blocks in flight (kernel sums, their float64 copy and
        the variables made from them: about 4 x
        :data:`~fasttwin.engine.threads.BLOCK_BYTES` per thread), plus the
        orders in transit.
        """
        from fasttwin.engine.threads import BLOCK_BYTES

        cells = self.cells if cells is None else cells
        per_cell = self.reps * 8 * self.values + 8 * self.slots * self.nodes * 4
        return cells * per_cell + 4 * BLOCK_BYTES * max(1, threads)

    def describe(self) -> str:
        return (
            f"{self.cells:,} grid cells x {self.reps:,} reps x {self.periods:,} days"
            + (f" x {self.nodes} nodes" if self.nodes > 1 else "")
            + f" = {self.work:.3g} node-replication-days; cube {size(self.cube_bytes)}"
        )


def estimate(model, cells: int, reps: int, periods: int) -> Estimate:
    """The :class:`Estimate` of ``cells`` grid cells x scenarios of ``model``."""
    from fasttwin.cube.variables import NODE_VARIABLES, SYSTEM_VARIABLES
    from fasttwin.kernels import layout, network_layout
    from fasttwin.model.distributions import Distribution
    from fasttwin.model.lead_times import lead_time_max

    nodes = len(model.nodes)
    values = len(SYSTEM_VARIABLES) + 1
    sums = layout.N_SUMS
    if nodes > 1:
        values += nodes * len(NODE_VARIABLES)
        sums = nodes * (network_layout.N_NODE_SUMS + 1) + 1
    slots = 1
    for node in model.nodes:
        lead = node.lead_time
        longest = lead_time_max(lead) if isinstance(lead, Distribution) else float(lead)
        slots = max(slots, int(math.ceil(min(longest, periods))) + 1)
    return Estimate(int(cells), int(reps), int(periods), nodes, values, sums, slots)


def check_work(est: Estimate, force: bool, hint: str) -> None:
    """Refuse more than :data:`WORK_LIMIT` node-replication-days unless ``force``."""
    if est.work > WORK_LIMIT and not force:
        raise ValueError(
            f"this run is very large: {est.describe()}, more than the "
            f"{WORK_LIMIT:.0e} node-replication-days fasttwin runs without being asked "
            f"(about 6 hours on 2 cores); shrink the grid, reps or periods, or {hint}"
        )


def check_memory(needed: int, limit: int, what: str, force: bool, hint: str) -> None:
    """Refuse ``needed`` bytes of memory beyond ``limit`` unless ``force``."""
    if needed > limit and not force:
        raise ValueError(
            f"{what} needs about {size(needed)} of memory, more than the {size(limit)} "
            f"available; shrink the grid, reps or periods, or {hint}"
        )


def available_memory() -> int:
    """Bytes this process may plan to use: a share of the memory available now."""
    import psutil

    return int(psutil.virtual_memory().available * MEMORY_SHARE)


def size(n: float) -> str:
    """``1.5 GB``-style sizes.

    Examples
    --------
    >>> size(1_500_000_000), size(2.0e21)
    ('1.5 GB', '2e+03 EB')
    """
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000:
            return f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.3g} EB"
