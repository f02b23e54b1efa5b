"""Row layout of the sums that the single-node kernels return.

Kept free of Numba so that the Dataset builders can import it cheaply.

Replenishment cycles (rows ``CYCLES`` and ``SHORT_CYCLES``): a *delivery* is
the arrival of a positive quantity at the node. A cycle runs from one delivery
to the next; the start of the horizon opens the first one (as if the initial
stock had just been delivered), and deliveries at that instant (day 0, time 0)
belong to that opening. Periodic review counts whole days: a day with a
delivery is the first day of a new cycle (arrivals come before demand, so its
stockouts belong to the new cycle). Continuous review cuts cycles at the
delivery instants. A cycle is counted when the delivery that closes it comes in
the measured days; it is *short* when a request was not served in full from
stock at some time within it (before the measured days too). When no cycle
closes in the measured days, the cycle open at the end is counted instead, so
``CYCLES >= 1`` always and the cycle service of every replication is defined.
"""

ON_HAND = 0  # sum of end-of-day on-hand
BACKORDERS = 1  # sum of end-of-day customer backorders
LOST = 2  # units lost
FILLED = 3  # demand served from stock on the day it arrived
STOCKOUTS = 4  # days on which some demand was not served from stock
ORDERS = 5  # orders placed (rejected ones included: their fixed cost is paid)
ORDERED = 6  # units ordered and accepted by the supplier
OVERFLOW = 7  # sum of end-of-day units on hand above capacity
BO_START = 8  # backorders at the start of the first measured day
BO_END = 9  # backorders at the end of the last day
DEMAND = 10  # customer demand
CYCLES = 11  # replenishment cycles closed in the measured days (see above)
SHORT_CYCLES = 12  # of those, the cycles with a stockout
N_SUMS = 13
