"""A pytest plugin for the run through PgBouncer (`-p tests.pgbouncer.client_without_prepare`).

The tests' own connections (the `sql` fixture, tests/helpers.py, ops helpers called in-process)
come from psycopg.connect, whose default prepares a query run five times on one connection; through
transaction pooling that prepared statement lives on another server connection. A PgBouncer client
must not prepare, so those connections get prepare_threshold=None too.

The app is not covered by this: its pool opens connections with psycopg.Connection.connect and the
keyword arguments of shared/db.py, so a regression there still fails the run.
"""

import functools

import psycopg

_connect = psycopg.connect


@functools.wraps(_connect)
def _connect_without_prepare(*args, **kwargs):
    kwargs.setdefault("prepare_threshold", None)
    return _connect(*args, **kwargs)


psycopg.connect = _connect_without_prepare
