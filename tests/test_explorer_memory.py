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
    # how much each round adds depends on how many stages finish before the tab closes (the
    # machine's load); the bound does not
    assert max(main) < BOUND_MB, got


def test_what_the_explorer_keeps_of_an_estimate_is_its_tables_not_its_run():
    """What the cache and the answers hold per estimate, in bytes: the run's tables (0.3 MB),
    not its tally (37 MB for status-2026: two year × pathway histograms at 0.01 km²) — the
    mechanism behind the bound, measured without the machine's load in it."""
    import pickle

    from simulator.app.catalogue import Catalogue
    from simulator.app.estimates import SharedPool, Ticket
    from simulator.app.explorer import Explorer, Request

    status = ROOT / "scenarios" / "status-2026.yaml"
    explorer = Explorer(Catalogue.of([status]), SharedPool(1), seed=0, replications=2000)
    try:
        base = explorer.load("status-2026")
        request = Request("status-2026", base, explorer.shipped_mode(base),
                          (("pathways.consolidation.annual_cap", 6.0),), "en")
        answer = explorer.answer_stage(request, 2000, Ticket(), charts=False)
        held = [len(pickle.dumps(e)) for e in explorer.cache._items.values()]
        assert len(held) == 2 and max(held) < 2 << 20, held  # each under 2 MB
        assert len(pickle.dumps(answer)) < 4 << 20
    finally:
        explorer.close()


def test_serve_says_it_is_warming_up_and_listens_at_once():
    """`landsim serve` printed nothing for 79 s on a busy machine before it listened (issue
    39): it says at once, on stderr, what it is doing, listens while its workers warm (the
    page says it is warming up), and says when the first answer is in."""
    import subprocess
    import sys

    from sessions import _port, stop_server

    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", str(ROOT / "scenarios" / "baseline.yaml"),
         "--port", str(_port()), "--workers", "1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        import select

        # as the workers start (a silent server fails, not hangs)
        assert select.select([proc.stderr], [], [], 120)[0], "nothing on stderr in 120 s"
        first = proc.stderr.readline()
        assert first.startswith("landsim explorer: starting 1 worker and warming up on "), first
        line = proc.stdout.readline()
        assert "open http" in line and " · listening in " in line, line
        import re
        import urllib.request

        address = re.search(r"open (http://\S+) in a browser", line).group(1)
        with urllib.request.urlopen(address, timeout=60) as page:
            assert page.status == 200  # the page answers, warm or not
        assert select.select([proc.stderr], [], [], 120)[0], "never said it was warm"
        assert proc.stderr.readline().startswith("landsim explorer: warm in "), "warm line"
    finally:
        stop_server(proc)
