"""The stream layer: the per-frame pipeline (decode, process, encode) and the table of the
channels it adds, the ZeroMQ worker loop and its supervision, statistics, consumers, the live
recorder and the calibration run. Uses ``core`` and ``codec``; knows nothing of HTTP."""
