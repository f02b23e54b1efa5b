"""TOML text for models (and any nested dict of plain values).

Reading uses the standard library's ``tomllib``; writing is a small emitter
for the plain values our objects hold, so no extra dependency is needed.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import fields
from pathlib import Path

from fasttwin.model.distributions import Distribution, distribution_from_dict
from fasttwin.model.network import Model, Node

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def dumps(doc: dict) -> str:
    """TOML text for a dict of scalars, lists, tables and lists of tables.

    Examples
    --------
    >>> print(dumps({"a": 1, "t": {"b": [1.5, "x"]}, "n": [{"c": True}]}), end="")
    a = 1
    <BLANKLINE>
    [t]
    b = [1.5, "x"]
    <BLANKLINE>
    [[n]]
    c = true
    """
    lines: list[str] = []
    _emit_table(doc, [], lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def _is_table_list(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _emit_table(table: dict, path: list[str], lines: list[str]) -> None:
    for key, value in table.items():
        if value is None or isinstance(value, dict) or _is_table_list(value):
            continue
        lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in table.items():
        if isinstance(value, dict):
            lines.append("")
            lines.append(f"[{'.'.join(_key(k) for k in [*path, key])}]")
            _emit_table(value, [*path, key], lines)
    for key, value in table.items():
        if _is_table_list(value):
            for item in value:
                lines.append("")
                lines.append(f"[[{'.'.join(_key(k) for k in [*path, key])}]]")
                _emit_table(item, [*path, key], lines)


def _key(key: str) -> str:
    if key and all(c.isalnum() or c in "_-" for c in key):
        return key
    return json.dumps(key, ensure_ascii=False)


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")


def model_to_dict(model: Model) -> dict:
    """Plain-dict form of a model, as written to TOML."""
    out = {"name": model.name, "review": model.review}
    for key in ("periods", "warmup", "seed"):
        if getattr(model, key) is not None:
            out[key] = getattr(model, key)
    out["nodes"] = [_node_to_dict(n) for n in model.nodes]
    return out


def _node_to_dict(node: Node) -> dict:
    out = {}
    for f in fields(node):
        value = getattr(node, f.name)
        if value is None or (
            f.name != "name" and value == f.default and not isinstance(value, Distribution)
        ):
            continue
        out[f.name] = value.to_dict() if isinstance(value, Distribution) else value
    return out


def model_from_dict(data: dict, where: str = "model", base=None) -> Model:
    """Build a model from its plain-dict (TOML) form, validating every field.

    ``base`` is the folder that relative paths (trace CSV files) start from.
    """
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
        raw = dict(raw)
        label = f"{where}.nodes[{i}]"
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
        nodes.append(Node(**raw))
    return Model(nodes=tuple(nodes), **data)


def model_to_toml(model: Model) -> str:
    """TOML text of a model; :func:`load_model` reads it back to an equal model."""
    return dumps(model_to_dict(model))


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
