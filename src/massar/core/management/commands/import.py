from massar.core.commands import IMPORTS, DispatchCommand


class Command(DispatchCommand):
    help = "Import a file: massar import KIND FILE [options] (kinds: see --help)."
    table = IMPORTS
