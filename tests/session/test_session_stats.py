"""The percentile definition the session and the benchmark share."""

from __future__ import annotations

import pytest

import leonardo_realtime_client._session_stats as stats_module
from leonardo_realtime_client._session_stats import StatsRecorder, percentile


def test_percentile_interpolates_like_numpys_default() -> None:
    values = [0.4, 0.1, 0.3, 0.2]
    assert percentile(values, 0) == pytest.approx(0.1)
    assert percentile(values, 50) == pytest.approx(0.25)
    assert percentile(values, 95) == pytest.approx(0.385)
    assert percentile(values, 100) == pytest.approx(0.4)
    assert percentile([7.0], 95) == 7.0


def test_percentile_of_nothing_is_none_and_bad_q_is_refused() -> None:
    assert percentile([], 50) is None
    with pytest.raises(ValueError, match="0 to 100"):
        percentile([1.0], 101)


def test_a_delivered_result_covers_every_older_input_once() -> None:
    recorder = StatsRecorder()
    for seq, at in ((1, 0.0), (2, 0.1), (3, 0.2)):
        recorder.input_submitted(seq, at)
    recorder.result_delivered(2, 0.5)
    assert recorder.staleness == pytest.approx([0.5, 0.4])
    recorder.result_delivered(3, 0.6)
    assert recorder.staleness == pytest.approx([0.5, 0.4, 0.4])
    snapshot = recorder.snapshot(pending=0, in_flight=0, budget=None, budget_exhausted=False)
    assert (snapshot.uncovered, snapshot.delivered) == (0, 2)
    assert snapshot.staleness_max == pytest.approx(0.5)
    assert snapshot.as_dict()["delivered"] == 2


def test_percentiles_use_a_bounded_window_but_the_maximum_covers_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats_module, "STATS_WINDOW", 3)
    recorder = StatsRecorder()
    for seq, waited in enumerate([9.0, 1.0, 1.0, 1.0], start=1):
        recorder.input_submitted(seq, 0.0)
        recorder.result_delivered(seq, waited)
    snapshot = recorder.snapshot(pending=0, in_flight=0, budget=None, budget_exhausted=False)
    assert list(recorder.staleness) == [1.0, 1.0, 1.0]
    assert snapshot.staleness_p95 == 1.0
    assert snapshot.staleness_max == 9.0
