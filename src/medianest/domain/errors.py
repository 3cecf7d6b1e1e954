"""Errors services raise; the web layer maps each to a status code and a clear message."""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no; ``message`` is fit to show to the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """It does not exist, or the asker may not know that it exists (same answer on purpose)."""


class PermissionDenied(DomainError):
    pass


class NotSignedIn(DomainError):
    pass


class Conflict(DomainError):
    pass


class InvalidInput(DomainError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class RateLimited(DomainError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class ServiceDown(DomainError):
    """An external service this feature needs is not answering."""


class InvalidCredentials(DomainError):
    pass


def first_line(exc: BaseException, limit: int = 200) -> str:
    """A one-line reason for a log field: many exceptions (timeouts) have an empty message."""
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:limit]
