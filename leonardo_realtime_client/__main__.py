"""``python -m leonardo_realtime_client``: the ``leonardo-realtime`` command line."""

from ._cli import main

if __name__ == "__main__":
    main()
