"""The yearly campaign from the command line (B1, B2, B4, B7).

    manage.py campagne_titres --annee N [--exercice E] [--date AAAA-MM-JJ]
                              [--emettre | --json] [--export DIR]

By default a readable preview; ``--json`` prints the preview as one JSON object and nothing
else (``campagne/apercu_json.py``: the same object as the web preview's); ``--emettre`` issues
what is not billed yet and the differences with what is (B4: titres complémentaires,
réductions, mandat requests) and renders the PDFs at once (a command is not a web request);
``--export DIR`` writes the campaign's ZIP of PDFs, bordereau CSV and XLSX into DIR (titres of
year N of that exercice, with their complements, réductions and annulations).

The exercice defaults to the one open on the issue date (B3); the issue date (``--date``,
today by default) lies within it and never after today (B1). ``--aujourdhui`` (hidden) fixes
"today" for reproducible runs and tests; it cannot be after the real date.
"""

import argparse
import json
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from outils.formats import formater_euros
from tarification.campagne import actes
from tarification.campagne import apercu as campagne
from tarification.campagne.apercu_json import apercu_en_json
from tarification.models import Bordereau, TitreDeRecettes
from tarification.titres import exercices, exports, pdf, pes


def _date(valeur: str) -> date:
    try:
        return date.fromisoformat(valeur)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"date invalide : « {valeur} » (AAAA-MM-JJ attendu)"
        ) from None


