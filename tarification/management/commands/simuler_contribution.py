"""Simulate a contribution with the grid of the database for the finance officer.

    python manage.py simuler_contribution --population N
        --formule {socle_complet,audit,groupement,annexe_complet}
        [--annee YYYY] [--audit-livre-le YYYY-MM-DD --date-effet YYYY-MM-DD]
        [--demi-journees N] [--json]

Other tools rely on this interface and on the JSON object it prints. Invalid input: exit code
≠ 0 and ONE line of French on stderr, never a traceback nor argparse's English usage text —
so options are read as plain strings and checked here, and the parser's own errors are
translated (``_ParserFrancais``).
"""

import json
import re
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from membres.models import Formule
from outils.formats import formater_euros, formater_nombre
from tarification import calcul
from tarification.simulateur import FORMULES_SIMULEES, simuler
from tarification.textes import texte_base

_ENTIER = re.compile(r"^[0-9]+$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _traduire(message: str) -> str:
    """argparse's (English) error → one line of French."""
    if m := re.match(r"unrecognized arguments: (.*)", message):
        return f"Argument inconnu : {m.group(1)} (voir --help)."
    if m := re.match(r"argument (\S+?)(?:/\S+)?: expected one argument", message):
        return f"L'option {m.group(1)} attend une valeur."
    if m := re.match(r"argument (\S+?)(?:/\S+)?: ignored explicit argument", message):
        return f"L'option {m.group(1)} ne prend pas de valeur."
    if m := re.match(r"ambiguous option: (\S+)", message):
        return f"Option ambiguë : {m.group(1)} (voir --help)."
    return f"Arguments invalides : {message} (voir --help)."


class _ParserFrancais(CommandParser):
    def error(self, message):
        texte = _traduire(message)
        if self.called_from_command_line:
            self.exit(2, texte + "\n")
        raise CommandError(texte)


class Command(BaseCommand):
    help = (
        "Simule la contribution d'un membre selon le barème en vigueur (article 7 de la "
        "convention) : détail des lignes et de leurs bases de liquidation."
    )
    requires_system_checks = []  # a read-only calculator

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.__class__ = _ParserFrancais
        return parser

    def add_arguments(self, parser):
        # Plain strings: every check (and its French message) is in handle().
        parser.add_argument("--population", help="population (nombre entier d'habitants)")
        parser.add_argument("--formule", help=f"formule : {', '.join(FORMULES_SIMULEES)}")
        parser.add_argument(
            "--annee",
            help="année de contribution, dont le barème au 1er janvier s'applique "
            "(par défaut : l'année en cours)",
        )
        parser.add_argument(
            "--audit-livre-le",
            help="socle complet seulement : date de livraison du rapport d'audit (AAAA-MM-JJ), "
            "avec --date-effet",
        )
        parser.add_argument(
            "--date-effet",
            help="socle complet seulement : date d'effet du socle complet (AAAA-MM-JJ), "
            "avec --audit-livre-le",
        )
        parser.add_argument(
            "--demi-journees", help="demi-journées de niveau 1 utilisées dans l'année"
        )
        parser.add_argument("--json", action="store_true", help="sortie JSON")

    def execute(self, *args, **options):
        # On the command line: the French message alone, without Django's "CommandError: ".
        try:
            return super().execute(*args, **options)
        except CommandError as exc:
            if not self._called_from_command_line or options.get("traceback"):
                raise
            self.stderr.write(str(exc))
            sys.exit(exc.returncode)

    def handle(self, *args, **options):
        population = _entier(options["population"], "--population", "Population")
        formule = options["formule"]
        if formule is None:
            raise CommandError("L'option --formule est obligatoire.")
        if formule not in FORMULES_SIMULEES:
            raise CommandError(
                f"Formule inconnue : « {formule} » (formules possibles : "
                f"{', '.join(FORMULES_SIMULEES)})."
            )
        annee = timezone.localdate().year
        if options["annee"] is not None:
            annee = _entier(options["annee"], "--annee", "Année")
            if not 1900 <= annee <= 2999:
                raise CommandError(f"Année invalide : « {options['annee']} ».")
        demi_journees = 0
        if options["demi_journees"] is not None:
            demi_journees = _entier(
                options["demi_journees"], "--demi-journees", "Nombre de demi-journées"
            )
        livre_le = _date(options["audit_livre_le"], "--audit-livre-le")
        effet = _date(options["date_effet"], "--date-effet")
        if (livre_le is None) != (effet is None):
            donnee, manquante = (
                ("--audit-livre-le", "--date-effet")
                if effet is None
                else ("--date-effet", "--audit-livre-le")
            )
            raise CommandError(f"L'option {donnee} va avec {manquante} : indiquez les deux.")
        if livre_le is not None and formule != Formule.SOCLE_COMPLET:
            raise CommandError(
                "Les options --audit-livre-le et --date-effet ne valent que pour "
                "--formule socle_complet."
            )

        try:
            simulation = simuler(
                # A typed population has no INSEE vintage.
                population=calcul.PopulationRetenue(population, None),
                formule=formule,
                annee=annee,
                audit_livre_le=livre_le,
                date_effet=effet,
                demi_journees=demi_journees,
            )
        except ValueError as exc:  # BaremeManquant, or a grid with a gap (French messages)
            raise CommandError(str(exc).replace("\n", " ")) from None

        if options["json"]:
            self.stdout.write(json.dumps(_en_json(simulation), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(_en_texte(simulation))


def _entier(valeur: str | None, option: str, nom: str) -> int:
    if valeur is None:
        raise CommandError(f"L'option {option} est obligatoire.")
    if not _ENTIER.match(valeur):
        raise CommandError(
            f"{nom} invalide : « {valeur} » ({option} attend un nombre entier positif ou nul)."
        )
    return int(valeur)


def _date(valeur: str | None, option: str) -> date | None:
    if valeur is None:
        return None
    if not _DATE.match(valeur):
        raise CommandError(f"Date invalide pour {option} : « {valeur} » (format AAAA-MM-JJ).")
    try:
        return date.fromisoformat(valeur)
    except ValueError:
        raise CommandError(
            f"Date impossible pour {option} : « {valeur} » n'existe pas au calendrier."
        ) from None


def _montant(montant) -> str | None:
    # Two decimals, as a string: never a float in the money path (T9).
    return None if montant is None else f"{montant:.2f}"


def _en_json(simulation) -> dict:
    resultat = simulation.resultat
    return {
        "population": simulation.population.valeur,
        "formule": simulation.formule,
        "tranche": simulation.tranche,
        "lignes": [
            {
                "code": ligne.code,
                "libelle": ligne.libelle,
                "base": texte_base(ligne.base),
                "montant": _montant(ligne.montant),
            }
            for ligne in resultat.lignes
        ],
        "total": _montant(resultat.total),
        "anomalies": [
            {"code": a.code, "message": a.message, "bloquante": a.bloquante}
            for a in resultat.anomalies
        ],
    }


def _en_texte(simulation) -> str:
    resultat = simulation.resultat
    grille = simulation.grille
    lignes = [
        f"Simulation de la contribution {simulation.annee} — {Formule(simulation.formule).label}",
        f"Population : {formater_nombre(simulation.population.valeur)} hab., "
        f"tranche « {simulation.tranche} »",
        f"Barème : {grille.libelle}, en vigueur au 1er janvier {simulation.annee}",
        "",
    ]
    if not resultat.lignes:
        lignes.append("Aucune ligne tarifée.")
    for ligne in resultat.lignes:
        lignes.append(f"- {ligne.libelle} : {formater_euros(ligne.montant)}")
        lignes.append(f"    base : {texte_base(ligne.base)}")
    lignes.append("")
    if resultat.total is None:
        lignes.append("Total : non calculable (voir les anomalies).")
    else:
        lignes.append(f"Total : {formater_euros(resultat.total)} HT")
    for anomalie in resultat.anomalies:
        genre = "Anomalie bloquante" if anomalie.bloquante else "Remarque"
        lignes.append(f"{genre} : {anomalie.message}")
    return "\n".join(lignes)
