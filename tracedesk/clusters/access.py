"""The one place that scopes clusters to a user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tracedesk.accounts.roles import Right
from tracedesk.accounts.scope import within_scope
from tracedesk.clusters.models import Cluster


def clusters_for(user: object) -> QuerySet[Cluster]:
    """Clusters at settings in the user's jurisdictions (403 without MANAGE_OUTBREAKS)."""
    return within_scope(
        user,
        Cluster.objects.select_related("setting", "setting__address", "jurisdiction"),
        Right.MANAGE_OUTBREAKS,
    )


def cluster_for(user: object, cluster_id: int) -> Cluster:
    """One cluster in scope, or Http404."""
    return get_object_or_404(clusters_for(user), pk=cluster_id)
