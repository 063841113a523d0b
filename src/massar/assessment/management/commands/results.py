from massar.assessment.cli import RESULTS
from massar.core.commands import DispatchCommand


class Command(DispatchCommand):
    help = "Results of the evaluation: massar results compute --year YYYY-YYYY [options]."
    table = RESULTS
