"""Log in with a username or an e-mail address, in any letter case."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from securite.identification import compte_vise


class UsernameOrEmailBackend(ModelBackend):
    """The account is the one ``compte_vise`` names, the very account login throttling counts
    failures against (so no spelling escapes the count)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        compte = compte_vise(username)
        if compte is None:
            # As ModelBackend does: run the hasher once so that timing does not tell
            # whether the account exists.
            get_user_model()().set_password(password)
            return None
        if compte.check_password(password) and self.user_can_authenticate(compte):
            return compte
        return None
