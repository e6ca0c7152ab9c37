"""ThreadedRealtimeSession: submit from any thread, events by callback and blocking get().

Waiting here is on conditions and futures with generous timeouts, never a sleep: each wait ends as soon
as the session thread has done its part.
"""

from __future__ import annotations

import threading

import pytest

from leonardo_realtime_client._session_events import SessionClosedError, SessionEvent, SessionResult
from leonardo_realtime_client._threaded_session import ThreadedRealtimeSession

from .fakes import Call, FakeClient, FakeResult

Event = SessionEvent[FakeResult]


def answer(session: ThreadedRealtimeSession[FakeResult], call: Call) -> None:
    loop = session.session._loop
    assert loop is not None
    loop.call_soon_threadsafe(call.answer)


def test_submit_from_another_thread_and_read_results_blocking() -> None:
    client = FakeClient()
    threads: list[str] = []

    def on_event(event: Event) -> None:
        threads.append(threading.current_thread().name)

    with ThreadedRealtimeSession(client, "generate", prompt="p", on_event=on_event, close_client=True) as session:
        stamp = session.submit(b"A")
        (call,) = client.wait_for_calls(1)
        assert call.timestamp == stamp
        answer(session, call)
        event = session.get(timeout=10)
        assert isinstance(event, SessionResult)
        assert event.request_timestamp == stamp
        assert session.latest == event
        session.flush(timeout=10)
        assert session.stats().delivered == 1
    assert threads == ["leonardo-session-generate"]
    assert client.closed  # close_client=True closed it on its own loop
    assert session.closed
    assert session.get(timeout=10) is None  # closed and drained


def test_submissions_from_many_threads_keep_latest_wins_and_order() -> None:
    client = FakeClient()
    with ThreadedRealtimeSession(client, "generate", prompt="p") as session:
        session.submit(b"first")
        (first,) = client.wait_for_calls(1)
        workers = [threading.Thread(target=session.submit, args=(f"{i}".encode(),)) for i in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        session.submit(b"last")
        answer(session, first)
        _, second = client.wait_for_calls(2)
        assert second.image == b"last"  # everything between was coalesced
        answer(session, second)
        session.flush(timeout=10)
        stats = session.stats()
        assert (stats.submitted, stats.sent, stats.coalesced, stats.delivered) == (10, 2, 8, 2)
    # closed: the blocking iterator yields what is buffered, then ends
    seqs = [e.seq for e in session.events(timeout=10) if isinstance(e, SessionResult)]
    assert seqs == [1, 10]


def test_close_cancels_in_flight_work_stops_the_thread_and_refuses_new_input() -> None:
    client = FakeClient()
    session: ThreadedRealtimeSession[FakeResult] = ThreadedRealtimeSession(client, "generate", prompt="p")
    session.submit(b"A")
    (call,) = client.wait_for_calls(1)
    session.close(timeout=10)
    assert call.cancelled
    assert not session._thread.is_alive()
    loop = session.session._loop
    assert loop is not None
    assert loop.is_closed()
    assert session.stats().cancelled == 1
    assert not client.closed  # not asked to
    with pytest.raises(SessionClosedError):
        session.submit(b"B")
    session.close()  # idempotent


def test_get_times_out_clearly_and_bad_input_raises_in_the_callers_thread() -> None:
    with ThreadedRealtimeSession(FakeClient(), "generate", prompt="p") as session:
        with pytest.raises(TimeoutError, match="no session event"):
            session.get(timeout=0)
        with pytest.raises(ValueError, match="strength"):
            session.submit(b"x", strength=3)
        assert "open" in repr(session)


def test_without_a_buffer_only_the_callback_gets_events() -> None:
    client = FakeClient()
    got = threading.Event()
    with ThreadedRealtimeSession(
        client, "generate", prompt="p", max_buffered_events=0, on_event=lambda e: got.set()
    ) as session:
        session.submit(b"A")
        (call,) = client.wait_for_calls(1)
        answer(session, call)
        assert got.wait(10)
        with pytest.raises(RuntimeError, match="on_event"):
            session.get(timeout=0)


@pytest.mark.anyio
async def test_it_works_from_inside_a_running_event_loop_as_in_a_notebook() -> None:
    client = FakeClient()
    session: ThreadedRealtimeSession[FakeResult] = ThreadedRealtimeSession(client, "generate", prompt="p")
    try:
        stamp = session.submit(b"A")
        (call,) = client.wait_for_calls(1)
        answer(session, call)
        event = session.get(timeout=10)
        assert isinstance(event, SessionResult)
        assert event.request_timestamp == stamp
    finally:
        session.close(timeout=10)
    assert session.stats().delivered == 1


def test_stats_and_submit_work_from_inside_the_callback() -> None:
    # on_event runs on the session's thread: stats() there must not wait for that same thread.
    client = FakeClient()
    seen: list[int] = []
    holder: list[ThreadedRealtimeSession[FakeResult]] = []

    def on_event(event: Event) -> None:
        seen.append(holder[0].stats().delivered)

    session: ThreadedRealtimeSession[FakeResult] = ThreadedRealtimeSession(
        client, "generate", prompt="p", on_event=on_event
    )
    holder.append(session)
    try:
        session.submit(b"A")
        (call,) = client.wait_for_calls(1)
        answer(session, call)
        assert isinstance(session.get(timeout=10), SessionResult)
        session.flush(timeout=10)  # the callback has returned once the session is idle again
        assert seen == [1]
    finally:
        session.close(timeout=10)
    assert not session._thread.is_alive()


def test_close_and_flush_from_the_callback_are_refused_and_the_session_stays_closable() -> None:
    client = FakeClient()
    refused: list[RuntimeError] = []
    holder: list[ThreadedRealtimeSession[FakeResult]] = []

    def on_event(event: Event) -> None:
        for blocking in (holder[0].close, holder[0].flush):
            try:
                blocking()
            except RuntimeError as exc:
                refused.append(exc)

    session: ThreadedRealtimeSession[FakeResult] = ThreadedRealtimeSession(
        client, "generate", prompt="p", on_event=on_event
    )
    holder.append(session)
    session.submit(b"A")
    (call,) = client.wait_for_calls(1)
    answer(session, call)
    assert isinstance(session.get(timeout=10), SessionResult)
    session.flush(timeout=10)
    assert len(refused) == 2
    assert all("own thread" in str(exc) for exc in refused)
    assert not session.closed
    session.close(timeout=10)
    assert session.session.closed
    assert not session._thread.is_alive()
