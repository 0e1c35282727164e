"""The explorer: ``landsim serve``, a page where a policy team moves a lever and sees the
odds change. It calls the same library as the command line and has no simulation, report
or validation logic of its own.

catalogue (which scenarios may be opened) → controls (what can be moved) → estimates
(simulations on a shared, bounded pool) → views (the report's own words and charts) →
page (Shiny) → server (the process, its pool and its signals).
"""
