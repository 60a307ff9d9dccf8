"""``tracedesk createtoken USERNAME --name NAME``: issue an API token and print it once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracedesk.accounts.actions import issue_token
from tracedesk.accounts.models import User


class Command(BaseCommand):
    help = "Create an API token for a user and print it. Only its hash is kept: copy it now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--name", required=True, help="What the token is for, e.g. 'lab-feed integration'"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        if not name:
            raise CommandError("--name must not be empty")
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"No user named {options['username']!r}") from None
        if not user.is_active:
            raise CommandError(f"User {user.username!r} is inactive; their tokens would not work")
        token, key = issue_token(user, name, actor=None, source="createtoken")
        self.stderr.write(
            f"Token {token.prefix}… ({token.name}) for {user.username}. "
            "It is shown once; store it as a secret."
        )
        self.stdout.write(key)
