"""Read models from TOML (validated); writing lives in :mod:`fasttwin.model.toml_text`."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from fasttwin.model.distributions import distribution_from_dict
from fasttwin.model.network import Model, Node
from fasttwin.model.toml_text import dumps, model_to_dict, model_to_toml, tomllib

__all__ = [
    "dumps",
    "load_model",
    "model_from_dict",
    "model_from_toml",
    "model_to_dict",
    "model_to_toml",
    "tomllib",
]


def model_from_dict(data: dict, where: str = "model", base=None) -> Model:
    """Build a model from its plain-dict (TOML) form, validating every field.

    ``base`` is the folder that relative paths (trace CSV files) start from.
    """
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be a table of model settings, got {data!r}")
    data = dict(data)
    raw_nodes = data.pop("nodes", None)
    if not isinstance(raw_nodes, list) or not raw_nodes:
        raise ValueError(f"{where}.nodes must be a non-empty list of [[nodes]] tables")
    allowed = {"name", "review", "periods", "warmup", "seed"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{where} has unknown field(s) {unknown}; allowed: {sorted(allowed)}")
    node_fields = {f.name for f in fields(Node)}
    nodes = []
    for i, raw in enumerate(raw_nodes):
        label = f"{where}.nodes[{i}]"
        if not isinstance(raw, dict):
            raise ValueError(f"{label} must be a [[nodes]] table, got {raw!r}")
        raw = dict(raw)
        unknown = sorted(set(raw) - node_fields)
        if unknown:
            raise ValueError(
                f"{label} has unknown field(s) {unknown}; allowed: {sorted(node_fields)}"
            )
        for key in ("demand", "lead_time", "batch"):
            if isinstance(raw.get(key), dict):
                raw[key] = distribution_from_dict(raw[key], f"{label}.{key}", base)
        if "name" not in raw:
            raise ValueError(f"{label}.name is required")
        try:
            nodes.append(Node(**raw))
        except TypeError as err:  # a value of the wrong shape (a table for a number, ...)
            raise ValueError(f"{label}: a value has the wrong type ({err})") from None
    try:
        return Model(nodes=tuple(nodes), **data)
    except TypeError as err:
        raise ValueError(f"{where}: a value has the wrong type ({err})") from None


def model_from_toml(text: str, base=None) -> Model:
    """Parse TOML text into a validated model (``base``: folder for relative paths)."""
    return model_from_dict(tomllib.loads(text), base=base)


def load_model(path: str | Path) -> Model:
    """Read a model from a TOML file.

    Examples
    --------
    >>> import fasttwin as ft, tempfile, pathlib
    >>> m = ft.single_node(demand=ft.Poisson(mean=5.0), lead_time=1, backorder_cost=4.0)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "m.toml"
    ...     _ = p.write_text(m.to_toml())
    ...     ft.load_model(p) == m
    True
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"model file {str(path)!r} does not exist")
    try:
        return model_from_toml(path.read_text(), base=path.parent)
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"model file {str(path)!r} is not valid TOML: {err}") from None
