"""The explorer page's parts, each a Shiny module (``@module.ui`` / ``@module.server``).

picker (the scenario chosen or uploaded) → controls (its mode switch and sliders) → answer
(the request's odds, table and charts, in stages) → levers ("What would it take?", an
extended task) and downloads (the scenario and report on screen). :mod:`simulator.app.page`
puts them on one page and makes the request they share; what is on screen and whether a
panel belongs to it is :mod:`simulator.app.screen`.
"""
