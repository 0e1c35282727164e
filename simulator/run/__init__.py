"""Run wing: Monte Carlo replications become results and an output folder.

``montecarlo.simulate`` drives chunks through an engine on a ``backends`` pool, ``results``
summarises them, ``output`` writes a folder atomically, ``trace`` logs one replication.
Imports only the input and model wings.
"""
