"""B11 — the comptable's acquittement of one of our PES flows (PES_Acquit), validated against the
DGFiP schema (PES_ACQUIT_SCHEMAS_DIR) and matched to the bordereau by the flow's file name."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from tarification.models import Acquittement, Bordereau
from tarification.recouvrement import imports

pytestmark = pytest.mark.skipif(
    not (Path(settings.PES_ACQUIT_SCHEMAS_DIR) / imports.SCHEMA_ACQUIT).is_file(),
    reason=f"schéma PES_Acquit absent de PES_ACQUIT_SCHEMAS_DIR ({settings.PES_ACQUIT_SCHEMAS_DIR})",
)


def acquit(nom_fic: str, etat: str = "1", erreurs: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<n:PES_ACQUIT xmlns:n="http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour/v2">
  <Enveloppe><Parametres><Version V="1"/><TypFic V="PESACQUIT"/><NomFic V="{nom_fic}"/></Parametres></Enveloppe>
  <EnTetePES><DteStr V="2026-01-17"/><IdPost V="035001"/><IdColl V="24350074100075"/><CodCol V="001"/><CodBud V="01"/></EnTetePES>
  <ACQUIT>
    <EnTeteAcquit><IdVer V="2"/></EnTeteAcquit>
    <ElementACQUIT><DomaineAck V="2"/><EtatAck V="{etat}"/><NumBord V="1"/><ExerciceBord V="2026"/>{erreurs}</ElementACQUIT>
  </ACQUIT>
</n:PES_ACQUIT>""".encode()


@pytest.fixture
def flux(titres):
    bordereau = Bordereau.objects.get(exercice=2026, numero=1)
    bordereau.pes.save("pes-2026-0001.xml", ContentFile(b"<PES_Aller/>"), save=False)
    bordereau.save(update_fields=["pes"])
    return bordereau


def test_B11_acquittement_received_then_the_same_file_again_changes_nothing(flux):
    acquittement = imports.importer_acquittement(acquit("pes-2026-0001.xml"))
    assert (acquittement.bordereau, acquittement.accepte) == (flux, True)
    assert acquittement.date.isoformat() == "2026-01-17"
    assert imports.importer_acquittement(acquit("pes-2026-0001.xml")) is None
    assert Acquittement.objects.count() == 1


def test_B11_acquittement_refused_keeps_the_reported_errors(flux):
    erreur = '<Erreur><NumAnoAck V="ERREUR_SIRET"/><LibelleAnoAck V="SIRET inconnu"/></Erreur>'
    acquittement = imports.importer_acquittement(acquit("pes-2026-0001.xml", "0", erreur))
    assert not acquittement.accepte
    assert acquittement.erreurs == "ERREUR_SIRET — SIRET inconnu"


def test_B11_acquittement_invalid_or_of_another_flow_imports_nothing(flux):
    with pytest.raises(ValidationError) as invalide:
        imports.importer_acquittement(acquit("pes-2026-0001.xml", etat="peut-être"))
    assert invalide.value.messages[0].startswith("Ligne 7 :")
    assert "pas un acquittement PES valide" in invalide.value.messages[-1]
    with pytest.raises(ValidationError, match="n'est aucun de nos fichiers PES"):
        imports.importer_acquittement(acquit("pes-2026-0009.xml"))
    with pytest.raises(ValidationError, match="XML illisible"):
        imports.importer_acquittement(b"<pas du xml")
    assert not Acquittement.objects.exists()
