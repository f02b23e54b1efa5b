"""Largest values fasttwin accepts, so that its 64-bit integer sums stay exact.

Kernels count units in int64: per node and replication they sum daily stock,
backorders, demand and orders over the run. Every integer input is bounded
here, and :mod:`fasttwin.plan.limits` checks what the inputs add up to for a
run (levels and a day's demand over the horizon) before anything runs.
"""

#: Stock quantities: levels, capacities, initial stock, order quantities, daily
#: demand means, standard deviations and trace values (a million million units).
MAX_UNITS = 10**12
#: Values of tabulated distributions (UniformInt, Empirical), which keep one table
#: entry per value (8 bytes each).
MAX_TABLE_VALUE = 10**7
#: Horizons, lead times, review periods and event days (about 274 years).
MAX_DAYS = 100_000
#: Replications of one run.
MAX_REPS = 10**9
#: Orders outstanding at once (continuous review keeps a heap of them).
MAX_OUTSTANDING = 10**6
#: Values on one axis of a policy grid.
MAX_AXIS = 10**7
