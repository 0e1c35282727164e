"""The ``landsim`` command: a thin shell over the library, one module per command.

Exit status: 0 success, 2 bad input (scenario, arguments, an output folder it may not
replace), 1 unexpected internal error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).

The run and report wings import pandas, scipy and matplotlib (a second or more); the
commands import them when they need them, so `validate` and error messages stay quick.
"""

from simulator.cli.args import ENGINE_CHOICES, MAX_REPLICATIONS
from simulator.cli.main import build_parser, console, main
from simulator.cli.text import ceiling_lines, counted, format_table, status_lines
from simulator.inputs.scenario import scenario_json_schema

__all__ = ["ENGINE_CHOICES", "MAX_REPLICATIONS", "build_parser", "ceiling_lines", "console",
           "counted", "format_table", "main", "scenario_json_schema", "status_lines"]
