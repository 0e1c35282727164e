"""Model wing: a scenario becomes projects, random inputs and released km².

``layout`` turns a scenario into its table of projects, ``sampling`` draws a chunk's random
inputs, and ``engines`` (SimPy ``des`` and vectorised ``fast``) consume them. Imports only the
input wing.
"""
