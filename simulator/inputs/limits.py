"""Every limit an input must keep, in one place: ``validate`` and ``run`` read the same numbers.

The limits are chosen so that any scenario that validates runs on a 2-core, 24 GB machine: at
all of them at once, 100 replications take about 5 s and 0.5 GB (``tests/test_limits.py``).
Each module that enforces a limit imports it from here (and may re-export it under its own
name); nothing else defines one.
"""

from __future__ import annotations

# ------------------------------------------------------------------ files
MAX_FILE_BYTES = 1_048_576
"""Largest YAML file read (1 MiB); the shipped scenarios are under 10 kB."""
MAX_NODES = 100_000
"""Most items (scalars, lists, mappings) a document may hold once its aliases are expanded."""
MAX_DEPTH = 40
"""Deepest nesting of lists and mappings; scenarios need fewer than ten levels."""
MAX_CSV_BYTES = 1 << 20
"""Largest pipeline CSV read (1 MiB)."""
MAX_PIPELINE_ROWS = 5_000
"""Most rows a pipeline may have (each row is at least one project)."""
MAX_POSTERIOR_ROWS = 100_000
"""Most draws a posterior file may hold (the draws travel inside the resolved scenario)."""
MAX_POSTERIOR_BYTES = 64 << 20
"""Largest posterior file read (landsim calibrate writes a few hundred kB)."""
MAX_UNCERTAIN = 50
"""Most uncertain key paths a scenario may declare."""
MAX_POSTERIOR_COLUMNS = MAX_UNCERTAIN + 1
"""Most columns of a posterior file: one per uncertain key path and a weight."""

# ------------------------------------------------------------------ scenario size
MAX_PROJECTS = 10_000
"""Most projects a scenario may have in all (memory grows with projects × stages)."""
MAX_PATHWAYS = 20
MAX_STAGES = 10
"""Most stages in one pathway."""
MAX_TARGETS = 20
MAX_EVENTS = 20
MAX_HORIZON_YEARS = 60
MAX_CAPACITY = 1_000_000
MAX_NUMBER = 1_000_000.0
"""Largest magnitude of any number (km², years, multipliers): beyond it sums overflow."""
MAX_REPLACEMENTS = 5
"""Most replacements of one project (each is a project column: cost grows with it)."""
MAX_PROGRAMME = 5.0
"""Largest fixed programme multiple (pipeline ÷ plan)."""
MAX_DRAWN = 5.0
"""Largest ratio of pipeline to plan a drawn programme carries: draws above it are cut to it
(the layout holds ⌈5n⌉ projects at most; a lognormal of median 1.3 and σ 0.4 passes it with
probability 4·10⁻⁴)."""
MAX_LEVERS = 8
MAX_NAME = 64
"""Longest name (scenario, target, pathway, stage, event): names become file names."""
MAX_DISTRICTS = 40
"""Most districts (or parks) a pathway's shares name: Shenzhen has 11 districts, 20 parks."""

# ------------------------------------------------------------------ runs
MAX_REPLICATIONS = 10_000_000
"""Most replications one run may ask for (memory stays flat; time does not)."""
