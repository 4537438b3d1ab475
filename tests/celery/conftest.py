"""The scheduler test's movable clock, reused: the Celery worker's task processes follow it too."""

from tests.scheduler.conftest import clock, webhook

__all__ = ["clock", "webhook"]
