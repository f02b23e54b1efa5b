"""Rows of the per-node integer sums that the network kernel returns.

Kept free of Numba so that the Dataset builders can import it cheaply. Sums
run over the measured days (``t >= warmup``); ``*_START`` rows hold the
state at the start of the first measured day and ``*_END`` rows at the end
of the last day. ``CYCLES`` and ``SHORT_CYCLES`` count each node's
replenishment cycles as :mod:`fasttwin.kernels.layout` defines them (periodic
review: whole days, a delivery day opens a new cycle), where a request is a
customer's demand or a child node's order.
"""

ON_HAND = 0  # end-of-day units on hand
BACKORDERS = 1  # end-of-day units owed: to customers (demand nodes) or to child nodes
LOST = 2  # customer units lost
FILLED = 3  # requested units served from stock at once
STOCKOUTS = 4  # days on which a request was not served from stock in full
ORDERS = 5  # orders placed (rejected ones included: their fixed cost is paid)
ORDERED = 6  # units ordered (from the parent, or accepted by the supplier)
DEMAND = 7  # units requested: customer demand, or the orders of child nodes
RECEIVED = 8  # units that arrived
PIPELINE = 9  # end-of-day units in transit to the node or owed to it by its parent
OH_START = 10
OH_END = 11
BO_START = 12
BO_END = 13
PIPE_START = 14
PIPE_END = 15
CYCLES = 16  # replenishment cycles closed in the measured days (1 when none: the open one)
SHORT_CYCLES = 17  # of those, the cycles in which a request was not served in full
N_NODE_SUMS = 18
