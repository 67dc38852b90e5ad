"""Tamper evidence of the titres de recettes: ``manage.py verifier_titres``.

For each series (exercice, budget), in number order: the numbers run from 1 without a hole;
each titre's stored hash matches its content as stored now (lines included) and the previous
titre's hash; the counter agrees with the last titre; each stored PDF still has the hash
recorded when it was rendered. Exits 0 when everything is intact; otherwise names every
titre whose stored data no longer matches, and exits with status 1. Files of the titres'
folders that nothing records (orphans) or that are empty are reported too.
"""

import hashlib
from itertools import groupby

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch

from tarification.models import Bordereau, Compteur, LigneTitre, TitreDeRecettes
from tarification.titres import recapitulatif


def _nom(titre) -> str:
    return f"Titre n° {titre.numero} (exercice {titre.exercice}, {titre.budget})"


def anomalies(*, avec_pdf: bool = True) -> list[str]:
    """Every mismatch found, as French sentences naming the titre concerned."""
    problemes: list[str] = []
    titres = (
        TitreDeRecettes.objects.filter(numero__isnull=False)
        .select_related("bordereau")
        .prefetch_related(Prefetch("lignes", queryset=LigneTitre.objects.order_by("ordre")))
        .order_by("exercice", "budget", "numero")
    )
    compteurs = {
        (c.exercice, c.budget): c for c in Compteur.objects.filter(serie=Compteur.Serie.TITRE)
    }
    vues = set()
    for (exercice, budget), serie in groupby(
        titres.iterator(chunk_size=1000), key=lambda t: (t.exercice, t.budget)
    ):
        vues.add((exercice, budget))
        attendu, precedente, dernier = 1, "", 0
        for titre in serie:
            nom = _nom(titre)
            if titre.numero > attendu:
                manquants = (
                    f"n° {attendu}"
                    if titre.numero == attendu + 1
                    else f"n° {attendu} à {titre.numero - 1}"
                )
                problemes.append(
                    f"Exercice {exercice}, {budget} : titre(s) {manquants} manquant(s) "
                    "(supprimé(s) hors de l'application ?)."
                )
            if titre.statut != TitreDeRecettes.Statut.EMIS:
                problemes.append(f"{nom} : statut modifié (« {titre.statut} » au lieu d'émis).")
            numero_bordereau = titre.bordereau.numero if titre.bordereau_id else None
            if (
                titre.calculer_empreinte(list(titre.lignes.all()), numero_bordereau)
                != titre.empreinte
            ):
                problemes.append(
                    f"{nom} : contenu modifié — l'empreinte enregistrée ne correspond plus aux "
                    "données du titre ou de ses lignes."
                )
            if titre.empreinte_precedente != precedente:
                problemes.append(
                    f"{nom} : chaînage rompu — l'empreinte du titre précédent ne correspond pas."
                )
            if avec_pdf and titre.pdf:
                try:
                    with titre.pdf.open("rb") as fichier:
                        empreinte_pdf = hashlib.sha256(fichier.read()).hexdigest()
                except OSError:
                    problemes.append(f"{nom} : PDF introuvable ({titre.pdf.name}).")
                else:
                    if empreinte_pdf != titre.pdf_sha256:
                        problemes.append(f"{nom} : PDF modifié depuis sa production.")
            precedente, dernier = titre.empreinte, titre.numero
            attendu = titre.numero + 1
        compteur = compteurs.get((exercice, budget))
        if compteur is None or compteur.dernier != dernier:
            problemes.append(
                f"Exercice {exercice}, {budget} : le compteur indique "
                f"{compteur.dernier if compteur else 'aucun titre'}, le dernier titre est le "
                f"n° {dernier} (titre(s) supprimé(s) ou ajouté(s) hors de l'application ?)."
            )
        elif compteur.derniere_empreinte != precedente:
            problemes.append(
                f"Exercice {exercice}, {budget} : l'empreinte du compteur ne correspond pas à "
                f"celle du titre n° {dernier}."
            )
    if avec_pdf:
        problemes += anomalies_des_bordereaux()
        problemes += fichiers_orphelins()
    for (exercice, budget), compteur in compteurs.items():
        if (exercice, budget) not in vues and compteur.dernier:
            problemes.append(
                f"Exercice {exercice}, {budget} : le compteur indique {compteur.dernier} titre(s), "
                "aucun n'est enregistré (supprimés hors de l'application ?)."
            )
    return problemes


