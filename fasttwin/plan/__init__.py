"""Plan: policy grids and the run, and lowering a model to the flat arrays kernels take."""
