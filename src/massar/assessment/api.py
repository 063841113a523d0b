"""The evaluation's API routers, one per part, mounted by massar.api."""

from massar.assessment.calendar_api import router as calendar_router
from massar.assessment.certification_api import router as certification_router
from massar.assessment.council_api import router as council_router
from massar.assessment.grid_api import router as grid_router
from massar.assessment.reports_api import router as reports_router
from massar.assessment.results_api import router as results_router
from massar.assessment.sheets_api import router as sheets_router

ROUTERS = [
    grid_router,
    sheets_router,
    results_router,
    council_router,
    calendar_router,
    certification_router,
    reports_router,
]
