"""Model objects: distributions, nodes, models and their TOML form."""

from fasttwin.model.distributions import (
    Distribution,
    Empirical,
    Event,
    Gamma,
    NegativeBinomial,
    Normal,
    Poisson,
    Trace,
    UniformInt,
)
from fasttwin.model.examples import retail_twin
from fasttwin.model.network import POLICY_PARAMETERS, Model, Node, single_node
from fasttwin.model.toml_io import load_model

__all__ = [
    "POLICY_PARAMETERS",
    "Distribution",
    "Empirical",
    "Event",
    "Gamma",
    "Model",
    "NegativeBinomial",
    "Node",
    "Normal",
    "Poisson",
    "Trace",
    "UniformInt",
    "load_model",
    "retail_twin",
    "single_node",
]
