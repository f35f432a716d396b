"""The one error vocabulary of the domain: each error is something the caller can fix.

Messages are single sentences that name the field and, where there is one, the allowed values,
so a model reading them can correct its next call.
"""

from __future__ import annotations

from collections.abc import Iterable


class DomainError(Exception):
    """Base of every error a caller can recover from; ``str(error)`` is safe to show."""


class NotFound(DomainError):
    def __init__(self, resource: str, key: str, value: object) -> None:
        super().__init__(f"No {resource} with {key} {value!r} exists (or it is not visible to you).")
        self.resource = resource
        # For an operator at the command line, who sees every workspace: no visibility hedge.
        self.operator_message = f"No {resource} with {key} {value!r} exists."


def operator_message(error: DomainError) -> str:
    """The error as told to an operator (the CLI), who can see everything."""
    return error.operator_message if isinstance(error, NotFound) else str(error)


class InvalidField(DomainError):
    def __init__(self, field: str, problem: str, allowed: Iterable[object] | None = None) -> None:
        message = f"Invalid '{field}': {problem}"
        if allowed is not None:
            message += f" Allowed values: {', '.join(str(a) for a in allowed)}."
        super().__init__(message)
        self.field = field


class Conflict(DomainError):
    """The change would break a uniqueness rule (a display id already taken, say)."""


class Forbidden(DomainError):
    """The caller may not do this (for example, an agent acting outside its workspaces)."""
