"""Numba kernels: numpy arrays in, numpy arrays out.

Nothing here imports xarray, Dask or the model objects; the API modules import
these lazily inside functions so that ``import fasttwin`` compiles nothing.
"""
