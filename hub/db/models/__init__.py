"""Every table of the hub.  Importing this package fills ``SQLModel.metadata``.

One module per aggregate; each table model is the ``X(table=True)`` of its family,
and the API's request/response models live in ``hub.schemas``.
"""

from hub.db.models.answers import AnswerLink, AppointmentAnswer
from hub.db.models.appointment import AppointmentAlias, AppointmentRecord
from hub.db.models.clinic import Clinic
from hub.db.models.events import Delivery, OutboxEvent
from hub.db.models.feed import FeedEvent
from hub.db.models.jobs import JobLock, JobRun
from hub.db.models.mappings import IdMapping
from hub.db.models.messages import Mailing, Message
from hub.db.models.patient import PatientPhone, PatientRecord
from hub.db.models.plugins import PluginConfig, PluginHealth, PluginStateRow, SettingsAudit
from hub.db.models.reference import ReferenceItem
from hub.db.models.reminders import MailingSchedule, ScheduledRun
from hub.db.models.stoplist import StopListEntry
from hub.db.models.templates import MessageTemplate
from hub.db.models.tokens import ApiToken

__all__ = [
    "AnswerLink",
    "AppointmentAlias",
    "ApiToken",
    "AppointmentAnswer",
    "AppointmentRecord",
    "Clinic",
    "Delivery",
    "FeedEvent",
    "IdMapping",
    "JobLock",
    "JobRun",
    "Mailing",
    "MailingSchedule",
    "Message",
    "MessageTemplate",
    "OutboxEvent",
    "PatientPhone",
    "PatientRecord",
    "PluginConfig",
    "PluginHealth",
    "PluginStateRow",
    "ReferenceItem",
    "ScheduledRun",
    "SettingsAudit",
    "StopListEntry",
]
