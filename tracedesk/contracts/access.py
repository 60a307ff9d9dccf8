"""The one place that scopes contracts to a user.

Contracts hold no personal data; they are read with the statistics right and
scoped by the area they cover, so a commissioner for one region does not see
another region's commercial terms (404, as for any record outside scope).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tracedesk.accounts.roles import Right
from tracedesk.accounts.scope import within_scope
from tracedesk.contracts.models import Contract


def contracts_for(user: object) -> QuerySet[Contract]:
    """Return the contracts the user may read: those covering an area in their scope."""
    return within_scope(
        user, Contract.objects.select_related("contractor", "jurisdiction"), Right.VIEW_STATISTICS
    )


def contract_for(user: object, contract_id: int) -> Contract:
    """Return one contract in scope, or raise Http404."""
    return get_object_or_404(contracts_for(user), pk=contract_id)
