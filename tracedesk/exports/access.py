"""Reads for the pseudonymised record lists: analysts' scope, never an identifiable value.

The identifiable lists (cases, contacts, people, tasks) read through their own apps'
access functions (``cases.access.cases_for`` ...), which need the personal-data right.
The pseudonymised lists read here, with the ``export_pseudonymised`` right, scoped by
jurisdiction like every read; their rows are always pseudonymised
(``exports.datasets.pseudonymised_row``) whoever asks.
"""

from __future__ import annotations

from django.db.models import QuerySet

from tracedesk.accounts.roles import Right
from tracedesk.accounts.scope import within_scope
from tracedesk.cases.models import Case, Contact


def pseudonymised_cases_for(user: object) -> QuerySet[Case]:
    """Return the cases in the user's scope, for a pseudonymised export (403 without the right)."""
    return within_scope(user, Case.objects.all(), Right.EXPORT_PSEUDONYMISED)


def pseudonymised_contacts_for(user: object) -> QuerySet[Contact]:
    """Return the contacts in the user's scope, for a pseudonymised export."""
    return within_scope(user, Contact.objects.all(), Right.EXPORT_PSEUDONYMISED)
