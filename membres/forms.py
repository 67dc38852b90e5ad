"""Forms of the DSI's pages on members (the admin has its own)."""

from django import forms


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        error_messages={
            "required": "Indiquez l'adresse électronique de la personne invitée.",
            "invalid": "Saisissez une adresse électronique valide (prenom.nom@mairie.fr).",
        },
    )
    prenom = forms.CharField(label="Prénom", max_length=150, required=False)
    nom = forms.CharField(label="Nom", max_length=150, required=False)
