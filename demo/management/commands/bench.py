"""Benchmark of the titres' PDF path (``make bench``; a measure, not a test).

Prints the time per titre of:
- a bare WeasyPrint render of the same HTML (stylesheet parsed, fonts configured, for each
  titre — what one gets without care);
- our engine on the same prepared HTML (one parsed CSS and one FontConfiguration reused);
- our whole path as the background task runs it (``pdf.rendre``: the HTML of each titre from
  its template, then one document per titre with its metadata): the difference with the line
  above is the templating (target: within 10 %);
- one worker process against two sharing the same titres (target: at least 1.8 times);
each figure the median of ``--fois`` runs (5); a PES V2 file of 1,000 titres with their PDFs
(size, time to build, time to validate against the DGFiP's schema and the Hélios rules);
and the time of the demo campaign (the next campaign of the demo data: preview, issuing,
PDFs), in a transaction that is rolled back: nothing is kept, no file is written.
"""

import logging
import multiprocessing
import statistics
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, transaction
from django.utils import timezone
from stdnum import luhn
from weasyprint import HTML

from outils.pdf import STATIQUE, moteur
from outils.pes.construction import construire
from outils.pes.regles import valider
from outils.pes.valeurs import BordereauPES, EnTete, LignePES, ParametresFacture, PiecePES, Tiers
from tarification.calcul import Base
from tarification.campagne import actes
from tarification.campagne import apercu as module_apercu
from tarification.models import Bordereau, Campagne, Emetteur, LigneTitre, TitreDeRecettes
from tarification.textes import texte_base
from tarification.titres import pdf, pes
from tarification.titres.mentions import FORMULE_EXECUTOIRE, voies_de_recours


class _Annulation(Exception):
    """Rolls the demo campaign back."""


EMETTEUR = {
    "nom": "Redon Agglomération",
    "siren": "243500741",
    "siret": "",
    "adresse": "3 rue Charles Sillard",
    "code_postal": "35600",
    "ville": "Redon",
    "ordonnateur": "Prénom Nom",
    "qualite": "Président",
    "comptable_public": "Service de gestion comptable de Redon",
    "modalites_paiement": "Par virement au comptable public, en rappelant la référence du titre.",
    "mention_tva": "TVA non applicable.",
    "tribunal": "tribunal administratif de Rennes",
    "formule_executoire": FORMULE_EXECUTOIRE,
    "voies_recours": voies_de_recours("tribunal administratif de Rennes"),
}


def titres_synthetiques(nombre: int):
    """``nombre`` one-page campaign titres, in memory only (no database)."""
    bordereau = Bordereau(pk=1, numero=1, exercice=2027, budget="Budget principal")
    titres, lignes = [], {}
    for i in range(1, nombre + 1):
        population = 1200 + 37 * i
        titre = TitreDeRecettes(
            pk=i,
            exercice=2027,
            budget="Budget principal",
            numero=i,
            bordereau=bordereau,
            date_emission=date(2027, 2, 10),
            statut=TitreDeRecettes.Statut.EMIS,
            nature=TitreDeRecettes.Nature.CONTRIBUTION,
            annee=2026,
            objet="Contribution 2026 au service commun des systèmes d'information",
            imputation="70875",
            debiteur_nom=f"Commune de Démonstration {i}",
            debiteur_adresse=f"Mairie\n35{i:03d} Démonstration",
            debiteur_siret="21350000000000",
            debiteur_code_service="FACTURES",
            emetteur=EMETTEUR,
            cree_le=timezone.now(),
        )
        base = Base(
            "art. 7.1",
            population,
            2023,
            "de 1 500 à moins de 3 000",
            Decimal(2000),
            Decimal("1.5"),
            Decimal(population),
        )
        socle = Decimal(2000) + Decimal("1.5") * population
        lignes[i] = [
            LigneTitre(
                ordre=1,
                libelle="Socle complet — contribution annuelle 2026",
                base_texte=texte_base(base),
                montant=socle,
            ),
            LigneTitre(
                ordre=2,
                libelle="Niveau 1 — demi-journées au-delà de la dotation",
                base_texte="art. 3.2.2 et 7.1.1 — dotation 4,5 jours soit 9 demi-journées, utilisées 11, au-delà 2, à 200,00 € la demi-journée",
                montant=Decimal("400.00"),
            ),
        ]
        titre.total = socle + Decimal("400.00")
        titres.append(titre)
    return titres, lignes


def _siret_bench(i: int) -> str:
    siren = f"2{i:07d}"
    siren += luhn.calc_check_digit(siren)
    return siren + "0001" + luhn.calc_check_digit(siren + "0001")


def _mediane(mesure, fois: int) -> float:
    return statistics.median(mesure() for _ in range(fois))


