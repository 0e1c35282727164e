"""The explorer's parts without a browser: its controls, the uncertainty switch, uploads,
its numbers against `landsim run --set`, the saved YAML, cancellation, and `landsim serve`'s
refusals."""

import asyncio
import json
import socket
import time

import numpy as np
import pytest
import yaml
from conftest import ROOT

import simulator.cli as cli
from simulator import load_scenario, scenario_from_dict
from simulator.app.catalogue import MAX_UPLOAD_BYTES, Catalogue
from simulator.app.controls import changed_values, controls_for, set_arguments
from simulator.app.estimates import Cancelled, SharedPool, Ticket, estimate, stages_for
from simulator.app.explorer import EXPLORER_LABEL, Explorer, Request
from simulator.app.server import _limit_uploads
from simulator.app.views import changes_against
from simulator.inputs.errors import LandsimError, ScenarioError
from simulator.inputs.params import get_value
from simulator.inputs.uncertainty_mode import modes_of, with_uncertainty
from simulator.study.backtest import load_cases

PLAN = ROOT / "scenarios" / "plan-2024.yaml"
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="module")
def explorer():
    pool = SharedPool(2)
    found = Explorer(Catalogue.of([BASELINE]), pool, seed=0, replications=2000)
    yield found
    found.close()


def test_controls_cover_levers_office_caps_capacities_and_dropouts():
    scenario = load_scenario(PLAN)
    shown = controls_for(scenario)
    paths = [c.path for c in shown]
    assert paths[:len(scenario.levers)] == [lv.path for lv in scenario.levers]
    for path in ("management.pool_km2", "management.review", "management.trigger",
                 "pathways.renewal.annual_cap", "pathways.consolidation.stages[0].capacity",
                 "pathways.renewal.stages[1].dropout"):
        assert path in paths
    assert len(set(c.id for c in shown)) == len(shown)  # one HTML id each
    for c in shown:
        assert c.low <= c.value <= c.high, c
        assert c.value == pytest.approx(float(get_value(scenario, c.path)))
    capacity = next(c for c in shown if c.path.endswith("capacity"))
    assert capacity.integer and capacity.step == 1


def test_only_moved_controls_are_changes_and_they_read_as_set_arguments():
    shown = controls_for(load_scenario(PLAN))
    values = {c.id: c.value for c in shown}
    assert changed_values(shown, values) == {}
    cap = next(c for c in shown if c.path == "pathways.consolidation.annual_cap")
    capacity = next(c for c in shown if c.path.endswith("stages[0].capacity"))
    values[cap.id], values[capacity.id] = 6.0, 30.4
    changed = changed_values(shown, values)
    assert changed == {cap.path: 6.0, capacity.path: 30}
    assert isinstance(changed[capacity.path], int)
    assert set_arguments(changed) == ["pathways.consolidation.annual_cap=6.0",
                                      "pathways.consolidation.stages[0].capacity=30"]


def test_uncertainty_modes_posterior_prior_fixed():
    scenario = load_scenario(PLAN)
    name, priors = Catalogue.of([]).calibration_priors(scenario)
    assert name == "history"  # the cases file the shipped posterior was calibrated on
    assert modes_of(scenario, priors) == ["posterior", "prior", "fixed"]
    assert modes_of(scenario, {}) == ["posterior", "fixed"]  # no prior to be found
    assert modes_of(load_scenario(BASELINE)) == []
    assert with_uncertainty(scenario, "posterior") is scenario
    fixed = with_uncertainty(scenario, "fixed")
    assert fixed.uncertain == {} and fixed.posterior is None
    prior = with_uncertainty(scenario, "prior", priors, name)
    assert prior.posterior is None
    assert set(prior.uncertain) == set(scenario.uncertain)
    key = "programme.median"
    assert prior.uncertain[key].model_dump() == load_cases(
        ROOT / "scenarios/history/cases.yaml")[0].priors[key].model_dump()
    assert prior.provenance[f"uncertain.{key}"].startswith("assumption: the prior of history")
    with pytest.raises(LandsimError, match="no prior"):
        with_uncertainty(scenario, "prior", {}, name)
    with pytest.raises(LandsimError, match="unknown uncertainty mode"):
        with_uncertainty(scenario, "maybe")


