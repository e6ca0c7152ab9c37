"""`make bench`: client overhead against a hand-written floor and the official SDK (issue 7).

Run with ``python -m benchmarks`` (see ``python -m benchmarks --help``). Nothing here is imported by the
package or by ``make test``.
"""
