"""Cluster pages: the list, one cluster (timeline, cases, settings, chain, log), decisions."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from tracedesk.audit.reads import audit_read
from tracedesk.cases.access import case_for, cases_for
from tracedesk.clusters.access import cluster_for, clusters_for
from tracedesk.clusters.actions import confirm_cluster, dismiss_cluster
from tracedesk.clusters.chains import (
    Chain,
    chain_around,
    chain_statistics,
    draw,
    graph_elements,
)
from tracedesk.clusters.models import CaseExposure, Cluster, ClusterCase, ClusterStatus
from tracedesk.places.models import Setting

PAGE_SIZE = 50
SHOWN = {
    "open": [ClusterStatus.PROPOSED, ClusterStatus.CONFIRMED],
    **{status.value: [status] for status in ClusterStatus},
}


@require_safe
@login_required
def cluster_list(request: HttpRequest) -> HttpResponse:
    """Clusters in scope: proposed and confirmed first by default, strongest first."""
    status = request.GET.get("status", "open")
    if status not in SHOWN:
        status = "open"
    clusters = clusters_for(request.user).filter(status__in=SHOWN[status])
    clusters = clusters.order_by("status", "-score", "-last_exposure_on", "pk")
    counts = dict(
        clusters_for(request.user).values_list("status").annotate(n=Count("id")).order_by()
    )
    page = Paginator(clusters, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_read(request, Cluster, purpose="list clusters")
    return render(
        request,
        "clusters/cluster_list.html",
        {
            "page": page,
            "status": status,
            "tabs": [
                {"value": s.value, "label": s.label, "count": counts.get(s.value, 0)}
                for s in ClusterStatus
            ],
        },
    )


def _timeline(cluster: Cluster, links: list[ClusterCase]) -> list[dict[str, Any]]:
    """Per day: cases exposed at the setting that day, and cases first testing positive."""
    exposed: Counter[dt.date] = Counter()
    tested: Counter[dt.date] = Counter()
    for link in links:
        day = link.first_exposed_on
        while day <= link.last_exposed_on:
            exposed[day] += 1
            day += dt.timedelta(days=1)
        tested[timezone.localdate(link.case.first_specimen_at)] += 1
    days = sorted(set(exposed) | set(tested))
    if not days:
        return []
    top = max([*exposed.values(), *tested.values(), 1])
    out = []
    day = days[0]
    while day <= days[-1]:
        out.append(
            {
                "day": day,
                "exposed": exposed[day],
                "tested": tested[day],
                "exposed_width": round(100 * exposed[day] / top),
                "tested_width": round(100 * tested[day] / top),
            }
        )
        day += dt.timedelta(days=1)
    return out


def _chain_context(request: HttpRequest, chain: Chain, **drawing: Any) -> dict[str, Any]:
    visible = set(cases_for(request.user).filter(pk__in=list(chain.cases)).values_list(
        "pk", flat=True))  # fmt: skip
    stats = chain_statistics(chain)
    rows = []
    for link in chain.links:
        a, b = chain.cases[link.infector], chain.cases[link.infectee]
        rows.append(
            {
                "infector": link.infector if link.infector in visible else None,
                "infectee": link.infectee if link.infectee in visible else None,
                "contact_type": link.contact_type,
                "exposure_on": link.exposure_on,
                "interval": (
                    (b.onset_date - a.onset_date).days
                    if a.onset_date and b.onset_date
                    else (b.first_specimen_at.date() - a.first_specimen_at.date()).days
                ),
                "generation": chain.generation.get(link.infectee, 0),
            }
        )
    return {
        "chain": chain,
        "drawing": draw(chain, visible=visible, **drawing),
        "graph": graph_elements(chain, visible=visible, **drawing),
        "chain_stats": stats,
        "chain_rows": rows,
    }


@require_safe
@login_required
def cluster_detail(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """One cluster: facts, timeline, cases in scope, other shared settings, chain, log."""
    cluster = cluster_for(request.user, cluster_id)
    audit_read(request, cluster, purpose="cluster page")
    links = list(ClusterCase.objects.filter(cluster=cluster).select_related("case", "case__person"))
    visible = set(
        cases_for(request.user).filter(pk__in=[link.case_id for link in links]).values_list(
            "pk", flat=True)
    )  # fmt: skip
    household_number: dict[int, int] = {}
    for link in links:
        household_number.setdefault(link.household_key, len(household_number) + 1)
    members = [
        {"link": link, "household": household_number[link.household_key]}
        for link in links
        if link.case_id in visible
    ]
    case_ids = [link.case_id for link in links]
    shared = (
        CaseExposure.objects.filter(case_id__in=case_ids)
        .exclude(setting_id=cluster.setting_id)
        .values("setting_id")
        .annotate(cases=Count("case_id", distinct=True))
        .filter(cases__gte=2)
        .order_by("-cases")[:10]
    )
    shared_settings = Setting.objects.in_bulk([row["setting_id"] for row in shared])
    context = {
        "cluster": cluster,
        "members": members,
        "elsewhere": len(links) - len(members),
        "timeline": _timeline(cluster, links),
        "shared": [
            {"setting": shared_settings[row["setting_id"]], "cases": row["cases"]} for row in shared
        ],
        "log": cluster.log.select_related("actor"),
        "can_decide": cluster.status == ClusterStatus.PROPOSED,
        "merged_clusters": cluster.merged_clusters.all(),
    }
    chain = chain_around(case_ids, depth=1)
    context.update(
        _chain_context(
            request,
            chain,
            highlight=case_ids,
            setting_label=cluster.setting.name[:22],
            setting_members=case_ids,
        )
    )
    return render(request, "clusters/cluster_detail.html", context)


@require_POST
@login_required
def cluster_decide(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """Confirm (tasks and messages follow) or dismiss (with a reason) a proposed cluster."""
    cluster = cluster_for(request.user, cluster_id)
    decision = request.POST.get("decision")
    note = request.POST.get("note", "")
    try:
        if decision == "confirm":
            cluster = confirm_cluster(cluster, actor=request.user, note=note, source="web")
            messages.success(
                request,
                f"Cluster {cluster.pk} confirmed: a task to notify the setting is open and"
                f" {cluster.attendees_notified} other attendee(s) were sent a message.",
            )
        elif decision == "dismiss":
            dismiss_cluster(cluster, actor=request.user, note=note, source="web")
            messages.success(request, f"Cluster {cluster.pk} dismissed.")
        else:
            messages.error(request, "Choose “confirm” or “dismiss”.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("cluster-detail", cluster_id=cluster.pk)


@require_safe
@login_required
def case_chain(request: HttpRequest, case_id: int) -> HttpResponse:
    """The transmission chain around one case: who named whom, generations, intervals."""
    case = case_for(request.user, case_id)
    audit_read(request, case, purpose="transmission chain page")
    chain = chain_around([case.pk])
    context = {"case": case, **_chain_context(request, chain, highlight=[case.pk])}
    return render(request, "clusters/case_chain.html", context)
