"""The member portal, under /portail/. Every page but the password reset lives under the
commune's INSEE code, so that a user attached to several communes switches between them."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from portail import views, vues_groupements
from securite import views as securite_views

app_name = "portail"

C = "<str:code_insee>/"  # the commune whose space is shown (one of the user's)

urlpatterns = [
    # Password reset by e-mail: public pages (the login and logout urls are the project's);
    # throttled, and a new password lifts the account's login lock (securite/views.py).
    path(
        "mot-de-passe/oubli/",
        securite_views.DemandeMotDePasse.as_view(
            template_name="registration/mot_de_passe_oubli.html",
            email_template_name="registration/mot_de_passe_courriel.txt",
            subject_template_name="registration/mot_de_passe_sujet.txt",
            success_url=reverse_lazy("portail:mot_de_passe_envoye"),
        ),
        name="mot_de_passe_oubli",
    ),
    path(
        "mot-de-passe/envoye/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/mot_de_passe_envoye.html"
        ),
        name="mot_de_passe_envoye",
    ),
    path(
        "mot-de-passe/<uidb64>/<token>/",
        securite_views.NouveauMotDePasse.as_view(
            template_name="registration/mot_de_passe_nouveau.html",
            success_url=reverse_lazy("portail:mot_de_passe_change"),
        ),
        name="mot_de_passe_nouveau",
    ),
    path(
        "mot-de-passe/change/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/mot_de_passe_change.html"
        ),
        name="mot_de_passe_change",
    ),
    # Staff read a commune's space as the commune sees it (read-only, recorded).
    path("voir/quitter/", views.voir_comme_quitter, name="voir_comme_quitter"),
    path("voir/<str:code_insee>/", views.voir_comme, name="voir_comme"),
    # The member space.
    path("", views.choisir, name="choisir"),
    path(C, views.accueil, name="accueil"),
    path(C + "contribution/", views.contribution, name="contribution"),
    path(C + "titres/", views.titres, name="titres"),
    path(C + "titres/<int:pk>/pdf/", views.titre_pdf, name="titre_pdf"),
    path(C + "groupements/", vues_groupements.groupements, name="groupements"),
    path(C + "groupements/<int:pk>/", vues_groupements.groupement, name="groupement"),
    path(
        C + "groupements/<int:pk>/adherer/",
        vues_groupements.groupement_adherer,
        name="groupement_adherer",
    ),
    path(
        C + "groupements/adhesions/<int:pk>/besoins/",
        vues_groupements.groupement_besoins,
        name="groupement_besoins",
    ),
    path(
        C + "groupements/adhesions/<int:pk>/retrait/",
        vues_groupements.groupement_retrait,
        name="groupement_retrait",
    ),
    path(C + "niveau1/", views.niveau1, name="niveau1"),
    path(C + "niveau1/missions/<int:pk>/lettre/", views.lettre_mission, name="lettre_mission"),
    path(C + "projets/", views.fiches, name="fiches"),
    path(C + "projets/nouvelle/", views.fiche_nouvelle, name="fiche_nouvelle"),
    path(C + "projets/<int:pk>/", views.fiche, name="fiche"),
    path(C + "projets/<int:pk>/modifier/", views.fiche_modifier, name="fiche_modifier"),
    path(C + "projets/<int:pk>/soumettre/", views.fiche_soumettre, name="fiche_soumettre"),
    path(C + "contacts/", views.contacts, name="contacts"),
    path(C + "contacts/nouveau/", views.contact_nouveau, name="contact_nouveau"),
    path(C + "contacts/<int:pk>/", views.contact_modifier, name="contact_modifier"),
    path(C + "contacts/<int:pk>/supprimer/", views.contact_supprimer, name="contact_supprimer"),
    path(C + "facturation/", views.facturation, name="facturation"),
    path(
        C + "facturation/etablissements/<int:pk>/",
        views.facturation_etablissement,
        name="facturation_etablissement",
    ),
    path(C + "audit/", views.audit, name="audit"),
    path(C + "sortie/", views.sortie, name="sortie"),
    path(C + "documents/", views.documents, name="documents"),
    path(C + "documents/<int:pk>/", views.document, name="document"),
]
