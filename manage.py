#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import secrets
import sys

# Commands that only read or write migration files: they sign nothing, so without DEBUG they
# run on a throw-away key instead of refusing to start (every other command, and the WSGI
# application, still requires SECRET_KEY when DEBUG is off).
SANS_CLE = {"makemigrations", "showmigrations", "sqlmigrate"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicecommun.settings")
    if sys.argv[1:2] and sys.argv[1] in SANS_CLE:
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
