"""The simulated camera and its helpers: the synthetic spectrum model, the precomputed frame
ring, complete bsread messages built from values (``messages``, also for tests and benchmarks),
the sender and the output monitor used by the demo. Uses ``core`` and ``codec`` only."""
