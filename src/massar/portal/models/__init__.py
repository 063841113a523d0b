"""The spaces' data: guardians' activation codes, school settings of the services, school
certificate requests, appointments, message threads and announcements, results-day snapshots."""

from massar.portal.models.appointments import Appointment
from massar.portal.models.certificates import CertificateRequest
from massar.portal.models.messages import Announcement, Attachment, Message, Thread
from massar.portal.models.results import ResultSnapshot
from massar.portal.models.spaces import GuardianActivation, SchoolServices

__all__ = [
    "Announcement",
    "Appointment",
    "Attachment",
    "CertificateRequest",
    "GuardianActivation",
    "Message",
    "ResultSnapshot",
    "SchoolServices",
    "Thread",
]
