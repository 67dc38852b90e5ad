"""Import of INSEE populations (rule P1): validate every row, then record all or nothing."""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from membres.models import Commune, Population

NATURES = {
    "population municipale": Population.Nature.MUNICIPALE,
    "population totale": Population.Nature.TOTALE,
}
COLONNES = ["insee", "population", "population_kind", "population_year"]


@dataclass
class Rapport:
    creees: int = 0
    modifiees: int = 0
    inchangees: int = 0
    erreurs: list[str] = field(default_factory=list)


class ImportInvalide(Exception):
    def __init__(self, erreurs):
        self.erreurs = erreurs
        super().__init__("\n".join(erreurs))


def lire_csv(contenu: bytes) -> list[dict]:
    try:
        texte = contenu.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportInvalide(["Le fichier n'est pas encodé en UTF-8."]) from exc
    echantillon = texte[:2048]
    separateur = ";" if echantillon.count(";") > echantillon.count(",") else ","
    lecteur = csv.DictReader(io.StringIO(texte), delimiter=separateur)
    manquantes = [c for c in COLONNES if c not in (lecteur.fieldnames or [])]
    if manquantes:
        raise ImportInvalide([f"Colonnes manquantes : {', '.join(manquantes)} (ligne 1)."])
    return list(lecteur)


def valider(lignes: list[dict], annee: int) -> tuple[list[dict], list[str]]:
    """Check every row (line numbers as in the file, header = line 1); return the clean rows."""
    communes = {c.code_insee: c for c in Commune.objects.all()}
    propres, erreurs, vus = [], [], {}
    for numero, ligne in enumerate(lignes, start=2):
        problemes = []
        insee = (ligne.get("insee") or "").strip()
        commune = communes.get(insee)
        if commune is None:
            problemes.append(f"code INSEE inconnu « {insee} »")
        elif insee in vus:
            problemes.append(f"code INSEE « {insee} » déjà présent ligne {vus[insee]}")
        vus.setdefault(insee, numero)
        brut = (ligne.get("population") or "").strip()
        valeur = int(brut) if brut.isdigit() else None
        if valeur is None or valeur <= 0:
            problemes.append(f"population « {brut} » : un entier strictement positif est attendu")
        millesime_brut = (ligne.get("population_year") or "").strip()
        millesime = int(millesime_brut) if millesime_brut.isdigit() else None
        if millesime != annee - 3:
            problemes.append(
                f"millésime « {millesime_brut} » : pour l'année {annee}, le millésime en vigueur "
                f"est {annee - 3} (P1)"
            )
        nature = NATURES.get((ligne.get("population_kind") or "").strip().lower())
        if nature is None:
            problemes.append(
                f"nature « {ligne.get('population_kind', '')} » : « population municipale » ou "
                "« population totale » attendue"
            )
        if problemes:
            erreurs.append(f"ligne {numero} : " + " ; ".join(problemes))
        else:
            propres.append(
                {
                    "commune": commune,
                    "valeur": valeur,
                    "millesime": millesime,
                    "nature": nature,
                    "source": (ligne.get("source") or "").strip(),
                }
            )
    if not lignes:
        erreurs.append("Le fichier ne contient aucune ligne de données.")
    return propres, erreurs


@transaction.atomic
def enregistrer(propres: list[dict], annee: int) -> Rapport:
    """Record clean rows as the populations in force in `annee`; unchanged rows are left as is
    (no new history entry), so re-importing the same file changes nothing."""
    rapport = Rapport()
    existantes = {
        p.commune_id: p
        for p in Population.objects.filter(annee=annee, commune__in=[r["commune"] for r in propres])
    }
    for r in propres:
        actuelle = existantes.get(r["commune"].pk)
        valeurs = {k: r[k] for k in ("valeur", "millesime", "nature", "source")}
        if actuelle is None:
            Population.objects.create(commune=r["commune"], annee=annee, **valeurs)
            rapport.creees += 1
        elif any(getattr(actuelle, k) != v for k, v in valeurs.items()):
            for k, v in valeurs.items():
                setattr(actuelle, k, v)
            actuelle.save()
            rapport.modifiees += 1
        else:
            rapport.inchangees += 1
    return rapport


def importer(contenu: bytes, annee: int) -> Rapport:
    propres, erreurs = valider(lire_csv(contenu), annee)
    if erreurs:
        raise ImportInvalide(erreurs)
    return enregistrer(propres, annee)