# The folders of the storage that hold the titres' and bordereaux' files.
DOSSIERS = ("titres", "pes", "recapitulatifs")


def _fichiers(stockage, dossier: str):
    """Every file under ``dossier`` of the storage (local folder or bucket), recursively."""
    try:
        sous_dossiers, fichiers = stockage.listdir(dossier)
    except (OSError, NotImplementedError):
        return
    for nom in fichiers:
        yield f"{dossier}/{nom}"
    for sous in sous_dossiers:
        yield from _fichiers(stockage, f"{dossier}/{sous}")


def fichiers_orphelins() -> list[str]:
    """Files of the titres' folders that no titre or bordereau records (an interrupted write,
    a file copied by hand) and empty files: reported, never deleted by this check."""
    stockage = TitreDeRecettes._meta.get_field("pdf").storage
    references = set()
    for pdf, piece in TitreDeRecettes.objects.values_list("pdf", "piece_jointe").iterator():
        references.update((pdf, piece))
    for pes, recap in Bordereau.objects.values_list("pes", "recapitulatif").iterator():
        references.update((pes, recap))
    problemes = []
    for dossier in DOSSIERS:
        for nom in sorted(_fichiers(stockage, dossier)):
            if nom not in references:
                problemes.append(f"Fichier orphelin (aucun titre ni bordereau ne le cite) : {nom}.")
            elif stockage.size(nom) == 0:
                problemes.append(f"Fichier vide : {nom}.")
    return problemes


def anomalies_des_bordereaux() -> list[str]:
    """B9, B10 — each bordereau's kept files (PES, récapitulatif) unchanged since produced, and
    a récapitulatif signed electronically still validly signed."""
    problemes = []
    bordereaux = Bordereau.objects.exclude(pes="", recapitulatif="").order_by("exercice", "numero")
    for bordereau in bordereaux:
        nom = f"Bordereau n° {bordereau.numero} (exercice {bordereau.exercice}, {bordereau.budget})"
        for champ, empreinte, quoi in [
            ("pes", bordereau.pes_sha256, "fichier PES"),
            ("recapitulatif", bordereau.recapitulatif_sha256, "récapitulatif"),
        ]:
            fichier = getattr(bordereau, champ)
            if not fichier:
                continue
            try:
                with fichier.open("rb") as f:
                    contenu = f.read()
            except OSError:
                problemes.append(f"{nom} : {quoi} introuvable ({fichier.name}).")
                continue
            if hashlib.sha256(contenu).hexdigest() != empreinte:
                problemes.append(f"{nom} : {quoi} modifié depuis sa production.")
            elif champ == "recapitulatif" and bordereau.recapitulatif_signe:
                raison = recapitulatif.verifier_signature(contenu)
                if raison:
                    problemes.append(f"{nom} : signature électronique du récapitulatif : {raison}.")
    return problemes


class Command(BaseCommand):
    help = (
        "Vérifie l'intégrité des titres de recettes (numérotation, empreintes chaînées, PDF). "
        "Code de sortie 0 si tout est intact, 1 sinon."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sans-pdf", action="store_true", help="Ne pas relire les fichiers PDF (plus rapide)."
        )

    def handle(self, *args, **options):
        problemes = anomalies(avec_pdf=not options["sans_pdf"])
        nombre = TitreDeRecettes.objects.filter(numero__isnull=False).count()
        if problemes:
            for probleme in problemes:
                self.stderr.write(probleme)
            raise CommandError(f"{len(problemes)} anomalie(s) sur {nombre} titre(s).")
        self.stdout.write(self.style.SUCCESS(f"{nombre} titre(s) vérifié(s) : tout est intact."))
