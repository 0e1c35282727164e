"""The public namespace is explicit and documented."""

import inspect

import simulator

PUBLIC = {"LandsimError", "Problem", "RunConfigError", "Scenario", "ScenarioError",
          "SimulationResult", "__version__", "load_scenario", "scenario_from_dict",
          "scenario_json_schema", "simulate", "write_run"}


def test_public_namespace_is_guarded():
    assert set(simulator.__all__) == PUBLIC
    for name in simulator.__all__:
        assert hasattr(simulator, name)


def test_public_callables_have_docstrings():
    for name in simulator.__all__:
        obj = getattr(simulator, name)
        if callable(obj):
            assert inspect.getdoc(obj), name


def test_version_matches_package_metadata():
    from importlib.metadata import version

    assert simulator.__version__ == version("landsim")
