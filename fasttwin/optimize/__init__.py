"""Search over node policies with common-random-number batches, and a defended final choice."""