def _rendre_moitie(args) -> float:
    """One worker process: render its share of the titres (engine warmed up first)."""
    nombre, debut, fin = args
    liste, lignes = titres_synthetiques(nombre)
    pdf.rendre(liste[:1], lignes=lignes)
    depart = time.perf_counter()
    pdf.rendre(liste[debut:fin], lignes=lignes)
    return time.perf_counter() - depart


def _en_parallele(nombre: int, processus: int) -> float:
    """Wall time for ``processus`` worker processes sharing ``nombre`` titres, as several
    ``db_worker`` processes share a bordereau."""
    part = nombre // processus
    taches = [(nombre, k * part, (k + 1) * part) for k in range(processus)]
    contexte = multiprocessing.get_context("fork")
    with contexte.Pool(processus) as pool:
        pool.map(_rendre_moitie, [(nombre, 0, 1)] * processus)  # warm-up in each process
        depart = time.perf_counter()
        pool.map(_rendre_moitie, taches)
        return time.perf_counter() - depart


class Command(BaseCommand):
    help = "Mesure le rendu PDF des titres (WeasyPrint nu / chemin de l'application) et la campagne de démonstration."

    def add_arguments(self, parser):
        parser.add_argument("--titres", type=int, default=50, help="Nombre de titres (50).")
        parser.add_argument("--fois", type=int, default=5, help="Mesures par chiffre (médiane).")

    def handle(self, *args, titres, fois, **options):
        logging.getLogger("weasyprint").setLevel(logging.ERROR)  # font subsetting notices
        ecrire = self.stdout.write
        liste, lignes = titres_synthetiques(titres)
        html = {t.pk: pdf.html_titres([t], lignes=lignes) for t in liste}
        pdf.rendre(liste[:2], lignes=lignes)  # warm-up: imports, engine, fonts
        feuilles = [str(STATIQUE / "css" / nom) for nom in pdf.FEUILLES]

        def nu():
            debut = time.perf_counter()
            for titre in liste:
                HTML(string=html[titre.pk], base_url=str(STATIQUE) + "/").write_pdf(
                    stylesheets=feuilles
                )
            return (time.perf_counter() - debut) / len(liste)

        def moteur_seul():
            debut = time.perf_counter()
            for titre in liste:
                moteur().document(html[titre.pk], pdf.FEUILLES).write_pdf()
            return (time.perf_counter() - debut) / len(liste)

        def tache():
            debut = time.perf_counter()
            pdf.rendre(liste, lignes=lignes)
            return (time.perf_counter() - debut) / len(liste)

        t_nu, t_moteur, t_tache = (_mediane(f, fois) for f in (nu, moteur_seul, tache))
        taille = sum(len(p) for p in pdf.rendre(liste[:5], lignes=lignes).values()) / 5 / 1024
        un = _mediane(lambda: _en_parallele(titres, 1), max(1, fois // 2))
        deux = _mediane(lambda: _en_parallele(titres, 2), max(1, fois // 2))

        ecrire(
            f"Rendu PDF de {len(liste)} titres d'une page (moyenne {taille:.0f} Kio par PDF), "
            f"médiane de {fois} mesures"
        )
        ecrire(
            f"  WeasyPrint nu (CSS et polices préparés à chaque titre) : {t_nu * 1000:6.1f} ms/titre"
        )
        ecrire(
            f"  Moteur de l'application, HTML préparé                : {t_moteur * 1000:6.1f} ms/titre"
        )
        ecrire(
            f"  Chemin de la tâche (pdf.rendre, gabarit HTML compris) : {t_tache * 1000:6.1f} ms/titre"
            f" ({(t_tache / t_moteur - 1) * 100:+.1f} % par rapport au moteur ; objectif ≤ +10 %)"
        )
        ecrire(
            f"  Deux processus de rendu : {titres / deux:5.1f} titres/s contre {titres / un:5.1f} "
            f"pour un seul, soit {un / deux:.2f} × (objectif ≥ 1,8 ×)"
        )
        self._pes(ecrire, liste, lignes)
        self._campagne_demo(ecrire)

    def _pes(self, ecrire, liste, lignes, nombre: int = 1000):
        """B9 — a PES V2 file of ``nombre`` titres (each with a real rendered PDF of ~19 Kio),
        built then validated against the DGFiP schema and the Hélios rules."""
        if not (Path(settings.PES_SCHEMAS_DIR) / "PES_V2/Rev0/PES_Aller.xsd").is_file():
            ecrire(
                f"Fichier PES : schémas absents de PES_SCHEMAS_DIR ({settings.PES_SCHEMAS_DIR})."
            )
            return
        pdfs = list(pdf.rendre(liste[:10], lignes=lignes).values())
        pieces = tuple(
            PiecePES(
                numero=i,
                objet="Contribution 2026 au service commun des systèmes d'information",
                lignes=(
                    LignePES(
                        objet="Socle complet 2026",
                        nature="70875",
                        fonction="020",
                        cod_prod_loc="SC01",
                        montant=Decimal("5532.50") + i,
                    ),
                ),
                tiers=Tiers(
                    nom=f"Commune de Démonstration {i}",
                    siret=_siret_bench(i),
                    cat_tiers="23",
                    nat_jur="09",
                    adresse="Mairie",
                    code_postal="35600",
                    ville="Redon",
                ),
                edition="02",
                pdf=pdfs[i % len(pdfs)] + str(i).encode(),
            )
            for i in range(1, nombre + 1)
        )
        entete = EnTete(
            id_post="0359999",
            id_coll="24350074199903",
            cod_col="999",
            cod_bud="00",
            libelle_col_bud="Redon Agglomération - budget principal",
            emetteur_sigle="SERVICECOMMUN",
            emetteur_adresse="servicecommun bench",
            nom_fichier="pes-bench.xml",
            facture=ParametresFacture(
                nom="Redon Agglomération",
                cat_tiers="24",
                adresse="3 rue Charles Sillard",
                code_postal="35600",
                ville="Redon",
                ref_bdf="DEMO999999",
                signataire_nom="NOM",
                signataire_prenom="Prénom",
                signataire_role="Président",
                poste_nom="SGC de Redon",
                poste_adresse="1 rue de la Trésorerie",
                poste_code_postal="35600",
                poste_ville="Redon",
                encaissement_code_postal="35908",
                encaissement_ville="Rennes cedex 9",
            ),
        )
        debut = time.perf_counter()
        contenu = construire(
            entete,
            BordereauPES(exercice=2027, numero=1, date=date(2027, 2, 10), pieces=pieces),
            date_production=date(2027, 2, 10),
        )
        construit = time.perf_counter() - debut
        debut = time.perf_counter()
        valider(contenu, settings.PES_SCHEMAS_DIR)
        valide = time.perf_counter() - debut
        ecrire(
            f"Fichier PES de {nombre} titres (Chorus Pro, PDF joints) : "
            f"{len(contenu) / 2**20:.1f} Mio, construit en {construit:.2f} s, validé (schéma "
            f"DGFiP et règles Hélios) en {valide:.2f} s"
        )

    def _campagne_demo(self, ecrire):
        try:
            dernier = Campagne.objects.order_by("-annee").values_list("annee", flat=True).first()
        except DatabaseError:
            ecrire("Campagne de démonstration : base non migrée (lancez make demo).")
            return
        if dernier is None:
            ecrire("Campagne de démonstration : aucune donnée de démonstration (lancez make demo).")
            return
        annee = dernier + 1
        mesures = {}
        taille_pes = 0
        try:
            with transaction.atomic():
                debut = time.perf_counter()
                apercu = module_apercu.apercu(
                    annee=annee, exercice=annee + 1, aujourd_hui=date(annee + 1, 2, 10)
                )
                mesures["aperçu"] = time.perf_counter() - debut
                debut = time.perf_counter()
                # A rehearsal, rolled back: "today" is the campaign's usual date (B1 refuses a
                # date after today).
                le = date(annee + 1, 2, 10)
                resultat = actes.emettre_campagne(
                    annee=annee, exercice=annee + 1, par=None, date_emission=le, aujourd_hui=le
                )
                mesures["émission"] = time.perf_counter() - debut
                debut = time.perf_counter()
                emis = (
                    list(
                        pdf.titres_a_rendre(resultat.bordereau.titres.values_list("pk", flat=True))
                    )
                    if resultat
                    else []
                )
                pdfs = pdf.rendre(emis)
                mesures["PDF"] = time.perf_counter() - debut
                if resultat and Emetteur.courant() and Emetteur.courant().code_collectivite:
                    debut = time.perf_counter()
                    contenu = pes.construire_pes(resultat.bordereau, pdfs=pdfs)
                    mesures["fichier PES"] = time.perf_counter() - debut
                    taille_pes = len(contenu)
                raise _Annulation
        except _Annulation:
            pass
        total = sum(mesures.values())
        ecrire(
            f"Campagne de démonstration {annee} (exercice {annee + 1}) : "
            f"{len(apercu.a_emettre)} titres, {total:.2f} s au total — "
            + ", ".join(f"{nom} {duree:.2f} s" for nom, duree in mesures.items())
            + " (annulée : rien n'est conservé)"
            + (f" ; fichier PES de {taille_pes / 1024:.0f} Kio, validé" if taille_pes else "")
        )
