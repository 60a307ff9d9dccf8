"""Cluster endpoints: the list, one cluster with its cases, the decision, chains."""

# No "from __future__ import annotations": ninja reads these signatures at runtime.
import datetime as dt
from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tracedesk.accounts.api_auth import caller
from tracedesk.audit.reads import audit_read
from tracedesk.cases.access import case_for, cases_for
from tracedesk.clusters.access import cluster_for, clusters_for
from tracedesk.clusters.actions import confirm_cluster, dismiss_cluster
from tracedesk.clusters.chains import Chain, chain_around, chain_statistics
from tracedesk.clusters.models import Cluster, ClusterStatus
from tracedesk.people.schemas import Pages

router = Router(tags=["clusters"])


class ClusterOut(Schema):
    id: int
    setting_id: int
    setting_name: str
    setting_type: str
    jurisdiction_code: str
    status: str
    first_exposure_on: dt.date
    last_exposure_on: dt.date
    case_count: int
    household_count: int
    expected_count: float = Field(description="Cases expected by chance at this setting")
    attendee_count: int = Field(description="Check-ins and recorded attendances in those days")
    score: float
    proposed_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str
    attendees_notified: int
    merged_into_id: int | None

    @staticmethod
    def resolve_setting_name(cluster: Cluster) -> str:
        return cluster.setting.name

    @staticmethod
    def resolve_setting_type(cluster: Cluster) -> str:
        return cluster.setting.setting_type

    @staticmethod
    def resolve_jurisdiction_code(cluster: Cluster) -> str:
        return cluster.jurisdiction.code


class MemberOut(Schema):
    case_id: int
    first_exposed_on: dt.date
    last_exposed_on: dt.date
    household: int = Field(description="Households numbered 1, 2, ... within this cluster")


class LogOut(Schema):
    at: dt.datetime
    kind: str
    text: str


class ClusterDetailOut(ClusterOut):
    cases: list[MemberOut] = Field(description="Cases in your areas")
    cases_elsewhere: int
    log: list[LogOut]

    @staticmethod
    def resolve_cases(cluster: Cluster) -> list[dict]:
        return cluster.api_cases  # type: ignore[attr-defined]

    @staticmethod
    def resolve_cases_elsewhere(cluster: Cluster) -> int:
        return cluster.api_cases_elsewhere  # type: ignore[attr-defined]

    @staticmethod
    def resolve_log(cluster: Cluster) -> list[dict]:
        return [{"at": e.at, "kind": e.kind, "text": e.text} for e in cluster.log.all()]


class ClusterFilter(Schema):
    status: ClusterStatus | None = None


class DecisionIn(Schema):
    decision: Literal["confirm", "dismiss"]
    note: str = Field("", description="Why (required to dismiss)")


class LinkOut(Schema):
    infector_case_id: int | None = Field(description="Empty when outside your areas")
    infectee_case_id: int | None
    contact_id: int
    contact_type: str
    exposure_on: dt.date


class ChainOut(Schema):
    cases: int
    case_ids: list[int] = Field(description="Cases of the chain in your areas")
    links: list[LinkOut]
    generations: int
    household_contacts: int
    household_secondary_cases: int
    household_secondary_attack_rate: float | None
    serial_intervals: list[int]
    serial_interval_basis: str
    truncated: bool


@router.get("/clusters", response=list[ClusterOut], operation_id="list_clusters")
@paginate(Pages)
def list_clusters(request: HttpRequest, filters: Query[ClusterFilter]) -> QuerySet[Cluster]:
    """Clusters at settings in your areas, strongest first (MANAGE_OUTBREAKS)."""
    clusters = clusters_for(caller(request)).order_by("-score", "pk")
    if filters.status:
        clusters = clusters.filter(status=filters.status)
    audit_read(request, Cluster, purpose="api: list clusters")
    return clusters


def _detail(request: HttpRequest, cluster: Cluster) -> Cluster:
    """The cluster, with its cases in the caller's areas attached for the schema."""
    user = caller(request)
    links = list(cluster.members.order_by("first_exposed_on", "case_id"))
    visible = set(
        cases_for(user).filter(pk__in=[link.case_id for link in links]).values_list("pk", flat=True)
    )
    numbers: dict[int, int] = {}
    for link in links:
        numbers.setdefault(link.household_key, len(numbers) + 1)
    cases = [
        {
            "case_id": link.case_id,
            "first_exposed_on": link.first_exposed_on,
            "last_exposed_on": link.last_exposed_on,
            "household": numbers[link.household_key],
        }
        for link in links
        if link.case_id in visible
    ]
    cluster.api_cases = cases  # type: ignore[attr-defined]
    cluster.api_cases_elsewhere = len(links) - len(cases)  # type: ignore[attr-defined]
    return cluster


@router.get("/clusters/{cluster_id}", response=ClusterDetailOut, operation_id="get_cluster")
def get_cluster(request: HttpRequest, cluster_id: int) -> Cluster:
    """One cluster with its cases (in your areas) and its log."""
    cluster = cluster_for(caller(request), cluster_id)
    audit_read(request, cluster, purpose="api: cluster")
    return _detail(request, cluster)


@router.post(
    "/clusters/{cluster_id}/decision",
    response=ClusterDetailOut,
    operation_id="decide_cluster",
)
def decide_cluster(request: HttpRequest, cluster_id: int, payload: DecisionIn) -> Cluster:
    """Confirm (a task to notify the setting; a message to each other known attendee) or
    dismiss a proposed cluster."""
    user = caller(request)
    cluster = cluster_for(user, cluster_id)
    if payload.decision == "confirm":
        cluster = confirm_cluster(cluster, actor=user, note=payload.note, source="api")
    else:
        cluster = dismiss_cluster(cluster, actor=user, note=payload.note, source="api")
    return _detail(request, cluster)


def _chain_out(request: HttpRequest, chain: Chain) -> dict:
    visible = set(
        cases_for(caller(request)).filter(pk__in=list(chain.cases)).values_list("pk", flat=True)
    )
    stats = chain_statistics(chain)
    return {
        "cases": stats.cases,
        "case_ids": sorted(visible),
        "links": [
            {
                "infector_case_id": link.infector if link.infector in visible else None,
                "infectee_case_id": link.infectee if link.infectee in visible else None,
                "contact_id": link.contact_id,
                "contact_type": link.contact_type,
                "exposure_on": link.exposure_on,
            }
            for link in chain.links
        ],
        "generations": stats.generations,
        "household_contacts": stats.household_contacts,
        "household_secondary_cases": stats.household_secondary_cases,
        "household_secondary_attack_rate": stats.household_sar,
        "serial_intervals": stats.serial_intervals,
        "serial_interval_basis": stats.serial_basis,
        "truncated": chain.truncated,
    }


@router.get("/clusters/{cluster_id}/chain", response=ChainOut, operation_id="cluster_chain")
def cluster_chain(request: HttpRequest, cluster_id: int) -> dict:
    """The transmission links of the cluster's cases (one step in each direction)."""
    cluster = cluster_for(caller(request), cluster_id)
    audit_read(request, cluster, purpose="api: cluster chain")
    chain = chain_around(list(cluster.members.values_list("case_id", flat=True)), depth=1)
    return _chain_out(request, chain)


@router.get("/cases/{case_id}/chain", response=ChainOut, operation_id="case_chain")
def case_chain(request: HttpRequest, case_id: int) -> dict:
    """The transmission chain around one case: every case linked through named contacts."""
    case = case_for(caller(request), case_id)
    audit_read(request, case, purpose="api: transmission chain")
    return _chain_out(request, chain_around([case.pk]))
