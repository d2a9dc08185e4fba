"""The engine's errors. Each carries a one-line message meant for the person at the terminal."""

from __future__ import annotations


class CaseworkError(Exception):
    """An error the user can act on; ``exit_code`` follows grep: 1 nothing found, 2 error."""

    exit_code = 2


class NotFound(CaseworkError):
    """A document or entity that is not in the index."""


class IndexMissing(CaseworkError):
    """No index at the chosen location yet."""


class IndexIncompatible(CaseworkError):
    """An index written by another schema version, or a directory casework did not create."""


class IndexBusy(CaseworkError):
    """Another process holds the index's write lock."""


class QueryError(CaseworkError):
    """A query the parser cannot make sense of."""


class BadIndexLocation(CaseworkError):
    """An index path that cannot hold an index: a file, a path under a file, a folder that
    cannot be written."""
