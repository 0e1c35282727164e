"""Input wing: scenario files in, validated scenario objects out.

YAML reading with line numbers and provenance labels (``yamlsource``), the pydantic scenario
models (``scenario``), duration and yield distributions (``distributions``), key paths
(``keypath``) and changes of values by key path (``params``). Imports nothing else of landsim.
"""
