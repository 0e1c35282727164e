"""Study wing: many runs answer one question.

Sweeps (``sweep``), sensitivity analyses (``sensitivity``) and the durable evaluation of many
points on any back-end (``points``). Imports the wings below it: input, model, run, report.
"""
