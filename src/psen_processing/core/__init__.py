"""The pure core: ROIs, profiles, edge finding (matched filter and learned noise model), edge
tracking, the calibration fit and the bounds of every setting. numpy only: no sockets, threads,
clocks or files; imports nothing of the package but ``errors``."""
