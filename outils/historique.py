"""Frozen history: a row that priced or appears on an issued titre is never deleted, and the
fields that priced it change only through a correction act (P1 revised, B4).

Which rows are frozen is billing's knowledge, while the rows belong to apps below it
(populations, adhésions, établissements in ``membres``): billing registers one guard per model
(``garder``) when the apps are ready, and the models, their admin and ``pre_delete`` ask the
guards through this module, which imports no app. On PostgreSQL, triggers hold the same rules
for SQL that bypasses the ORM (``tarification`` migration ``0017``); a correction act lifts them
for its own transaction only (``autoriser_correction``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import ProtectedError
from django.db.models.signals import pre_delete
from django.forms.models import BaseInlineFormSet

# Set for the current transaction by a correction act (PostgreSQL): the triggers let it pass.
REGLAGE_CORRECTION = "servicecommun.correction"

_gardes: dict[type, Callable[[object], str | None]] = {}


class HistoriqueFige(ProtectedError):
    """Raised, with a French message, on an attempt to delete or alter frozen history."""

    def __init__(self, message: str, objets=()):
        super().__init__(message, list(objets))

    def __str__(self):
        return self.args[0]


def garder(modele: type, raison: Callable[[object], str | None]) -> None:
    """Register ``raison(obj)``: why ``obj`` is frozen (a French sentence), or ``None``. Its
    deletion is then refused everywhere the ORM goes (``delete()``, querysets, cascades)."""
    _gardes[modele] = raison
    pre_delete.connect(_avant_suppression, sender=modele, weak=False, dispatch_uid=modele)


def raison_figee(obj) -> str | None:
    """Why ``obj`` (saved) may no longer be deleted nor have its priced fields changed."""
    raison = _gardes.get(type(obj))
    if raison is None or obj.pk is None:
        return None
    return raison(obj)


def _avant_suppression(sender, instance, **kwargs):
    raison = raison_figee(instance)
    if raison:
        raise HistoriqueFige(f"Suppression impossible : {raison}", [instance])


def refuser_si_fige(instance, champs: tuple[str, ...]) -> None:
    """Before saving ``instance``: refuse a change of one of ``champs`` on a frozen row, unless
    it is made by a correction act (``instance._acte_correction``)."""
    if (
        instance.pk is None
        or instance._state.adding
        or getattr(instance, "_acte_correction", False)
    ):
        return
    if type(instance) not in _gardes:
        return
    ancien = type(instance)._default_manager.filter(pk=instance.pk).first()
    if ancien is None:
        return
    changes = [c for c in champs if getattr(ancien, c) != getattr(instance, c)]
    if not changes:
        return
    raison = raison_figee(ancien)
    if raison:
        noms = ", ".join(f"« {type(instance)._meta.get_field(c).verbose_name} »" for c in changes)
        raise HistoriqueFige(
            f"Modification impossible de {noms} : {raison} Passez par un acte de correction "
            "(motif et auteur enregistrés), que la prochaine campagne régularise.",
            [instance],
        )


def _regler(valeur: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as curseur:
            curseur.execute("SELECT set_config(%s, %s, true)", [REGLAGE_CORRECTION, valeur])


@contextmanager
def autoriser_correction():
    """Inside a correction act's transaction: let the PostgreSQL triggers pass its changes, for
    the block only (transaction-local, and reset at its end even inside a longer one)."""
    _regler("on")
    try:
        yield
    finally:
        _regler("")


class FormsetHistoriqueFige(BaseInlineFormSet):
    """An inline whose rows may be frozen: deleting one, or changing a field the model
    freezes (``CHAMPS_FIGES``), is refused in French before anything is written."""

    def clean(self):
        super().clean()
        champs = getattr(self.model, "CHAMPS_FIGES", ())
        noms = {c.removesuffix("_id") for c in champs}
        for form in self.initial_forms:
            instance = form.instance
            supprime = self.can_delete and self._should_delete_form(form)
            if not supprime and not (noms & set(form.changed_data)):
                continue
            raison = raison_figee(type(instance)._default_manager.get(pk=instance.pk))
            if raison:
                action = "supprimer" if supprime else "modifier"
                raise ValidationError(
                    f"Impossible de {action} « {instance} » : {raison}", code="historique_fige"
                )


class HistoriqueFigeAdminMixin:
    """Admin: no delete button nor bulk deletion for a frozen row (the deletion page lists it
    as not deletable), and its priced fields shown read-only."""

    champs_figes: tuple[str, ...] = ()

    def has_delete_permission(self, request, obj=None):
        if obj is not None and raison_figee(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        champs = list(super().get_readonly_fields(request, obj))
        if obj is not None and self.champs_figes and raison_figee(obj):
            champs += [c for c in self.champs_figes if c not in champs]
        return champs
