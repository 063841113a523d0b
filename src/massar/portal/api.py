"""The spaces' API routers, one per part, mounted by massar.api under /api/v1/me/."""

from massar.portal.appointments_api import router as appointments_router
from massar.portal.certificates_api import router as certificates_router
from massar.portal.messages_api import router as messages_router
from massar.portal.results_day_api import router as results_day_router
from massar.portal.spaces_api import router as spaces_router

# results first: see massar.api
ROUTERS = [
    results_day_router,
    spaces_router,
    certificates_router,
    appointments_router,
    messages_router,
]
