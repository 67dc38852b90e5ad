"""Log in with a username or an e-mail address."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and "@" in username:
            utilisateurs = get_user_model()._default_manager.filter(email__iexact=username)
            if len(utilisateurs) == 1:  # an address shared by two accounts logs in neither
                username = utilisateurs[0].get_username()
        return super().authenticate(request, username=username, password=password, **kwargs)
