"""What every CSV/XLSX export shares: neutralising cells a spreadsheet would run as formulas."""

# A text cell starting with one of these would be read as a formula by a spreadsheet
# (CSV/formula injection): it gets a leading apostrophe. Numbers, negative ones included,
# are written as numbers and never pass through here.
DEBUTS_DANGEREUX = ("=", "+", "-", "@", "\t", "\r")


def echapper(valeur):
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe;
    anything that is not text is returned unchanged."""
    if isinstance(valeur, str) and valeur.startswith(DEBUTS_DANGEREUX):
        return "'" + valeur
    return valeur
