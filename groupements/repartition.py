"""Répartition d'une somme entre les membres d'un groupement (règle G6, art. 4.2.6).

Une charge supportée par le groupement (indemnité de résiliation due au titulaire,
dommages, frais de contentieux) est répartie entre les membres au prorata de leur poids
relatif dans le marché ; une somme reçue est reversée de la même façon. Les parts sont au
centime et leur somme est exactement égale au montant : méthode du plus fort reste
(Hamilton).

Tout le calcul se fait en entiers (centimes) et en fractions exactes : aucun arrondi
n'intervient, donc aucun centime ne peut se perdre ni apparaître.
"""

from collections.abc import Hashable, Mapping
from decimal import Decimal
from fractions import Fraction

__all__ = ["repartir"]


def _en_centimes(montant: Decimal) -> int:
    """Convertit exactement un montant d'au plus deux décimales en centimes (entier)."""
    if isinstance(montant, bool) or not isinstance(montant, Decimal | int):
        raise TypeError(
            "Le montant à répartir doit être un Decimal (jamais un float pour de l'argent)."
        )
    montant = Decimal(montant)
    if not montant.is_finite():
        raise ValueError("Le montant à répartir doit être un nombre fini.")
    # Fraction(Decimal) est exacte, quelle que soit la précision du contexte décimal.
    centimes = Fraction(montant) * 100
    if centimes.denominator != 1:
        raise ValueError("Le montant à répartir doit avoir au plus deux décimales (centimes).")
    return centimes.numerator


def _poids_exact(poids: Decimal | int) -> Fraction:
    if isinstance(poids, bool) or not isinstance(poids, Decimal | int):
        raise TypeError(
            "Les poids de répartition doivent être des entiers ou des Decimal "
            "(jamais un float pour de l'argent)."
        )
    if isinstance(poids, Decimal) and not poids.is_finite():
        raise ValueError("Les poids de répartition doivent être des nombres finis.")
    valeur = Fraction(poids)
    if valeur < 0:
        raise ValueError("Les poids de répartition doivent être positifs ou nuls.")
    return valeur


def _depuis_centimes(centimes: int) -> Decimal:
    # Construction par chaîne : exacte, exposant -2, et jamais de « -0.00 ».
    return Decimal(f"{centimes}E-2")


def repartir(montant: Decimal, poids: Mapping[Hashable, Decimal | int]) -> dict:
    """Répartit ``montant`` entre les clés de ``poids``, au prorata des poids (règle G6).

    Renvoie un dict ayant les mêmes clés, dans le même ordre que ``poids``, dont les
    valeurs sont des ``Decimal`` à deux décimales dont la somme vaut exactement ``montant``.

    Méthode du plus fort reste : chaque clé reçoit d'abord la partie entière, en centimes,
    de ``montant × poids / total des poids`` ; les centimes restants sont attribués un par
    un aux plus forts restes. À reste égal, le centime va au plus fort poids, puis à la clé
    qui vient la première dans l'ordre de ``poids``. Une clé de poids nul reçoit 0,00.

    Un montant négatif (par exemple une somme à reverser présentée en négatif) est traité
    symétriquement : on répartit sa valeur absolue, puis on change le signe de chaque part.
    Les parts d'un montant négatif sont donc exactement les opposées de celles du montant
    positif correspondant.

    Lève ``ValueError`` si ``poids`` est vide, si un poids est négatif, si tous les poids
    sont nuls ou si le montant a plus de deux décimales ; ``TypeError`` si le montant ou un
    poids n'est ni un entier ni un ``Decimal`` (un float n'est jamais accepté).
    """
    centimes = _en_centimes(montant)
    if not poids:
        raise ValueError("Aucun membre à qui répartir.")
    exacts = [(cle, _poids_exact(p)) for cle, p in poids.items()]
    total = sum((p for _, p in exacts), Fraction(0))
    if total == 0:
        raise ValueError("Au moins un poids doit être strictement positif.")

    signe = -1 if centimes < 0 else 1
    a_repartir = abs(centimes)

    parts: list[int] = []
    restes: list[Fraction] = []
    for _, p in exacts:
        quote_part = a_repartir * p / total
        entier = quote_part.numerator // quote_part.denominator  # partie entière (≥ 0)
        parts.append(entier)
        restes.append(quote_part - entier)

    # Le nombre de centimes restants est la somme des restes : un entier strictement
    # inférieur au nombre de restes non nuls, donc une clé de poids nul n'en reçoit jamais.
    restants = a_repartir - sum(parts)
    ordre = sorted(range(len(exacts)), key=lambda i: (-restes[i], -exacts[i][1], i))
    for i in ordre[:restants]:
        parts[i] += 1

    return {
        cle: _depuis_centimes(signe * part) for (cle, _), part in zip(exacts, parts, strict=True)
    }
