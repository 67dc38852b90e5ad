"""B3 — the official titre and bordereau numbers the finance suite gives our pièces when it
renumbers them on import, taken back in bulk from a CSV:

    exercice;budget;titre;titre_officiel;bordereau_officiel

UTF-8 with or without BOM, ``;`` separator, one line per titre. All or nothing: every line is
checked first, and one bad line imports nothing, the errors naming their line. Idempotent: a
line already recorded changes nothing. An official number already given to another titre of the
same exercice and budget, or a titre that already has another one, is refused (an official
number is a fact of the finance suite: it is corrected there, then imported).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from tarification.models import TitreDeRecettes

COLONNES = ["exercice", "budget", "titre", "titre_officiel", "bordereau_officiel"]


@dataclass(frozen=True)
class Resultat:
    lignes: int
    enregistres: int  # titres that received their numbers now
    deja: int  # lines already recorded (idempotence)


def _lire(contenu: bytes) -> list[dict]:
    try:
        texte = contenu.decode("utf-8-sig")
    except UnicodeDecodeError as erreur:
        raise ValidationError(
            "Le fichier n'est pas en UTF-8 : enregistrez-le en « CSV UTF-8 »."
        ) from erreur
    lecteur = csv.DictReader(io.StringIO(texte), delimiter=";")
    entetes = [e.strip().lower() for e in (lecteur.fieldnames or [])]
    if entetes != COLONNES:
        raise ValidationError(
            f"Ligne 1 : colonnes attendues « {';'.join(COLONNES)} », trouvées "
            f"« {';'.join(entetes) or 'aucune'} »."
        )
    return [{k.strip().lower(): (v or "").strip() for k, v in ligne.items()} for ligne in lecteur]


def titre_ayant(titre: TitreDeRecettes, officiel: str) -> TitreDeRecettes | None:
    """Another titre of the same exercice and budget that already has this official number."""
    return (
        TitreDeRecettes.objects.filter(
            exercice=titre.exercice, budget=titre.budget, numero_officiel=officiel
        )
        .exclude(pk=titre.pk)
        .first()
    )


@transaction.atomic
def importer(contenu: bytes) -> Resultat:
    """B3 — record the official numbers of ``contenu`` (CSV bytes), all or nothing."""
    lignes = _lire(contenu)
    if not lignes:
        raise ValidationError("Le fichier ne contient aucune ligne de titre.")
    erreurs: list[str] = []
    a_faire: list[tuple[TitreDeRecettes, str, str]] = []
    vus: dict[tuple[int, str, str], int] = {}  # official number → line that gives it
    for rang, ligne in enumerate(lignes, start=2):
        try:
            exercice, numero = int(ligne["exercice"]), int(ligne["titre"])
        except ValueError:
            erreurs.append(
                f"Ligne {rang} : exercice « {ligne['exercice']} » ou n° de titre "
                f"« {ligne['titre']} » non numérique."
            )
            continue
        budget, officiel, bordereau = (
            ligne["budget"],
            ligne["titre_officiel"],
            ligne["bordereau_officiel"],
        )
        if not budget or not officiel:
            erreurs.append(
                f"Ligne {rang} : le budget et le n° de titre officiel sont obligatoires."
            )
            continue
        if len(officiel) > 50 or len(bordereau) > 50:
            erreurs.append(f"Ligne {rang} : un numéro officiel compte au plus 50 caractères.")
            continue
        titre = (
            TitreDeRecettes.objects.emis()
            .select_for_update()
            .filter(exercice=exercice, budget=budget, numero=numero)
            .first()
        )
        if titre is None:
            erreurs.append(
                f"Ligne {rang} : aucun titre n° {numero} émis sur l'exercice {exercice} "
                f"(budget « {budget} »)."
            )
            continue
        cle = (exercice, budget, officiel)
        if cle in vus:
            erreurs.append(
                f"Ligne {rang} : le n° officiel {officiel} figure déjà ligne {vus[cle]} pour un "
                "autre titre."
            )
            continue
        vus[cle] = rang
        autre = titre_ayant(titre, officiel)
        if autre is not None:
            erreurs.append(
                f"Ligne {rang} : le n° officiel {officiel} est déjà celui du titre n° "
                f"{autre.numero} (exercice {exercice})."
            )
            continue
        if titre.numero_officiel and (titre.numero_officiel, titre.bordereau_officiel) != (
            officiel,
            bordereau,
        ):
            erreurs.append(
                f"Ligne {rang} : le titre n° {numero} a déjà le n° officiel "
                f"{titre.numero_officiel} (bordereau {titre.bordereau_officiel or '—'}) : "
                "corrigez-le dans le logiciel financier, pas par un nouvel import."
            )
            continue
        a_faire.append((titre, officiel, bordereau))
    if erreurs:
        raise ValidationError(erreurs)
    enregistres = 0
    for titre, officiel, bordereau in a_faire:
        if titre.numero_officiel:
            continue  # already recorded: the same numbers (checked above)
        titre.numero_officiel, titre.bordereau_officiel = officiel, bordereau
        titre.save(update_fields=["numero_officiel", "bordereau_officiel"])
        enregistres += 1
    return Resultat(lignes=len(lignes), enregistres=enregistres, deja=len(a_faire) - enregistres)
