"""fasttwin: fast Monte Carlo digital twins of inventory systems.

Importing this package is cheap: Numba, xarray and Dask are imported, and
kernels compiled, only when a function needs them.
"""

from fasttwin import analytic
from fasttwin.model import (
    Distribution,
    Empirical,
    Event,
    Gamma,
    Model,
    NegativeBinomial,
    Node,
    Normal,
    Poisson,
    UniformInt,
    load_model,
    single_node,
)
from fasttwin.simulate import simulate
from fasttwin.sweep import sweep

__version__ = "0.1.0"

__all__ = [
    "Distribution",
    "Empirical",
    "Event",
    "Gamma",
    "Model",
    "NegativeBinomial",
    "Node",
    "Normal",
    "Poisson",
    "UniformInt",
    "__version__",
    "analytic",
    "load_model",
    "simulate",
    "single_node",
    "sweep",
]