class Command(BaseCommand):
    help = "Campagne annuelle des titres de recettes : aperçu, émission (--emettre), exports (--export)."

    def add_arguments(self, parser):
        parser.add_argument("--annee", type=int, required=True, help="Année N des contributions.")
        parser.add_argument(
            "--exercice",
            type=int,
            help="Exercice (par défaut celui ouvert à la date d'émission : N avant le 1er "
            "janvier N+1, N+1 ensuite).",
        )
        parser.add_argument(
            "--emettre", action="store_true", help="Émettre ce qui ne l'est pas et les écarts."
        )
        parser.add_argument(
            "--json", action="store_true", help="Afficher l'aperçu en JSON, et rien d'autre."
        )
        parser.add_argument("--export", metavar="DIR", help="Écrire ZIP, CSV et XLSX dans DIR.")
        parser.add_argument(
            "--date",
            dest="date_emission",
            type=_date,
            help="Date d'émission (AAAA-MM-JJ ; aujourd'hui), dans l'exercice, jamais future.",
        )
        parser.add_argument("--aujourdhui", dest="jour_fixe", type=_date, help=argparse.SUPPRESS)
        parser.add_argument("--utilisateur", help="Identifiant de l'émetteur (responsable).")

    def handle(
        self,
        *args,
        annee,
        exercice,
        emettre,
        export,
        date_emission,
        utilisateur,
        jour_fixe: date | None = None,
        **options,
    ):
        reel = exercices.aujourdhui()
        if jour_fixe is not None and jour_fixe > reel:
            raise CommandError(
                f"--aujourdhui {jour_fixe:%d/%m/%Y} est postérieur à la date du jour : il ne "
                "sert qu'à rejouer une date passée."
            )
        jour_reel = jour_fixe or reel
        jour = date_emission or jour_reel
        if options["json"] and (emettre or export):
            raise CommandError("--json affiche l'aperçu seul : sans --emettre ni --export.")
        exercice = exercice or exercices.exercice_par_defaut(annee, jour)
        apercu = campagne.apercu(annee=annee, exercice=exercice, aujourd_hui=jour)
        if options["json"]:
            objet = apercu_en_json(apercu)
            self.stdout.write(json.dumps(objet, ensure_ascii=False, indent=2))
            return
        self._afficher(apercu)
        if emettre:
            par = None
            if utilisateur:
                par = get_user_model().objects.filter(username=utilisateur).first()
                if par is None:
                    raise CommandError(f"Utilisateur inconnu : {utilisateur}")
            try:
                resultat = actes.emettre_campagne(
                    annee=annee,
                    exercice=exercice,
                    par=par,
                    date_emission=jour,
                    aujourd_hui=jour_reel,
                )
            except ValidationError as erreur:
                raise CommandError(" ".join(erreur.messages)) from erreur
            if resultat is None:
                self.stdout.write("Rien à émettre : tout est déjà facturé ou bloqué.")
            else:
                self._emis(resultat)
        if export:
            self._exporter(annee, exercice, Path(export))

    def _emis(self, resultat):
        bordereaux = Bordereau.objects.filter(campagne=resultat).order_by("exercice", "numero")
        for bordereau in bordereaux:
            pdf.rendre_bordereau(bordereau.pk)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{bordereau.pdf_attendus} titre(s) émis ({bordereau.get_genre_display()}), "
                    f"bordereau n° {bordereau.numero} de l'exercice {bordereau.exercice} ; "
                    "PDF produits."
                )
            )
        mandats = resultat.demandes_mandat.count()
        if mandats:
            self.stdout.write(
                self.style.WARNING(
                    f"{mandats} demande(s) de mandat au compte 673 enregistrée(s) (exercices clos)."
                )
            )

    def _afficher(self, apercu):
        ecrire = self.stdout.write
        ecrire(
            f"Campagne {apercu.annee} — exercice {apercu.exercice} — aperçu au "
            f"{apercu.aujourd_hui:%d/%m/%Y}"
        )
        if not apercu.annee_terminee:
            ecrire(self.style.WARNING(f"Attention : l'année {apercu.annee} n'est pas terminée."))
        for membre in apercu.membres:
            total = "" if membre.total is None else formater_euros(membre.total)
            ecrire(f"\n  {membre.commune.nom} — {membre.get_statut_display()} {total}")
            if membre.calcule is not None:
                ecrire(
                    f"      calculé {formater_euros(membre.calcule)}, déjà facturé "
                    f"{formater_euros(membre.deja_facture)}, à émettre "
                    f"{formater_euros(membre.a_emettre)}"
                )
                for element in membre.elements:
                    ecrire(f"      {element.libelle} : {formater_euros(element.calcule)}")
                    ecrire(f"        {element.base}")
                    motif = membre.motif_element(element)
                    if motif:
                        ecrire(f"        ({motif})")
            for anomalie in membre.anomalies:
                ecrire(self.style.ERROR(f"      ! {anomalie}"))
            for avertissement in membre.avertissements:
                ecrire(self.style.WARNING(f"      ~ {avertissement}"))
            if membre.motif:
                ecrire(f"      → {membre.motif}")
        ecrire(
            f"\nÀ émettre : {formater_euros(apercu.total)} pour {len(apercu.a_emettre)} "
            f"membre(s) ; {len(apercu.bloques)} bloqué(s) ; {len(apercu.sans_titre)} sans "
            f"titre ; {len(apercu.a_jour)} à jour."
        )

    def _exporter(self, annee, exercice, dossier: Path):
        dossier.mkdir(parents=True, exist_ok=True)
        qs = (
            TitreDeRecettes.objects.emis()
            .filter(exercice=exercice)
            .filter(
                Q(nature__in=TitreDeRecettes.Nature.contributions(), annee=annee)
                | Q(
                    corrige__nature__in=TitreDeRecettes.Nature.contributions(), corrige__annee=annee
                )
            )
        )
        for bordereau_id in set(qs.filter(pdf="").values_list("bordereau_id", flat=True)):
            pdf.rendre_bordereau(bordereau_id)
        liste = list(exports.titres_pour_export(qs))
        base = dossier / f"campagne-{annee}-exercice-{exercice}"
        with open(f"{base}.zip", "wb") as fichier:
            nombre = exports.ecrire_zip(liste, fichier)
        Path(f"{base}.csv").write_bytes(exports.csv_bordereau(liste))
        Path(f"{base}.xlsx").write_bytes(exports.xlsx_bordereau(liste))
        self.stdout.write(
            self.style.SUCCESS(
                f"Exporté dans {dossier} : {nombre} PDF ({base.name}.zip), {base.name}.csv, "
                f"{base.name}.xlsx ({len(liste)} titre(s))."
            )
        )
        if not settings.PES_EXPORT:
            return
        # B9: one PES V2 file per bordereau of these titres, validated before it is written.
        erreurs = []
        for bordereau in Bordereau.objects.filter(pk__in=qs.values("bordereau_id")).order_by(
            "numero"
        ):
            try:
                bordereau = pes.produire(bordereau)
            except ValidationError as erreur:
                erreurs.append(" ".join(erreur.messages))
                continue
            cible = dossier / pes.nom_fichier(bordereau)
            with bordereau.pes.open("rb") as fichier:
                cible.write_bytes(fichier.read())
            self.stdout.write(self.style.SUCCESS(f"Fichier PES : {cible.name}."))
        if erreurs:
            raise CommandError("\n".join(erreurs))
