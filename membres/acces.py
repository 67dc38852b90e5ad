"""What a member's user may see: the communes whose pages and files it may open.

One rule for the portal, the documents (``/documents/<pk>/``) and the lettres de mission: a
user sees a commune's data when it is attached to the commune as a whole. A rattachement
limited to one établissement (a CCAS, a school…) opens none of its commune's pages or files
(the commune's adhesion, contributions, titres and documents are not the établissement's).
Staff see members' data through their role (``securite.roles``), never through this.
"""

from membres.models import Commune


def communes_du_portail(user):
    """The communes whose portal, documents and lettres de mission ``user`` may open."""
    if not user.is_authenticated:
        return Commune.objects.none()
    return Commune.objects.filter(
        rattachements__utilisateur=user, rattachements__etablissement__isnull=True
    ).distinct()
