"""Cube: the registry of output variables and the labelled Datasets built from kernel sums."""
