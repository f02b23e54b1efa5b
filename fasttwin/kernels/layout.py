"""Row layout of the integer sums that the periodic kernels return.

Kept free of Numba so that the Dataset builders can import it cheaply.
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
N_SUMS = 11
