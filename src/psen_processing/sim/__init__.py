"""The simulated camera and its helpers: the synthetic spectrum model, the precomputed frame
ring, the sender and the output monitor used by the demo. Uses ``core`` and ``codec`` only."""
