"""Montant en toutes lettres pour les titres de recettes (règle B5 : total en chiffres et en
lettres).

Le mode « monnaie » de num2words est faux en français (« un million euros et zéro
centimes ») : num2words ne sert ici qu'aux nombres cardinaux, l'accord de « euro » et
« centime » est écrit ici. num2words (0.5.14) applique déjà les règles d'accord des
cardinaux (« quatre-vingts », « deux cents », « mille » invariable, « millions ») ; les tests
le vérifient contre une implémentation de référence indépendante.

Orthographe traditionnelle, telle que num2words la produit : traits d'union seulement entre
dizaines et unités (« cinq mille cinq cent trente-deux », « soixante et onze »).
"""

from decimal import Decimal
from fractions import Fraction

from num2words import num2words

__all__ = ["montant_en_lettres"]

# Noms (et non adjectifs numéraux) : « un million d'euros », « deux milliards d'euros ».
_NOMS_DE_GRANDS_NOMBRES = ("million", "milliard", "billion", "billiard", "trillion")


def _cardinal(n: int) -> str:
    return num2words(n, lang="fr")


def _unite(n: int, singulier: str, pluriel: str) -> str:
    """« un euro », « zéro euro », « deux euros », « un million d'euros »."""
    mots = _cardinal(n)
    if n <= 1:  # zéro et un : singulier
        return f"{mots} {singulier}"
    dernier = mots.rsplit(" ", 1)[-1].removesuffix("s")
    if dernier in _NOMS_DE_GRANDS_NOMBRES:
        return f"{mots} d'{pluriel}"
    return f"{mots} {pluriel}"


def montant_en_lettres(montant: Decimal) -> str:
    """Écrit ``montant`` (en euros, au plus deux décimales) en toutes lettres.

    « 5532.50 » → « cinq mille cinq cent trente-deux euros et cinquante centimes ».
    Sans centimes, seuls les euros sont écrits ; sans euros, seuls les centimes ; zéro donne
    « zéro euro ». Un montant négatif (titre de réduction ou d'annulation) est précédé de
    « moins ».

    Lève ``TypeError`` si ``montant`` n'est pas un ``Decimal`` (ou un entier ; jamais un
    float) et ``ValueError`` s'il n'est pas fini ou a plus de deux décimales.
    """
    if isinstance(montant, bool) or not isinstance(montant, Decimal | int):
        raise TypeError("Le montant doit être un Decimal (jamais un float pour de l'argent).")
    montant = Decimal(montant)
    if not montant.is_finite():
        raise ValueError("Le montant doit être un nombre fini.")
    # Fraction(Decimal) est exacte, quelle que soit la précision du contexte décimal.
    centimes_total = Fraction(montant) * 100
    if centimes_total.denominator != 1:
        raise ValueError("Le montant doit avoir au plus deux décimales (centimes).")

    centimes_total = centimes_total.numerator
    euros, centimes = divmod(abs(centimes_total), 100)

    if centimes == 0:
        texte = _unite(euros, "euro", "euros")
    elif euros == 0:
        texte = _unite(centimes, "centime", "centimes")
    else:
        texte = f"{_unite(euros, 'euro', 'euros')} et {_unite(centimes, 'centime', 'centimes')}"
    return f"moins {texte}" if centimes_total < 0 else texte
