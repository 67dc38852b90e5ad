"""Demo data of the member portal, on top of the other apps' (membres/demo.py accounts
`mairie-redon` and `mairie-allaire`): fiches projet at every step, a pending change of billing
identifiers, the adhesion délibérations as documents, and the portal rights of the DSI group.

Everything is marked "démo"; running it twice changes nothing.
"""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from membres.models import Commune, Document
from outils.formats import de_commune
from portail.models import DemandeModification, FicheProjet

FICHES = [
    # INSEE, author, intitulé, domaine, statut, decision (date, reasons)
    (
        "56001",
        "mairie-allaire",
        "Gestion électronique du courrier (démo)",
        FicheProjet.Domaine.LOGICIEL,
        FicheProjet.Statut.ACCEPTEE,
        (
            date(2026, 10, 8),
            "Projet retenu par le comité de pilotage ; mutualisable avec Saint-Perreux et "
            "Sainte-Marie. Déploiement prévu au premier semestre 2027 (démo).",
        ),
    ),
    (
        "56001",
        "mairie-allaire",
        "Wifi public de la médiathèque (démo)",
        FicheProjet.Domaine.INFRASTRUCTURE,
        FicheProjet.Statut.BROUILLON,
        None,
    ),
    (
        "56223",
        "mairie-allaire",
        "Prise de rendez-vous en ligne pour l'état civil (démo)",
        FicheProjet.Domaine.LOGICIEL,
        FicheProjet.Statut.SOUMISE,
        None,
    ),
    (
        "35236",
        "mairie-redon",
        "Remplacement de l'autocommutateur de l'hôtel de ville (démo)",
        FicheProjet.Domaine.INFRASTRUCTURE,
        FicheProjet.Statut.A_L_ETUDE,
        None,
    ),
]

CONTENU = {
    "origine": "Le besoin est remonté par les agents d'accueil lors du bilan annuel (démo).",
    "demandeur": "La direction générale des services, avec le service concerné (démo).",
    "enjeux": "Gagner du temps de traitement et offrir un meilleur service aux usagers (démo).",
    "nature": "Projet isolé, avec un volet de formation des agents (démo).",
    "description": "Choisir, paramétrer et déployer une solution adaptée (démo).",
    "planification": "Étude au trimestre prochain, mise en service dans l'année (démo).",
    "budget_detail": "Logiciel, paramétrage et formation ; subvention à rechercher (démo).",
    "objectifs": "Réduire les délais et tracer chaque demande (démo).",
    "contraintes": "Disponibilité des agents pendant la formation (démo).",
    "conditions_reussite": "Un référent désigné dans chaque service (démo).",
    "risques": "Appropriation de l'outil par les agents (démo).",
    "indicateurs": "Délai moyen de traitement, nombre de demandes en ligne (démo).",
}


def _pdf(lignes: list[str]) -> bytes:
    """A small, valid one-page PDF (Helvetica, Latin-1 text) for a demo document."""
    texte = "BT /F1 12 Tf 72 760 Td 16 TL " + " ".join(
        "(" + ligne.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
        for ligne in lignes
    )
    flux = texte.encode("latin-1") + b" ET"
    objets = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(flux)).encode() + b" >>\nstream\n" + flux + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    sortie = bytearray(b"%PDF-1.4\n")
    positions = []
    for numero, objet in enumerate(objets, start=1):
        positions.append(len(sortie))
        sortie += f"{numero} 0 obj\n".encode() + objet + b"\nendobj\n"
    debut_xref = len(sortie)
    sortie += f"xref\n0 {len(objets) + 1}\n0000000000 65535 f \n".encode()
    for position in positions:
        sortie += f"{position:010d} 00000 n \n".encode()
    sortie += (
        f"trailer\n<< /Size {len(objets) + 1} /Root 1 0 R >>\nstartxref\n{debut_xref}\n%%EOF\n"
    ).encode()
    return bytes(sortie)


def charger_fiches():
    User = get_user_model()
    for insee, auteur, intitule, domaine, statut, decision in FICHES:
        commune = Commune.objects.get(code_insee=insee)
        if FicheProjet.objects.filter(commune=commune, intitule=intitule).exists():
            continue
        fiche = FicheProjet(
            commune=commune,
            intitule=intitule,
            domaine=domaine,
            statut=statut,
            cree_par=User.objects.filter(username=auteur).first(),
            **({} if statut == FicheProjet.Statut.BROUILLON else CONTENU),
        )
        if statut != FicheProjet.Statut.BROUILLON:
            fiche.soumise_le = timezone.now()
        if decision:
            fiche.decidee_le, fiche.decision_motif = decision
        fiche.full_clean()
        fiche.save()


def charger_demandes():
    redon = Commune.objects.get(code_insee="35236")
    if DemandeModification.objects.filter(commune=redon).exists():
        return
    DemandeModification.objects.create(
        commune=redon,
        code_service_chorus="FINANCES-DEMO",
        ancien_code_service_chorus=redon.code_service_chorus,
        ancien_siret=redon.siret,
        ancienne_reference_engagement=redon.reference_engagement,
        siret=redon.siret,
        reference_engagement=redon.reference_engagement,
        motif="Les factures sont désormais traitées par le service des finances (démo).",
        demandee_par=get_user_model().objects.filter(username="mairie-redon").first(),
    )


def charger_documents():
    for commune in Commune.objects.filter(code_insee__in=["35236", "56001", "56223"]):
        adhesion = commune.adhesions.order_by("date_effet").first()
        if adhesion is None or commune.documents.filter(type=Document.Type.DELIBERATION).exists():
            continue
        numero, le = adhesion.deliberation_numero, adhesion.deliberation_date
        contenu = _pdf(
            [
                f"Commune {de_commune(commune.nom)} - extrait du registre des deliberations",
                f"Deliberation n. {numero} du {le:%d/%m/%Y} (document de demonstration)",
                "Adhesion au service commun des systemes d'information",
                "de Redon Agglomeration.",
            ]
        )
        document = Document(
            commune=commune,
            adhesion=adhesion,
            type=Document.Type.DELIBERATION,
            titre=f"Délibération n° {numero} du {le:%d/%m/%Y}",
            fichier=SimpleUploadedFile(f"deliberation-{commune.code_insee}.pdf", contenu),
        )
        document.full_clean()  # checks the file and records its type and size
        document.save()


@transaction.atomic
def charger():
    charger_fiches()
    charger_demandes()
    charger_documents()
