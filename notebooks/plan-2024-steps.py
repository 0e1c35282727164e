"""How each change from baseline.yaml to plan-2024.yaml moves the odds (docs/scenarios.md).

Run: .venv/bin/python notebooks/plan-2024-steps.py [replications]   (default 10,000; seed 0)
Every step simulates with the same seed, so the steps share their random inputs.
"""

import sys
from pathlib import Path

from simulator import load_scenario, scenario_from_dict, simulate

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("binding-2025", "batch-3", "plan-2035")
PRIORS = {  # the evidence's ranges, before the history cases' posterior
    "pathways.consolidation.annual_cap": {"dist": "uniform", "min": 3, "max": 8},
    "pathways.renewal.annual_cap": {"dist": "uniform", "min": 0.5, "max": 2.0},
    "pathways.reserve.annual_cap": {"dist": "uniform", "min": 1.5, "max": 3.5},
    "pathways.uplift.annual_cap": {"dist": "uniform", "min": 0.3, "max": 1.0},
    "pathways.consolidation.stages[0].dropout": {"dist": "uniform", "min": 0.0, "max": 0.3},
    "pathways.renewal.stages[0].dropout": {"dist": "uniform", "min": 0.0, "max": 0.5},
}


def steps(plan):
    """(name, scenario) of each step, from the shipped plan-2024 scenario ``plan``."""
    def variant(uncertain, office):
        data = plan.resolved()
        data["uncertain"] = uncertain
        data["posterior"] = None
        data["programme"] = 1.0  # a programme of exactly the plan, as before issue 35
        for name, lever in enumerate(data["levers"]):
            if lever["path"].startswith("programme"):
                data["levers"] = [v for v in data["levers"] if v is not lever]
        if not office:
            data["management"] = None
        return scenario_from_dict(data, file=plan.file)

    no_office = plan.resolved()
    no_office["management"] = None
    return [
        ("baseline.yaml (fixed caps, from 2022)", load_scenario(ROOT / "scenarios/baseline.yaml")),
        ("+ status 2024, the baseline's fixed caps", variant({}, False)),
        ("+ the evidence's ranges (priors)", variant(PRIORS, False)),
        ("+ a programme office (6 km² pool)", variant(PRIORS, True)),
        ("+ the history cases' posterior: over-programming (plan-2024.yaml)", plan),
        ("plan-2024.yaml without the office", scenario_from_dict(no_office, file=plan.file)),
    ]


def main(replications: int = 10_000) -> None:
    plan = load_scenario(ROOT / "scenarios/plan-2024.yaml")
    print("| step | " + " | ".join(TARGETS) + " |")
    for name, scenario in steps(plan):
        odds = simulate(scenario, replications=replications, seed=0).target_odds()
        print(f"| {name} | " + " | ".join(f"{odds.loc[t, 'probability']:.2%}" for t in TARGETS)
              + " |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
