"""The session benchmark's summary arithmetic, on hand-made display logs (nothing runs in real time)."""

from __future__ import annotations

from benchmarks.session_bench import Run, _summarise


def run_with(displays: list[tuple[float, int]], paid: int, inputs: int = 10) -> Run:
    run = Run("test", input_times=[i * 0.1 for i in range(inputs)], displays=displays)
    run.paid = run.sent = paid
    return run


def test_results_beyond_one_at_a_time_delivery_need_no_threshold() -> None:
    # L = 0.25 s; the last display at 1.0 s: one request in flight can put at most 4 results on screen.
    fast = run_with([(0.25 + i * 0.075, i) for i in range(10)], paid=10)  # every input shown, 75 ms apart
    row = _summarise(fast, latency=0.25, duration=1.0, min_dwell=0.1)
    assert row["one_at_a_time_need"] == 4
    assert row["beyond_one_at_a_time"] == 6
    assert row["beyond_share"] == 0.6
    assert row["glimpses"] == 9  # the threshold figure is kept beside it
    assert row["wasted"] == 9


def test_a_one_at_a_time_run_has_nothing_beyond_its_need() -> None:
    steady = run_with([(0.25, 0), (0.5, 2), (0.75, 5), (1.0, 9)], paid=4)
    row = _summarise(steady, latency=0.25, duration=1.0, min_dwell=0.1)
    assert (row["one_at_a_time_need"], row["beyond_one_at_a_time"], row["wasted"]) == (4, 0, 0)


def test_nothing_shown_means_everything_paid_is_beyond_the_need() -> None:
    row = _summarise(run_with([], paid=3), latency=0.25, duration=1.0, min_dwell=0.1)
    assert (row["one_at_a_time_need"], row["beyond_one_at_a_time"], row["never_displayed"]) == (0, 3, 3)
