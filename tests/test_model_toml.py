"""Models round-trip through TOML exactly."""

import pytest
from hypothesis import given

import fasttwin as ft
from fasttwin.model.toml_io import dumps, model_from_toml, model_to_dict
from tests.strategies import single_node_cases


@given(single_node_cases())
def test_round_trip(case):
    model, _, _ = case
    text = model.to_toml()
    back = model_from_toml(text)
    assert back == model
    assert back.to_toml() == text


def test_unknown_fields_are_named():
    doc = model_to_dict(ft.single_node(demand=ft.Poisson(3.0)))
    doc["nodes"][0]["colour"] = 1
    text = dumps(doc)
    with pytest.raises(ValueError, match=r"model.nodes\[0\] has unknown field\(s\) \['colour'\]"):
        model_from_toml(text)


def test_unknown_distribution_is_named():
    text = ft.single_node(demand=ft.Poisson(3.0)).to_toml().replace('"poisson"', '"poison"')
    with pytest.raises(ValueError, match=r"model.nodes\[0\].demand.dist must be one of"):
        model_from_toml(text)
