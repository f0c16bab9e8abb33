"""The one outcome that is not a finding: a usage error, which ends a command with exit status 2.

Findings are about the data and are collected, all of them, into one report (exit 1 when one is an
error). A usage error is about the request: an argument that names nothing, an output target the
tool must not write, a schema file the rules cannot be read from, a folder that is no annotation
tree. Nothing can be checked, so it is said in one line and the command stops. Every stage raises
its own subclass; the command line catches this one class.
"""

from __future__ import annotations

__all__ = ["UsageError"]


class UsageError(Exception):
    """A request the command cannot carry out; the message is the one line shown after `error:`."""
