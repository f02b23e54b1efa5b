"""Engine: ``simulate`` and ``trace`` run the kernels on threads and hand sums to the cube."""
