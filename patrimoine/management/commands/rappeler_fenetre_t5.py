from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from patrimoine.rappels import envoyer_rappels_t5


class Command(BaseCommand):
    help = (
        "Rappelle par courriel aux membres ayant acheté l'audit que la déduction de son prix "
        "sur leur première année de socle complet (T5) prend fin dans un mois. À lancer chaque "
        "jour (cron ou minuteur systemd) : un audit n'est rappelé qu'une fois."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--jour",
            help="date du traitement (AAAA-MM-JJ ; aujourd'hui par défaut), pour rattraper un jour",
        )

    def handle(self, *args, jour=None, **options):
        try:
            jour = date.fromisoformat(jour) if jour else timezone.localdate()
        except ValueError:
            raise CommandError(f"Date invalide : {jour} (AAAA-MM-JJ attendu).") from None
        rapport = envoyer_rappels_t5(jour=jour)
        for audit in rapport.envoyes:
            self.stdout.write(
                f"Rappel envoyé : {audit.commune.nom}, déduction possible jusqu'au "
                f"{audit.fin_fenetre_t5:%d/%m/%Y}."
            )
        for audit in rapport.sans_destinataire:
            self.stdout.write(
                f"Aucun contact avec une adresse électronique pour {audit.commune.nom} : "
                "rappel non envoyé (il le sera au prochain passage si un contact est ajouté)."
            )
        for audit, erreur in rapport.echecs:
            self.stderr.write(f"Échec de l'envoi à {audit.commune.nom} : {erreur}")
        self.stdout.write(f"{jour:%d/%m/%Y} : {len(rapport.envoyes)} rappel(s) envoyé(s).")
        if rapport.echecs:
            raise CommandError(f"{len(rapport.echecs)} envoi(s) en échec : relancez la commande.")
