"""The explorer's memory has a bound (issue 36, item 8): sessions that come, move sliders and
close leave the server's main process where the first round left it.

Before, each round of sessions added a few hundred MB (every estimate kept its run's 37 MB
tally, and a digest cache kept every closed session's scenarios alive): 14 sessions × 5
rounds took the main process from 425 MB to 1.78 GB.
"""

import pytest
from conftest import ROOT
from sessions import measure

pytestmark = pytest.mark.slow

BOUND_MB = 1024
"""The README's bound on the main process of `landsim serve` (its workers are separate)."""


def test_sessions_that_come_and_go_leave_the_memory_bounded():
    got = measure(ROOT / "scenarios" / "status-2026.yaml", rounds=3, sessions=6, moves=4,
                  pause=0.4, settle=4.0, workers=2, report=lambda line: None)
    main = [m for m, _, _ in got]
    assert all(answers >= 6 for _, _, answers in got[1:]), got  # every session was answered
    assert max(main) < BOUND_MB, got
    # rounds after the first add what the allocator keeps, not what the sessions held
    assert main[-1] - main[1] < 100, got