def test_a_broken_upload_gets_the_lines_validate_gives(tmp_path):
    catalogue = Catalogue.of([BASELINE])
    text = BASELINE.read_text(encoding="utf-8").replace("dropout: 0.35", "dropout: 1.35", 1)
    with pytest.raises(ScenarioError) as caught:
        catalogue.load_upload("broken.yaml", text.encode())
    shown = [str(p) for p in caught.value.problems]
    (tmp_path / "broken.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as direct:
        load_scenario(tmp_path / "broken.yaml")
    assert shown == [str(p).replace(str(tmp_path / "broken.yaml"), "broken.yaml")
                     for p in direct.value.problems]
    assert any(s.startswith("broken.yaml:") and "stages[0].dropout" in s for s in shown)
    catalogue.close()


def test_an_upload_can_name_no_file_outside_its_own_folder_and_is_size_limited():
    catalogue = Catalogue.of([BASELINE])
    text = PLAN.read_text(encoding="utf-8")  # names posteriors/history-2026.parquet
    with pytest.raises(ScenarioError, match="posterior"):
        catalogue.load_upload("plan.yaml", text.encode())
    with pytest.raises(LandsimError, match="at most"):
        catalogue.load_upload("big.yaml", b"#" * (MAX_UPLOAD_BYTES + 1))
    folder = catalogue.uploads
    catalogue.close()
    assert not folder.exists()


@pytest.mark.slow
def test_the_explorers_numbers_are_landsim_run_set(explorer, tmp_path):
    base = explorer.load("baseline")
    values = (("pathways.consolidation.annual_cap", 6.0),)
    request = Request("baseline", base, None, values, "en")
    n = explorer.stages(request)[0]
    found = explorer.answer_stage(request, n, Ticket(), quick=True)
    out = tmp_path / "run"
    assert cli.main(["run", str(BASELINE), "--set", "pathways.consolidation.annual_cap=6.0",
                     "-n", str(n), "--seed", "0", "--no-report", "-q", "--out",
                     str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    shown = found.view.odds
    assert {x["name"]: x["probability"] for x in summary["targets"]} == shown
    # and the change is against the scenario as shipped at the same seed and replications
    shipped = {x["name"]: x["probability"] for x in found.shipped.run.targets}
    assert shipped != shown
    assert "pathways.consolidation.annual_cap=6.0" in " ".join(explorer.command(found))


@pytest.mark.slow
def test_changes_are_against_the_shipped_run_in_pp_and_km2(explorer):
    base = explorer.load("baseline")
    one = explorer.answer_stage(Request("baseline", base, None, (), "en"), 2000, Ticket(),
                                charts=False)
    run = one.estimate.run
    assert set(changes_against(run, run, "en").values()) == {"0.0 pp, 0.0 km²", "0.0 pp"}
    more = explorer.answer_stage(
        Request("baseline", base, None, (("pathways.consolidation.annual_cap", 8.0),), "en"),
        2000, Ticket(), charts=False)
    after = more.estimate.run
    moved = changes_against(after, run, "en")
    was = {x["name"]: x for x in run.targets}
    for x in after.targets:
        pp = 100 * (x["probability"] - was[x["name"]]["probability"])
        km2 = x["mean_km2"] - was[x["name"]]["mean_km2"]
        sign = lambda v: "" if round(abs(v), 1) == 0 else ("+" if v > 0 else "−")  # noqa: E731
        assert moved[x["name"]] == (f"{sign(pp)}{abs(pp):.1f} pp, "
                                    f"{sign(km2)}{abs(km2):.1f} km²"), x["name"]
    assert moved["batch-1"].startswith("+1")  # a higher cap in the years it binds


def test_saved_yaml_loads_back_to_the_same_scenario_labelled_as_set_in_the_explorer(explorer):
    base = explorer.load("baseline")
    request = Request("baseline", base, None, (("pathways.renewal.annual_cap", 1.2),), "en")
    _shipped, changed = explorer.scenario_of(request)
    text = explorer.scenario_yaml(changed)
    back = scenario_from_dict(yaml.safe_load(text))
    assert back.digest() == changed.digest()
    note = back.provenance["pathways.renewal.annual_cap"]
    assert note.startswith(EXPLORER_LABEL) and "1.2" in note and "0.8" in note


def test_a_cancelled_estimate_stops_at_a_chunk_boundary(explorer):
    scenario = explorer.load("baseline")
    ticket = Ticket()
    ticket.cancel()
    with pytest.raises(Cancelled):
        estimate(scenario, 5000, 0, explorer.pool.refine, ticket)
    seen = []

    class Once(Ticket):
        def check(self, *args):
            seen.append(args)
            if len(seen) > 1:  # after the first chunk
                raise Cancelled()

    with pytest.raises(Cancelled):
        estimate(scenario, 50_000, 0, explorer.pool.refine, Once())
    assert len(seen) == 2  # not the fifty chunks of the whole run


@pytest.mark.slow
def test_answers_come_in_stages_numbers_then_charts(explorer):
    base = explorer.load("baseline")
    request = Request("baseline", base, None, (), "zh")

    async def collect():
        return [a async for a in explorer.answers(request, Ticket())]

    got = asyncio.run(collect())
    stages = explorer.stages(request)
    assert [a.estimate.replications for a in got] == [n for n in stages for _ in (0, 1)]
    assert [bool(a.view.fan) for a in got] == [False, True] * len(stages)
    assert got[-1].final and not got[0].final or len(stages) == 1
    assert "data:image/png;base64," in got[-1].view.fan and "chart-pathways" in got[-1].view.pathways


def test_stages_start_quick_and_end_at_the_precision_asked(monkeypatch):
    # the cost model at the reference speed: a loaded machine (a slower measured speed)
    # puts both quick stages at the floor, which said nothing about the rule (issue 36)
    import simulator.run.cost as cost

    monkeypatch.setattr(cost, "machine_speed", lambda: 1.0)
    plan, base = load_scenario(PLAN), load_scenario(BASELINE)
    assert stages_for(base, 20_000, 2)[-1] == 20_000
    assert stages_for(plan, 20_000, 2)[0] < stages_for(base, 20_000, 2)[0]
    assert stages_for(plan, 100, 2) == [100]


def test_uploads_above_the_limit_are_refused_before_they_are_read():
    sent = []

    async def app(scope, receive, send):
        sent.append("app")

    async def send(message):
        sent.append(message)

    limited = _limit_uploads(app, 1000)
    scope = {"type": "http", "headers": [(b"content-length", b"5000")]}
    asyncio.run(limited(scope, None, send))
    assert sent[0]["status"] == 413 and "app" not in sent
    sent.clear()
    asyncio.run(limited({"type": "http", "headers": [(b"content-length", b"10")]}, None, send))
    assert sent == ["app"]


@pytest.mark.parametrize("forged", ["abc", [1, 2], float("nan"), True, {"a": 1}])
def test_a_forged_slider_value_is_refused_in_one_line(forged):
    # a websocket message with a slider value that is not a number raised deep in the
    # request and printed a traceback (issue 36, item 6): it is refused at the page's edge
    shown = controls_for(load_scenario(PLAN), "en")
    with pytest.raises(LandsimError) as caught:
        changed_values(shown, {shown[0].id: forged})
    message = str(caught.value)
    assert shown[0].path in message and "is not a number" in message and "\n" not in message
    assert changed_values(shown, {shown[0].id: shown[0].value}) == {}


def test_the_page_shows_file_names_never_a_folder_of_the_servers(tmp_path):
    # errors showed the private uploads folder and where landsim is installed (issue 36,
    # item 7): the page gives file names only
    from simulator.app.catalogue import shown_to_user
    from simulator.inputs.errors import Problem, ScenarioError

    private = tmp_path / "landsim-uploads-x1" / "abc"
    exc = ScenarioError([
        Problem("pathways.a.annual_cap", "must be > 0", str(private / "mine.yaml"), 7),
        Problem("", f"no posterior file {ROOT}/scenarios/posteriors/p.parquet",
                str(ROOT / "scenarios" / "plan-2024.yaml"), 3)])
    text = shown_to_user(exc)
    assert text.splitlines() == ["mine.yaml:7: pathways.a.annual_cap: must be > 0",
                                 "plan-2024.yaml:3: no posterior file p.parquet"]
    assert str(tmp_path) not in text and str(ROOT) not in text
    plain = shown_to_user(LandsimError(f"{private}/big.yaml: larger than 1,000 bytes"))
    assert plain == "big.yaml: larger than 1,000 bytes"


def test_a_chunked_upload_above_the_limit_is_refused_before_the_app_sees_it():
    # no Content-Length, Transfer-Encoding: chunked: the body is counted as it arrives and
    # refused past the limit; the app (and so Shiny's upload file) never sees a byte
    # (issue 36, item 3)
    seen, sent = [], []

    async def app(scope, receive, send):
        while True:
            message = await receive()
            seen.append(message)
            if not message.get("more_body"):
                break

    async def send(message):
        sent.append(message)

    def body(chunks):
        queue = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
                 for i, c in enumerate(chunks)]

        async def receive():
            return queue.pop(0)
        return receive

    limited = _limit_uploads(app, 1000)
    scope = {"type": "http", "headers": [(b"transfer-encoding", b"chunked")]}
    asyncio.run(limited(scope, body([b"x" * 600, b"x" * 600, b"x" * 600]), send))
    assert sent[0]["status"] == 413 and seen == []
    sent.clear()
    asyncio.run(limited(scope, body([b"x" * 400, b"x" * 400]), send))
    assert sent == [] and [len(m["body"]) for m in seen] == [400, 400]  # replayed whole


def test_serve_refuses_a_taken_port_and_a_missing_file(capsys, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--port", str(port), str(BASELINE)]) == 2
    assert "cannot listen on 127.0.0.1" in capsys.readouterr().err
    assert cli.main(["serve", str(tmp_path / "missing.yaml")]) == 2
    assert "not a file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad:
        cli.main(["serve", "--port", "70000"])
    assert bad.value.code == 2


@pytest.mark.slow
def test_the_quick_stage_is_within_its_interval_of_the_final_one(explorer):
    # the first answer is an estimate of the same number as the refined one: they agree
    # within the first's Monte Carlo error (4 standard errors)
    base = explorer.load("baseline")
    request = Request("baseline", base, None, (("programme", 1.3),), "en")
    quick = explorer.answer_stage(request, 500, Ticket(), charts=False)
    final = explorer.answer_stage(request, 2000, Ticket(), charts=False)
    for name, p in final.view.odds.items():
        q = quick.view.odds[name]
        assert abs(q - p) <= 4 * np.sqrt(max(p * (1 - p), 1e-4) / 500), name


@pytest.mark.slow
def test_what_it_would_take_is_the_run_reports_lever_analysis(explorer):
    from simulator.run.backends import LocalBackend
    from simulator.study.levers import lever_effects

    base = explorer.load("baseline")
    request = Request("baseline", base, None, (("pathways.renewal.annual_cap", 1.2),), "zh")
    found = explorer.answer_stage(request, 2000, Ticket(), charts=False)
    looks = []

    async def first_look(levers):  # shown while the full analysis works
        looks.append(levers)

    levers, html = asyncio.run(explorer.what_it_would_take(found, Ticket(), first_look))
    direct = lever_effects(found.scenario, replications=1000, seed=0, backend=LocalBackend(1))
    assert levers == direct  # the full analysis, whatever the first look computed before it
    assert len(looks) == 1 and looks[0]["first_look"] and not levers["first_look"]
    assert looks[0]["evaluations"] < levers["evaluations"]
    for a, b in zip(looks[0]["levers"], levers["levers"], strict=True):
        assert a["now_probability"] == b["now_probability"]  # the same points, CRN
        assert (a["low"], a["high"]) == (b["low"], b["high"])
    assert html.count("<tr data-lever=") == len(base.levers)
    assert "哪些因素会改变概率" in html  # in the page's language


@pytest.mark.slow
def test_the_downloaded_report_is_the_run_report_of_the_answer(explorer):
    base = explorer.load("baseline")
    request = Request("baseline", base, None, (("programme", 1.2),), "en")
    found = explorer.answer_stage(request, 2000, Ticket(), charts=False)
    page = asyncio.run(explorer.report_html(found, "en", None))
    p = found.view.odds[found.scenario.headline or found.scenario.targets[0].name]
    assert f'data-probability="{p!r}"' in page
    assert "landsim run" in page and "--set programme=1.2 -n 2000 --seed 0" in page
    assert page.count('<figure id="chart-') >= 5  # every chart of a run report
    # the change named in words (issue 38), the key path only in the command
    assert "With Over-programming (× plan) = 1.2 (changed from the scenario file)" in page


def test_an_unexpected_failure_is_one_line_in_the_page_and_on_stderr(capsys):
    from concurrent.futures.process import BrokenProcessPool
    from types import SimpleNamespace

    from simulator.app.page import make_internal

    state = SimpleNamespace(closing=False)
    internal = make_internal(state)
    shown = internal(ValueError("x went wrong"))
    assert shown == '<pre class="problems" id="value-problems">internal error: ValueError: ' \
                    "x went wrong</pre>"
    assert "restart landsim serve" in internal(BrokenProcessPool("gone"))
    err = capsys.readouterr().err.splitlines()
    assert err == ["landsim explorer: internal error: ValueError: x went wrong",
                   "landsim explorer: a simulation worker was stopped from outside (a signal "
                   "to the process group, or out of memory); restart landsim serve"]
    state.closing = True  # stopping: the pool went away under the work, nothing to say
    assert internal(BrokenProcessPool("gone")) is None
    assert capsys.readouterr().err == ""


def test_the_page_says_it_is_warming_until_the_first_answer_is_in(explorer, monkeypatch):
    """`landsim serve` listens before its workers are warm (issue 39): what the page reads
    to say 'warming up: k of n workers ready' counts the workers' futures and the first
    answer, and says ready only once both are in."""
    from concurrent.futures import Future

    futures = [Future(), Future()]
    monkeypatch.setattr(explorer, "_warming", futures, raising=False)
    monkeypatch.setattr(explorer, "_answered_first", False, raising=False)
    monkeypatch.setattr(explorer, "_warm_began", time.perf_counter(), raising=False)
    assert explorer.warm_status() == (0, 2, False)
    futures[0].set_result(None)
    assert explorer.warm_status() == (1, 2, False)
    futures[1].set_result(None)
    seconds = explorer.finish_warming()  # answers the first scenario's quick stage
    assert explorer.warm_status() == (2, 2, True) and seconds >= 0
