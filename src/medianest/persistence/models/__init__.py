"""SQLAlchemy models. The schema changes only through Alembic migrations.

Every model module is imported here so that ``Base.metadata`` knows all tables.
"""

from medianest.persistence.models.admin import DocsPage, IntegrationConfig
from medianest.persistence.models.base import NAMING_CONVENTION, Base
from medianest.persistence.models.dashboard import (
    MonitoredService,
    QuickLink,
    ServiceNoticeMute,
    ServiceRecord,
    ServiceRollup,
)
from medianest.persistence.models.downloads import DownloadItem, DownloadJob
from medianest.persistence.models.notifications import Notification
from medianest.persistence.models.requests import MediaRequest, OverseerrAccount
from medianest.persistence.models.system import AppSetting, WorkerHeartbeat
from medianest.persistence.models.users import ApiToken, AuditEntry, PlexPin, User, UserSession

__all__ = [
    "NAMING_CONVENTION",
    "ApiToken",
    "AppSetting",
    "AuditEntry",
    "Base",
    "DocsPage",
    "DownloadItem",
    "DownloadJob",
    "IntegrationConfig",
    "MediaRequest",
    "MonitoredService",
    "Notification",
    "OverseerrAccount",
    "PlexPin",
    "QuickLink",
    "ServiceNoticeMute",
    "ServiceRecord",
    "ServiceRollup",
    "User",
    "UserSession",
    "WorkerHeartbeat",
]
