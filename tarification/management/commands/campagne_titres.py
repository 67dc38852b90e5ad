"""The yearly campaign from the command line (B1, B2, B7).

    manage.py campagne_titres --annee N [--exercice E] [--emettre] [--export DIR]

By default a readable preview; ``--emettre`` issues what is not issued yet (B4: idempotent)
and renders the PDFs at once (a command is not a web request); ``--export DIR`` writes the
campaign's ZIP of PDFs, bordereau CSV and XLSX into DIR (titres of year N of that exercice,
with their réductions and annulations).
"""

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
from tarification.models import Bordereau, TitreDeRecettes
from tarification.textes import texte_base
from tarification.titres import exports, pdf, pes


class Command(BaseCommand):
    help = "Campagne annuelle des titres de recettes : aperçu, émission (--emettre), exports (--export)."

    def add_arguments(self, parser):
        parser.add_argument("--annee", type=int, required=True, help="Année N des contributions.")
        parser.add_argument("--exercice", type=int, help="Exercice (par défaut N+1).")
        parser.add_argument("--emettre", action="store_true", help="Émettre ce qui ne l'est pas.")
        parser.add_argument("--export", metavar="DIR", help="Écrire ZIP, CSV et XLSX dans DIR.")
        parser.add_argument(
            "--date",
            dest="date_emission",
            type=date.fromisoformat,
            help="Date d'émission (AAAA-MM-JJ ; aujourd'hui).",
        )
        parser.add_argument("--utilisateur", help="Identifiant de l'émetteur (responsable).")

    def handle(
        self, *args, annee, exercice, emettre, export, date_emission, utilisateur, **options
    ):
        exercice = exercice or annee + 1
        apercu = campagne.apercu(annee=annee, exercice=exercice, aujourd_hui=date_emission)
        self._afficher(apercu)
        if emettre:
            par = None
            if utilisateur:
                par = get_user_model().objects.filter(username=utilisateur).first()
                if par is None:
                    raise CommandError(f"Utilisateur inconnu : {utilisateur}")
            try:
                resultat = actes.emettre_campagne(
                    annee=annee, exercice=exercice, par=par, date_emission=date_emission
                )
            except ValidationError as erreur:
                raise CommandError(" ".join(erreur.messages)) from erreur
            if resultat is None:
                self.stdout.write("Rien à émettre : tout est déjà facturé ou bloqué.")
            else:
                bordereau = resultat.bordereau
                pdf.rendre_bordereau(bordereau.pk)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{bordereau.pdf_attendus} titre(s) émis, bordereau n° {bordereau.numero} "
                        f"de l'exercice {exercice} ; PDF produits."
                    )
                )
        if export:
            self._exporter(annee, exercice, Path(export))

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
            for ligne in membre.lignes:
                ecrire(f"      {ligne.libelle} : {formater_euros(ligne.montant)}")
                ecrire(f"        {texte_base(ligne.base)}")
            for anomalie in membre.anomalies:
                ecrire(self.style.ERROR(f"      ! {anomalie}"))
            for avertissement in membre.avertissements:
                ecrire(self.style.WARNING(f"      ~ {avertissement}"))
            if membre.motif:
                ecrire(f"      → {membre.motif}")
        ecrire(
            f"\nÀ émettre : {len(apercu.a_emettre)} titre(s), {formater_euros(apercu.total)} ; "
            f"{len(apercu.bloques)} bloqué(s) ; {len(apercu.sans_titre)} sans titre."
        )

    def _exporter(self, annee, exercice, dossier: Path):
        dossier.mkdir(parents=True, exist_ok=True)
        qs = (
            TitreDeRecettes.objects.emis()
            .filter(exercice=exercice)
            .filter(
                Q(nature=TitreDeRecettes.Nature.CONTRIBUTION, annee=annee)
                | Q(corrige__nature=TitreDeRecettes.Nature.CONTRIBUTION, corrige__annee=annee)
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
