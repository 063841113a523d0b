from massar.core.commands import EXPORTS, DispatchCommand


class Command(DispatchCommand):
    help = "Export a list: massar export KIND --out FILE [options] (kinds: see --help)."
    table = EXPORTS
