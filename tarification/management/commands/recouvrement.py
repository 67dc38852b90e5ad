"""B11 — recouvrement from the command line.

    manage.py recouvrement --importer FICHIER.csv      payments from the comptable
    manage.py recouvrement --etats FICHIER.csv         per-titre outcomes (pris en charge, rejeté)
    manage.py recouvrement --acquittement FICHIER.xml  the PES_Acquit of one of our flows
    manage.py recouvrement --restes [--exercice E] [--json]
    manage.py recouvrement --rappels [--jour AAAA-MM-JJ]

Imports are all or nothing (one bad line imports nothing and is named, exit non-zero) and
idempotent. ``--json`` prints one JSON object and nothing else (amounts as ``"1234.50"``).
``--rappels`` is meant to run every day (README: cron): it sends the friendly reminders due,
never two for one titre within one delay.
"""

import argparse
import json
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from outils.formats import formater_euros
from tarification.recouvrement import imports, rappels, restes


def _date(valeur: str) -> date:
    try:
        return date.fromisoformat(valeur)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"date invalide : « {valeur} » (AAAA-MM-JJ attendu)"
        ) from None


class Command(BaseCommand):
    help = "Recouvrement des titres : imports du comptable, restes à recouvrer, rappels."

    def add_arguments(self, parser):
        actions = parser.add_mutually_exclusive_group(required=True)
        actions.add_argument("--importer", metavar="FICHIER.csv", help="Paiements (CSV).")
        actions.add_argument("--etats", metavar="FICHIER.csv", help="États des titres (CSV).")
        actions.add_argument("--acquittement", metavar="FICHIER.xml", help="PES_Acquit.")
        actions.add_argument("--restes", action="store_true", help="Restes à recouvrer.")
        actions.add_argument("--rappels", action="store_true", help="Envoyer les rappels dus.")
        parser.add_argument("--exercice", type=int, help="Avec --restes : un exercice.")
        parser.add_argument("--json", action="store_true", help="Avec --restes : en JSON.")
        parser.add_argument("--jour", type=_date, help="Avec --rappels : le jour (aujourd'hui).")
        parser.add_argument("--utilisateur", help="Identifiant de l'auteur enregistré.")

    def _auteur(self, identifiant):
        if not identifiant:
            return None
        try:
            return get_user_model().objects.get(username=identifiant)
        except get_user_model().DoesNotExist:
            raise CommandError(f"Utilisateur inconnu : {identifiant}") from None

    def _lire(self, fichier) -> bytes:
        try:
            return Path(fichier).read_bytes()
        except OSError as erreur:
            raise CommandError(f"Fichier illisible : {erreur}") from erreur

    def _refus(self, erreur: ValidationError):
        for message in erreur.messages:
            self.stderr.write(message)
        return CommandError(f"{len(erreur.messages)} message(s) : rien n'a été importé.")

    def handle(self, *args, **options):
        par = self._auteur(options["utilisateur"])
        if options["restes"]:
            return self._restes(options["exercice"], options["json"])
        if options["rappels"]:
            return self._rappels(options["jour"], par)
        try:
            if options["importer"]:
                resultat = imports.importer_paiements(self._lire(options["importer"]), par=par)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{resultat.lignes} ligne(s) : {resultat.enregistres} paiement(s) "
                        f"enregistré(s), {resultat.deja} déjà enregistré(s)."
                    )
                )
                if resultat.trop_percu:
                    self.stdout.write(
                        self.style.WARNING(
                            f"Trop-perçu : {formater_euros(resultat.trop_percu)} (à signaler au "
                            "comptable, qui rembourse)."
                        )
                    )
            elif options["etats"]:
                resultat = imports.importer_etats(self._lire(options["etats"]), par=par)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{resultat.lignes} ligne(s) : {resultat.enregistres} état(s) "
                        f"enregistré(s), {resultat.deja} déjà enregistré(s)."
                    )
                )
            else:
                acquittement = imports.importer_acquittement(
                    self._lire(options["acquittement"]), par=par
                )
                if acquittement is None:
                    self.stdout.write("Acquittement déjà enregistré : rien de nouveau.")
                else:
                    self.stdout.write(
                        self.style.SUCCESS(
                            f"Flux {acquittement.nom_fichier} (bordereau n° "
                            f"{acquittement.bordereau.numero}, exercice "
                            f"{acquittement.bordereau.exercice}) : "
                            f"{'accepté' if acquittement.accepte else 'refusé'}."
                        )
                    )
                    for ligne in acquittement.erreurs.splitlines():
                        self.stdout.write(f"  {ligne}")
        except ValidationError as erreur:
            raise self._refus(erreur) from erreur

    def _restes(self, exercice, en_json):
        lignes = restes.restes(exercice=exercice)
        if en_json:
            self.stdout.write(
                json.dumps(restes.en_json(lignes, exercice=exercice), ensure_ascii=False, indent=2)
            )
            return
        for ligne in lignes:
            if not ligne.situation.reste and not ligne.situation.trop_percu:
                continue
            t = ligne.titre
            self.stdout.write(
                f"{t.exercice} n° {t.numero:>5} {t.debiteur_nom[:30]:<30} "
                f"{ligne.etat_libelle:<20} reste {formater_euros(ligne.situation.reste):>14}"
                f"  échéance {ligne.echeance:%d/%m/%Y}"
                + (
                    f"  trop-perçu {formater_euros(ligne.situation.trop_percu)}"
                    if ligne.situation.trop_percu
                    else ""
                )
            )
        total = restes.totaux(lignes)
        self.stdout.write(
            f"{total.nombre} titre(s) : émis {formater_euros(total.emis)}, corrigé "
            f"{formater_euros(total.corrige)}, payé {formater_euros(total.paye)}, reste à "
            f"recouvrer {formater_euros(total.reste)}."
        )

    def _rappels(self, jour, par):
        bilan = rappels.envoyer_rappels(jour=jour, par=par)
        self.stdout.write(
            f"{bilan.envoyes} rappel(s) envoyé(s), {bilan.sans_adresse} sans adresse, "
            f"{bilan.echecs} échec(s) d'envoi."
        )
        if bilan.echecs:
            raise CommandError("Des rappels n'ont pu être envoyés : relancez la commande.")
