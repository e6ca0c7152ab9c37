"""Testing helpers for apps built on leonardo-realtime-client.

The pytest plugin (``leonardo_realtime_client.testing.pytest_plugin``) is registered through the ``pytest11``
entry point, so installing the package makes its fixtures available in every test suite:

=============================  ==============================================================================
``leonardo_server_config``     the suite's base ``ServerConfig`` (default: ``ServerConfig()``); override it in
                               your ``conftest.py``
``leonardo_effective_config``  what the fixtures below use: ``leonardo_server_config``, then the fields of
                               ``@pytest.mark.leonardo_config(**ServerConfig fields)``, delays recorded
``leonardo_sleeps``            the delays the server "waited" (a list of seconds; nothing sleeps for real)
``leonardo_transport``         an in-process ``LocalTransport`` (no socket); ``.requests`` is what it saw
``leonardo_client``            a ``RealtimeCanvas`` on ``leonardo_transport``
``leonardo_async_client``      an ``AsyncRealtimeCanvas`` on ``leonardo_transport``
``leonardo_retry_sleeps``      the waits of those two clients before retries (recorded, not slept)
``leonardo_server``            a real HTTP server on 127.0.0.1 (``LocalServer``: ``.base_url``, ``.requests``)
``leonardo_env``               ``leonardo_server`` plus ``LEONARDO_BASE_URL`` / ``LEONARDO_API_KEY`` set in the
                               environment, for app code that builds its own client
=============================  ==============================================================================

The client fixtures send the key ``TEST_API_KEY`` (``"local-test-key"``): with
``@pytest.mark.leonardo_config(require_token=TEST_API_KEY)`` the server accepts it and refuses any other (401).
"""

__all__ = ["TEST_API_KEY"]

TEST_API_KEY = "local-test-key"
"""The API key ``leonardo_client``, ``leonardo_async_client`` and ``leonardo_env`` use (not a secret)."""
