"""Who may do what: the named permissions that make each role, the record of second-factor
resets, and the counters that throttle password-reset requests."""

from django.conf import settings
from django.db import models


class Role(models.Model):
    """No table: the holder of the named permissions that make each role. A role is a group
    (created by this app's data migration, ``securite.roles``) that holds its permission; a
    page reserved to a role checks it (``securite.roles.reserve_dsi``…)."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = "rôle"
        verbose_name_plural = "rôles"
        permissions = [
            ("role_dsi", "agent de la DSI (membres, missions, groupements, livraison des audits)"),
            (
                "role_dsi_administrateur",
                "administrateur de la DSI (comptes, rôles, second facteur des collègues)",
            ),
            ("role_finances", "responsable financier (émet, corrige et exporte les titres)"),
        ]

    def __str__(self):
        return "rôle"


class ReinitialisationSecondFacteur(models.Model):
    """A DSI administrator removed a colleague's second-factor devices (lost telephone): who,
    when, whom and why. The colleague enrols a new device at the next login."""

    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reinitialisations_second_facteur",
        verbose_name="utilisateur",
    )
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="par",
    )
    le = models.DateTimeField("le", auto_now_add=True)
    motif = models.CharField("motif", max_length=200)
    appareils = models.PositiveSmallIntegerField("appareils retirés")

    class Meta:
        verbose_name = "réinitialisation du second facteur"
        verbose_name_plural = "réinitialisations du second facteur"
        ordering = ["-le"]
        default_permissions = ("view",)
        permissions = [
            ("reinitialiser_second_facteur", "peut réinitialiser le second facteur d'un collègue")
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(utilisateur=models.F("par")),
                name="reinitialisation_par_un_collegue",
                violation_error_message="On ne réinitialise pas son propre second facteur.",
            )
        ]

    def __str__(self):
        return f"{self.utilisateur} — {self.le:%d/%m/%Y %H:%M} par {self.par}"


class Compteur(models.Model):
    """Requests counted under one key (an address, an account) since ``depuis``: throttles the
    password-reset e-mails. One row per key; rows whose window is over are deleted whenever a
    request is counted, so the table holds only the keys seen within the last window."""

    cle = models.CharField("clé", max_length=100, unique=True)
    nombre = models.PositiveIntegerField("nombre", default=0)
    depuis = models.DateTimeField("depuis")

    class Meta:
        verbose_name = "compteur de demandes"
        verbose_name_plural = "compteurs de demandes"
        default_permissions = ()

    def __str__(self):
        return f"{self.cle} : {self.nombre}"
