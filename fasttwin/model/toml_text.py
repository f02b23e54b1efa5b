"""TOML text of models and run descriptions: ``tomllib`` reads, ``tomli_w`` writes.

Nothing here imports :mod:`fasttwin.model.network`, so model objects can
write themselves without an import cycle.
"""

from __future__ import annotations

import sys
from dataclasses import fields

import tomli_w

from fasttwin.model.distributions import Distribution

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["dumps", "model_to_dict", "model_to_toml", "tomllib"]


def dumps(doc: dict) -> str:
    """TOML text for a dict of scalars, lists and tables; ``None`` values are left out.

    Examples
    --------
    >>> print(dumps({"a": 1, "skip": None, "t": {"b": [1.5, "x"]}}), end="")
    a = 1
    <BLANKLINE>
    [t]
    b = [
        1.5,
        "x",
    ]
    """
    return tomli_w.dumps(_plain(doc))


def _plain(value):
    """Drop ``None`` (TOML has no null) and turn tuples into lists, recursively."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def model_to_dict(model) -> dict:
    """Plain-dict form of a model, as written to TOML."""
    out = {"name": model.name, "review": model.review}
    for key in ("periods", "warmup", "seed"):
        if getattr(model, key) is not None:
            out[key] = getattr(model, key)
    out["nodes"] = [_node_to_dict(n) for n in model.nodes]
    return out


def _node_to_dict(node) -> dict:
    out = {}
    for f in fields(node):
        value = getattr(node, f.name)
        if value is None or (
            f.name != "name" and value == f.default and not isinstance(value, Distribution)
        ):
            continue
        out[f.name] = value.to_dict() if isinstance(value, Distribution) else value
    return out


def model_to_toml(model) -> str:
    """TOML text of a model; :func:`fasttwin.load_model` reads it back to an equal model."""
    return dumps(model_to_dict(model))
