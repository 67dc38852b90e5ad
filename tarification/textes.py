"""The calculator's texts written the French way (B5): bases de liquidation and details.

``calcul`` says *what* a base or a detail says, as data and fragments (text, dates,
``Euros``, ``Quantite``); this module says *how* it reads (« 5 532,50 € », « 15/03/2025 »,
« 4,5 »), with the one set of French formats (``outils.formats``).
"""

from __future__ import annotations

from datetime import date

from outils.formats import formater_date, formater_euros, formater_nombre, formater_quantite
from tarification import calcul


def texte(fragments: calcul.Texte | str) -> str:
    """Fragments joined into one French sentence."""
    if isinstance(fragments, str):
        return fragments
    morceaux = []
    for fragment in fragments:
        if isinstance(fragment, calcul.Euros):
            morceaux.append(formater_euros(fragment.valeur))
        elif isinstance(fragment, calcul.Quantite):
            morceaux.append(formater_quantite(fragment.valeur))
        elif isinstance(fragment, date):
            morceaux.append(formater_date(fragment))
        else:
            morceaux.append(str(fragment))
    return "".join(morceaux)


def texte_base(base: calcul.Base) -> str:
    """One sentence, for example: « art. 7.1 — population municipale 2 355 hab. (millésime
    2021), tranche « de 1 500 à moins de 3 000 » : part fixe 2 000,00 € + 1,50 € × 2 355 hab. »"""
    phrase = base.article
    if base.population is not None:
        phrase += f" — {base.nature_population} {formater_nombre(base.population)} hab."
        if base.millesime is not None:
            phrase += f" (millésime {base.millesime})"
        if base.tranche:
            phrase += f", tranche « {base.tranche} »"
    elif base.tranche:
        phrase += f" — tranche « {base.tranche} »"

    operation = ""
    quantite = "" if base.quantite is None else f"{formater_quantite(base.quantite)} {base.unite}"
    if base.part_fixe is not None and base.taux and quantite:
        operation = (
            f"part fixe {formater_euros(base.part_fixe)} + {formater_euros(base.taux)} × {quantite}"
        )
    elif base.part_fixe is not None:
        operation = f"forfait {formater_euros(base.part_fixe)}"
    elif base.taux is not None and quantite:
        operation = f"{quantite} × {formater_euros(base.taux)}"

    detail = texte(base.detail)
    if operation:
        phrase += f" : {operation}"
        if detail:
            phrase += f" ({detail})"
    elif detail:
        phrase += f" : {detail}"
    return phrase
