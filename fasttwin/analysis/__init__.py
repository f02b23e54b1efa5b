"""Analysis of result cubes: intervals, best policy, frontier, convergence, plots, report.

Everything here works on a cube alone (in memory or ``xr.open_zarr``), without
model objects: grid axes are all dims except ``scenario``, ``node`` and
``rep``, and ``valid`` marks the cells that are policies.
"""

from fasttwin.analysis.axes import NON_GRID_DIMS, grid_dims
from fasttwin.analysis.best import BestPolicy, Choice, best_policy
from fasttwin.analysis.convergence import convergence
from fasttwin.analysis.frontier import frontier
from fasttwin.analysis.intervals import Estimate
from fasttwin.analysis.summaries import summarize

__all__ = [
    "NON_GRID_DIMS",
    "BestPolicy",
    "Choice",
    "Estimate",
    "best_policy",
    "convergence",
    "frontier",
    "grid_dims",
    "summarize",
]
