"""The interactive dashboard: ``fasttwin dashboard [STORE]`` (extra ``fasttwin[app]``).

Page logic lives in plain modules that import no Streamlit and are tested
without it; the Streamlit layer in :mod:`fasttwin.app.ui` only draws widgets
and hands their values to them.

- :mod:`~fasttwin.app.explore`: what a cube offers (service and cost
  variables, answers per scenario), the table of every policy behind the heat
  maps and the frontier, the recommendation, per-node service;
- :mod:`~fasttwin.app.models`: where a model comes from (the retail twin, a
  one-node form, TOML) and the policy fields of its nodes;
- :mod:`~fasttwin.app.jobs`: simulations in blocks of replications with
  progress, and their summary tables;
- :mod:`~fasttwin.app.compare`: one policy under several scenarios;
- :mod:`~fasttwin.app.optimise`: searches under a service constraint (the
  grid today; more optimisers plug into :data:`~fasttwin.app.optimise.OPTIMISERS`);
- :mod:`~fasttwin.app.formulas`: closed forms next to simulation;
- :mod:`~fasttwin.app.charts`: the Altair charts;
- ``streamlit_app.py``: the script ``streamlit run`` executes.
"""
