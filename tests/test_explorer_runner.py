"""The explorer's requests without a browser (simulator/app/runner.py): a newer request
cancels the older, a stale result is dropped, the same request asked twice starts once,
and "What would it take?" waits for the answer it needs, or gives up."""

import asyncio

import pytest

from simulator.app.estimates import Ticket
from simulator.app.runner import Runner


class Work:
    """Requests whose stages come out when the test says (``release``), each a string
    ``"<request>:<stage>"``; a cancelled ticket stops the work as the simulations do."""

    def __init__(self, stages: int = 2):
        self.stages = stages
        self.started: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}
        self.tickets: dict[str, Ticket] = {}

    def release(self, request: str) -> None:
        self.gates.setdefault(request, asyncio.Event()).set()

    async def __call__(self, request: str, ticket: Ticket):
        self.started.append(request)
        self.tickets[request] = ticket
        gate = self.gates.setdefault(request, asyncio.Event())
        for stage in range(self.stages):
            while not gate.is_set():  # a chunk boundary: a cancelled ticket stops here
                ticket.check()
                await asyncio.sleep(0.001)
            gate.clear()
            if request.startswith("bad"):
                raise ValueError(f"{request} went wrong")
            yield f"{request}:{stage}"


def make(work: Work):
    got, failed = [], []

    async def deliver(job, result):
        got.append((job.tag, job.sequence, result))

    async def fail(job, exc):
        failed.append((job.tag, str(exc)))

    return Runner(work, deliver, fail), got, failed


async def settle(runner):
    # every job's work ended (a job left running is a failure here, not a stuck suite)
    await asyncio.wait_for(runner.settled(), 10)


async def turn():
    await asyncio.sleep(0.05)  # the runner's tasks take what was released


def test_a_newer_request_cancels_the_older():
    async def go():
        work = Work()
        runner, got, _ = make(work)
        first = runner.ask("a", "a")
        await turn()
        second = runner.ask("b", "b")
        assert first.ticket.cancelled and not second.ticket.cancelled
        assert (first.sequence, second.sequence) == (1, 2)
        assert runner.is_latest(second) and not runner.is_latest(first)
        work.release("b")
        await turn()
        work.release("b")
        await settle(runner)
        return work, got

    work, got = asyncio.run(go())
    assert work.started == ["a", "b"]
    assert got == [("b", 2, "b:0"), ("b", 2, "b:1")]


def test_a_stale_result_is_dropped():
    async def go():
        work = Work()
        runner, got, failed = make(work)
        runner.ask("a", "a")
        await turn()
        work.release("a")  # a's first stage is delivered
        await turn()
        # a's second stage is already on its way (past its last look at its ticket) when
        # a newer request is asked: it must not land
        work.release("a")
        runner.ask("b", "b")
        await turn()
        # nor must the failure of a request no longer wanted be said
        runner.ask("bad", "bad")
        await turn()
        work.release("bad")
        runner.ask("c", "c")
        await turn()
        runner.close()
        await settle(runner)
        return got, failed

    got, failed = asyncio.run(go())
    assert got == [("a", 1, "a:0")]
    assert failed == []


def test_the_failure_of_the_latest_request_is_said():
    async def go():
        work = Work()
        runner, got, failed = make(work)
        runner.ask("bad", "bad")
        work.release("bad")
        await settle(runner)
        return failed

    assert asyncio.run(go()) == [("bad", "bad went wrong")]


def test_the_same_request_asked_twice_starts_once():
    async def go():
        work = Work(stages=1)
        runner, got, _ = make(work)
        first = runner.ask("a", "a")
        assert runner.ask("a", "a") is None  # e.g. the mode switch appearing at its default
        assert not first.ticket.cancelled
        work.release("a")
        await settle(runner)
        assert runner.ask("a", "a") is None  # also once it is answered
        again = runner.ask("b", "b"), runner.ask("a", "a")  # but not after another
        work.release("b")
        work.release("a")
        await settle(runner)
        return work, got, again

    work, got, again = asyncio.run(go())
    assert work.started == ["a", "b", "a"]
    assert again[1].sequence == 3
    assert got[0] == ("a", 1, "a:0") and got[-1] == ("a", 3, "a:0")


def test_a_closed_session_cancels_its_work_and_asks_for_nothing_more():
    async def go():
        work = Work()
        runner, got, _ = make(work)
        job = runner.ask("a", "a")
        await turn()
        runner.close()
        assert job.ticket.cancelled
        assert runner.ask("b", "b") is None
        work.release("a")
        await settle(runner)
        return got

    assert asyncio.run(go()) == []


def test_a_wait_for_an_answer_gets_the_next_one_of_a_request_it_wants():
    # "What would it take?" clicked before the answer is in: it waits for it; a switch of
    # language (a request it also wants) does not stop the wait
    async def go():
        work = Work()
        runner, _, _ = make(work)
        runner.ask("a-en", "a-en")
        waiting = asyncio.create_task(runner.next_result(lambda tag: tag.startswith("a-")))
        await turn()
        runner.ask("a-zh", "a-zh")
        await turn()
        assert not waiting.done()
        work.release("a-zh")
        job, result = await waiting
        return job.tag, result

    assert asyncio.run(go()) == ("a-zh", "a-zh:0")


@pytest.mark.parametrize("then", ["other", "failed", "closed"])
def test_a_wait_for_an_answer_gives_up_when_it_will_not_come(then):
    async def go():
        work = Work()
        runner, _, _ = make(work)
        asked = "bad" if then == "failed" else "a"
        runner.ask(asked, asked)
        waiting = asyncio.create_task(runner.next_result(lambda tag: tag == asked))
        await turn()
        if then == "other":  # a slider moved: another request
            runner.ask("b", "b")
        elif then == "failed":
            work.release("bad")
        else:
            runner.close()
        got = await asyncio.wait_for(waiting, 5)
        # and nothing is waited for when the request at work is not wanted, or none is
        late = await runner.next_result(lambda tag: tag == "z")
        runner.close()
        await settle(runner)
        return got, late

    assert asyncio.run(go()) == (None, None)
