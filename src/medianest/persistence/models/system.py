"""Operational tables: worker heartbeats and runtime settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from medianest.persistence.models.base import Base
from medianest.persistence.types import UTCDateTime, utcnow


class WorkerHeartbeat(Base):
    """Last sign of life of each job consumer, so operators can see that jobs are running."""

    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    jobs_run: Mapped[int] = mapped_column(default=0)


class AppSetting(Base):
    """Runtime settings the admin changes in the browser (JSON values; secrets encrypted)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[str] = mapped_column(String)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
