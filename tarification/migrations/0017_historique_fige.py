"""Frozen history in SQL (PostgreSQL only): what priced or appears on an issued titre is not
deleted, nor are its priced fields changed, even by SQL that bypasses the ORM. A correction
act sets ``servicecommun.correction`` for its own transaction (populations, adhésions).
The ORM holds the same rules everywhere (``outils/historique.py``, ``tarification/historique.py``).
"""

from django.db import migrations

SQL = r"""
CREATE OR REPLACE FUNCTION sc_correction() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('servicecommun.correction', true), '') = 'on'
$$;

CREATE OR REPLACE FUNCTION sc_version_tarifee(p_debut date, p_fin date) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM tarification_titrederecettes t
    LEFT JOIN membres_adhesion a ON a.id = t.adhesion_id
    WHERE t.statut = 'emis' AND (
      (t.nature IN ('contribution', 'complement') AND t.annee IS NOT NULL
       AND make_date(t.annee, 1, 1) BETWEEN p_debut AND coalesce(p_fin, 'infinity'::date))
      OR (t.nature = 'audit'
       AND a.audit_livre_le BETWEEN p_debut AND coalesce(p_fin, 'infinity'::date))))
$$;

CREATE OR REPLACE FUNCTION sc_versionbareme_figee() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF sc_version_tarifee(OLD.debut, OLD.fin) THEN
    IF TG_OP = 'DELETE' THEN
      RAISE EXCEPTION 'Suppression impossible : la version du barème « % » a tarifé des titres émis.', OLD.libelle
        USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.debut, NEW.pool_jours, NEW.prix_demi_journee, NEW.mode_niveau1, NEW.fondement_mode)
       IS DISTINCT FROM (OLD.debut, OLD.pool_jours, OLD.prix_demi_journee, OLD.mode_niveau1, OLD.fondement_mode) THEN
      RAISE EXCEPTION 'Modification impossible : la version du barème « % » a tarifé des titres émis.', OLD.libelle
        USING ERRCODE = 'restrict_violation';
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS sc_versionbareme_figee ON tarification_versionbareme;
CREATE TRIGGER sc_versionbareme_figee BEFORE UPDATE OR DELETE ON tarification_versionbareme
  FOR EACH ROW EXECUTE FUNCTION sc_versionbareme_figee();

CREATE OR REPLACE FUNCTION sc_lignebareme_figee() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v record;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT debut, fin, libelle INTO v FROM tarification_versionbareme WHERE id = OLD.version_id;
    IF FOUND AND sc_version_tarifee(v.debut, v.fin) THEN
      RAISE EXCEPTION 'Les lignes de la version du barème « % » ont tarifé des titres émis : elles ne changent plus.', v.libelle
        USING ERRCODE = 'restrict_violation';
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT debut, fin, libelle INTO v FROM tarification_versionbareme WHERE id = NEW.version_id;
    IF FOUND AND sc_version_tarifee(v.debut, v.fin) THEN
      RAISE EXCEPTION 'La version du barème « % » a tarifé des titres émis : ses lignes ne changent plus.', v.libelle
        USING ERRCODE = 'restrict_violation';
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS sc_lignebareme_figee ON tarification_lignebareme;
CREATE TRIGGER sc_lignebareme_figee BEFORE INSERT OR UPDATE OR DELETE ON tarification_lignebareme
  FOR EACH ROW EXECUTE FUNCTION sc_lignebareme_figee();

CREATE OR REPLACE FUNCTION sc_population_figee() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (sc_correction()
     OR (NEW.commune_id, NEW.annee, NEW.valeur, NEW.millesime, NEW.nature)
        IS NOT DISTINCT FROM (OLD.commune_id, OLD.annee, OLD.valeur, OLD.millesime, OLD.nature)) THEN
    RETURN NEW;
  END IF;
  IF EXISTS (
    SELECT 1 FROM tarification_lignetitre l
    JOIN tarification_titrederecettes t ON t.id = l.titre_id
    WHERE t.statut = 'emis' AND l.commune_id = OLD.commune_id AND l.annee = OLD.annee
      AND l.population IS NOT NULL) THEN
    RAISE EXCEPTION 'La population % de la commune % a tarifé des titres émis : elle ne se corrige que par un acte de correction et ne se supprime pas.', OLD.annee, OLD.commune_id
      USING ERRCODE = 'restrict_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS sc_population_figee ON membres_population;
CREATE TRIGGER sc_population_figee BEFORE UPDATE OR DELETE ON membres_population
  FOR EACH ROW EXECUTE FUNCTION sc_population_figee();

CREATE OR REPLACE FUNCTION sc_adhesion_figee() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (sc_correction()
     OR (NEW.commune_id, NEW.formule, NEW.date_effet)
        IS NOT DISTINCT FROM (OLD.commune_id, OLD.formule, OLD.date_effet)) THEN
    RETURN NEW;
  END IF;
  IF EXISTS (
    SELECT 1 FROM tarification_titrederecettes t
    WHERE t.statut = 'emis' AND (t.adhesion_id = OLD.id
      OR (t.commune_id = OLD.commune_id AND t.nature IN ('contribution', 'complement')
          AND t.annee >= extract(year FROM OLD.date_effet)
          AND (OLD.dernier_jour IS NULL OR t.annee <= extract(year FROM OLD.dernier_jour))))) THEN
    RAISE EXCEPTION 'Cette adhésion a servi à des titres émis : elle ne se corrige que par un acte de correction et ne se supprime pas.'
      USING ERRCODE = 'restrict_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS sc_adhesion_figee ON membres_adhesion;
CREATE TRIGGER sc_adhesion_figee BEFORE UPDATE OR DELETE ON membres_adhesion
  FOR EACH ROW EXECUTE FUNCTION sc_adhesion_figee();
"""

SQL_INVERSE = r"""
DROP TRIGGER IF EXISTS sc_adhesion_figee ON membres_adhesion;
DROP TRIGGER IF EXISTS sc_population_figee ON membres_population;
DROP TRIGGER IF EXISTS sc_lignebareme_figee ON tarification_lignebareme;
DROP TRIGGER IF EXISTS sc_versionbareme_figee ON tarification_versionbareme;
DROP FUNCTION IF EXISTS sc_adhesion_figee();
DROP FUNCTION IF EXISTS sc_population_figee();
DROP FUNCTION IF EXISTS sc_lignebareme_figee();
DROP FUNCTION IF EXISTS sc_versionbareme_figee();
DROP FUNCTION IF EXISTS sc_version_tarifee(date, date);
DROP FUNCTION IF EXISTS sc_correction();
"""


def creer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL, params=None)


def supprimer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL_INVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("membres", "0005_pes_v2"),
        ("tarification", "0016_recouvrement"),
    ]

    operations = [migrations.RunPython(creer, supprimer, elidable=False)]
