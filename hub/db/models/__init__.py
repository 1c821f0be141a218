"""Every table of the hub.  Importing this package fills ``SQLModel.metadata``.

One module per aggregate; each table model is the ``X(table=True)`` of its family,
and the API's request/response models live in ``hub.schemas``.
"""

from hub.db.models.answers import AnswerLink, AppointmentAnswer
from hub.db.models.clinic import Clinic
from hub.db.models.feed import FeedEvent
from hub.db.models.jobs import JobLock, JobRun
from hub.db.models.plugins import PluginConfig, PluginHealth, PluginState, SettingsAudit
from hub.db.models.reminders import MailingSchedule, ScheduledRun
from hub.db.models.tokens import ApiToken

__all__ = [
    "AnswerLink",
    "ApiToken",
    "AppointmentAnswer",
    "Clinic",
    "FeedEvent",
    "JobLock",
    "JobRun",
    "MailingSchedule",
    "PluginConfig",
    "PluginHealth",
    "PluginState",
    "ScheduledRun",
    "SettingsAudit",
]
