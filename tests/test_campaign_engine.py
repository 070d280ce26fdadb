"""The campaign's SimPy environment (:mod:`rossim.campaign.engine`) against plain SimPy: the same
program, written with ``timeout`` and Timeout callbacks for SimPy and with ``sleep`` and
``call_in`` for the engine, must see the same things happen at the same times in the same order,
ties included (many events due at one instant: order by priority, then by scheduling)."""

from __future__ import annotations

import random

import pytest
import simpy

from rossim.campaign.engine import Environment


def _program(env, lean: bool, seed: int, horizon: float) -> list:
    """Processes that sleep, wait on shared events, succeed them, start other processes and
    schedule one-shot calls, on a grid of integer times (so that many are due at once); returns
    what happened, in order, with ``now``."""
    rng = random.Random(seed)
    seen = []
    gate = [env.event()]

    def wait(days):
        return env.sleep(days) if lean else env.timeout(days)

    def later(days, label):
        if lean:
            env.call_in(days, seen.append, (env.now, "call", label))
        else:
            env.timeout(days).callbacks.append(lambda _e, t=env.now: seen.append((t, "call", label)))

    def child(k):
        seen.append((env.now, "child", k))
        yield wait(rng.choice((0, 1, 2)))
        seen.append((env.now, "child done", k))
        return k

    def worker(k):
        for step in range(12):
            choice = rng.random()
            if choice < 0.5:
                yield wait(rng.choice((0, 1, 1, 2, 3, 0.5)))
            elif choice < 0.65:
                got = yield gate[0]
                seen.append((env.now, "gate", k, got))
            elif choice < 0.8:
                event, gate[0] = gate[0], env.event()
                event.succeed(k * 100 + step)
            elif choice < 0.9:
                done = yield env.process(child(k * 100 + step))
                seen.append((env.now, "joined", k, done))
            else:
                later(rng.choice((0, 1, 2)), (k, step))
            seen.append((env.now, "worker", k, step))

    for k in range(6):
        env.process(worker(k))
    if lean:
        env.run_until(horizon)
    else:
        env.run(until=horizon)
    seen.append((env.now, "end"))
    return seen


@pytest.mark.parametrize("seed", range(25))
def test_the_same_events_in_the_same_order_as_simpy(seed):
    reference = _program(simpy.Environment(), False, seed, 9.0)
    assert len(reference) > 20  # the program does something
    assert _program(Environment(), True, seed, 9.0) == reference


def test_now_and_the_horizon():
    env = Environment()
    assert env.now == 0
    env.call_in(2.5, lambda: None)
    env.run_until(10.0)
    assert env.now == 10.0 and env._now == 10.0  # SimPy's own name for it follows
    with pytest.raises(ValueError):
        env.run_until(5.0)


def test_a_negative_delay_is_refused_as_simpy_refuses_it():
    env = Environment()
    with pytest.raises(ValueError):
        env.sleep(-1.0)
    with pytest.raises(ValueError):
        env.call_in(-1.0, print)


def test_a_failing_process_crashes_the_run_as_in_simpy():
    def failing(env):
        yield env.sleep(1.0)
        raise KeyError("boom")

    env = Environment()
    env.process(failing(env))
    with pytest.raises(KeyError):
        env.run_until(5.0)
