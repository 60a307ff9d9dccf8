"""Transmission chains: a case named a contact who later became a case.

A link is read, never stored: ``Contact(case=A, person=P)`` and a case ``B`` of the same
person ``P`` whose first positive specimen came after A's and within ``LINK_DAYS`` of
the exposure. Because it is a query over ``Contact.person`` and ``Case.person``, a link
appears as soon as matching (or a merge of two records of one person) makes the two
people one — nothing has to be re-run.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F

from tracedesk.cases.models import Case, Contact, ContactType

LINK_DAYS = 21  # a positive specimen this long after the exposure can still be from it
MAX_NODES = 400  # a graph larger than this is cut (the page says so)


@dataclass(frozen=True)
class Link:
    infector: int  # case id
    infectee: int  # case id
    contact_id: int
    contact_type: str
    exposure_on: dt.date


@dataclass
class Chain:
    cases: dict[int, Case]
    links: list[Link]
    truncated: bool = False
    generation: dict[int, int] = field(default_factory=dict)

    @property
    def generations(self) -> int:
        return max(self.generation.values(), default=-1) + 1


def _links_from(case_ids: Iterable[int]) -> list[Link]:
    """Links whose infector is one of ``case_ids``."""
    rows = (
        Contact.objects.filter(case_id__in=list(case_ids))
        .filter(person__cases__first_specimen_at__gt=F("case__first_specimen_at"))
        .values_list(
            "case_id", "person__cases__id", "id", "contact_type", "last_exposure_date",
            "person__cases__first_specimen_at",
        )
    )  # fmt: skip
    return [
        Link(a, b, contact, kind, exposed)
        for a, b, contact, kind, exposed, specimen_at in rows
        if specimen_at.date() <= exposed + dt.timedelta(days=LINK_DAYS)
    ]


def _links_to(case_ids: Iterable[int]) -> list[Link]:
    """Links whose infectee is one of ``case_ids``."""
    ids = list(case_ids)
    people = dict(Case.objects.filter(pk__in=ids).values_list("person_id", "pk"))
    rows = (
        Contact.objects.filter(person_id__in=list(people))
        .select_related("case")
        .values_list("case_id", "person_id", "id", "contact_type", "last_exposure_date",
                     "case__first_specimen_at")
    )  # fmt: skip
    specimen = dict(Case.objects.filter(pk__in=ids).values_list("pk", "first_specimen_at"))
    out = []
    for a, person_id, contact, kind, exposed, index_at in rows:
        b = people[person_id]
        late = specimen[b]
        if late > index_at and late.date() <= exposed + dt.timedelta(days=LINK_DAYS):
            out.append(Link(a, b, contact, kind, exposed))
    return out


def chain_around(case_ids: Iterable[int], *, depth: int = 10) -> Chain:
    """Every case linked to ``case_ids`` through contacts, in both directions."""
    seen: set[int] = set(case_ids)
    frontier = set(seen)
    links: set[Link] = set()
    truncated = False
    for _ in range(depth):
        if not frontier:
            break
        found = _links_from(frontier) + _links_to(frontier)
        links.update(found)
        new = {c for link in found for c in (link.infector, link.infectee)} - seen
        if len(seen) + len(new) > MAX_NODES:
            new = set(sorted(new)[: max(MAX_NODES - len(seen), 0)])
            truncated = True
        seen |= new
        frontier = new
    cases = Case.objects.select_related("person").in_bulk(list(seen))
    kept = [link for link in links if link.infector in cases and link.infectee in cases]
    chain = Chain(cases=cases, links=sorted(kept, key=lambda k: (k.infector, k.infectee)),
                  truncated=truncated)  # fmt: skip
    chain.generation = generations(cases, chain.links)
    return chain


def generations(cases: Iterable[int], links: list[Link]) -> dict[int, int]:
    """Generation of each case: 0 with no known infector, else one more than its infector's
    (the shortest way back, so a case named by two cases is not counted twice)."""
    infectors: dict[int, list[int]] = defaultdict(list)
    children: dict[int, list[int]] = defaultdict(list)
    for link in links:
        infectors[link.infectee].append(link.infector)
        children[link.infector].append(link.infectee)
    ids = list(cases)
    generation = {case: 0 for case in ids if not infectors.get(case)}
    queue = deque(generation)
    while queue:
        case = queue.popleft()
        for child in children.get(case, []):
            if child not in generation:
                generation[child] = generation[case] + 1
                queue.append(child)
    for case in ids:  # a cycle (two cases naming each other): start it at 0
        generation.setdefault(case, 0)
    return generation


@dataclass
class ChainStatistics:
    cases: int
    links: int
    generations: int
    household_contacts: int
    household_secondary_cases: int
    serial_intervals: list[int]
    serial_basis: str

    @property
    def household_sar(self) -> float | None:
        if not self.household_contacts:
            return None
        return self.household_secondary_cases / self.household_contacts

    @property
    def serial_mean(self) -> float | None:
        return statistics.fmean(self.serial_intervals) if self.serial_intervals else None

    @property
    def serial_median(self) -> float | None:
        return statistics.median(self.serial_intervals) if self.serial_intervals else None


def chain_statistics(chain: Chain) -> ChainStatistics:
    """Generations, household secondary attack rate and serial intervals of a chain."""
    index_ids = list(chain.cases)
    household = Contact.objects.filter(case_id__in=index_ids, contact_type=ContactType.HOUSEHOLD)
    household_contacts = household.count()
    secondary = sum(1 for link in chain.links if link.contact_type == ContactType.HOUSEHOLD)
    intervals: list[int] = []
    onset_pairs = 0
    for link in chain.links:
        a, b = chain.cases[link.infector], chain.cases[link.infectee]
        if a.onset_date and b.onset_date:
            intervals.append((b.onset_date - a.onset_date).days)
            onset_pairs += 1
        else:
            intervals.append((b.first_specimen_at.date() - a.first_specimen_at.date()).days)
    if not intervals:
        basis = "no links"
    elif onset_pairs == len(intervals):
        basis = "symptom onset to symptom onset"
    elif onset_pairs == 0:
        basis = "first positive specimen to first positive specimen (onsets not known)"
    else:
        basis = "onset to onset where both are known, else specimen to specimen"
    return ChainStatistics(
        cases=len(chain.cases),
        links=len(chain.links),
        generations=chain.generations,
        household_contacts=household_contacts,
        household_secondary_cases=secondary,
        serial_intervals=intervals,
        serial_basis=basis,
    )


# --- Drawing: a layered SVG, one column per generation ------------------------------------

COLUMN, ROW, MARGIN, RADIUS = 150, 56, 40, 18


@dataclass
class Drawing:
    width: int
    height: int
    nodes: list[dict]
    edges: list[dict]


def _layout(
    chain: Chain, *, setting: bool
) -> tuple[dict[int, tuple[int, int]], dict[int, list[int]]]:
    """Each case's (x, y): one column per generation (after the setting's, when drawn)."""
    offset = 1 if setting else 0
    columns: dict[int, list[int]] = defaultdict(list)
    for case_id in sorted(chain.cases, key=lambda c: (chain.generation.get(c, 0), c)):
        columns[chain.generation.get(case_id, 0) + offset].append(case_id)
    position: dict[int, tuple[int, int]] = {}
    for column, ids in columns.items():
        for row, case_id in enumerate(ids):
            position[case_id] = (MARGIN + column * COLUMN, MARGIN + row * ROW)
    return position, columns


def draw(
    chain: Chain,
    *,
    visible: set[int],
    highlight: Iterable[int] = (),
    setting_label: str = "",
    setting_members: Iterable[int] = (),
) -> Drawing:
    """Positions of nodes and edges for the template's SVG (no script needed).

    Cases outside ``visible`` (the user's scope) are drawn without their id or link.
    With ``setting_label``, a setting node sits before generation 0 with an edge to each
    of ``setting_members`` that has no known infector in the chain (common exposure).
    """
    position, columns = _layout(chain, setting=bool(setting_label))
    marked = set(highlight)
    nodes = [
        {
            "x": x,
            "y": y,
            "label": f"Case {case_id}" if case_id in visible else "Case elsewhere",
            "case_id": case_id if case_id in visible else None,
            "highlight": case_id in marked,
            "generation": chain.generation.get(case_id, 0),
        }
        for case_id, (x, y) in position.items()
    ]
    edges = []
    for link in chain.links:
        (x1, y1), (x2, y2) = position[link.infector], position[link.infectee]
        edges.append(
            {"x1": x1 + RADIUS, "y1": y1, "x2": x2 - RADIUS - 6, "y2": y2,
             "kind": link.contact_type}
        )  # fmt: skip
    if setting_label:
        rows = max((len(ids) for ids in columns.values()), default=1)
        sx, sy = MARGIN, MARGIN + (rows - 1) * ROW // 2
        nodes.append({"x": sx, "y": sy, "label": setting_label, "case_id": None,
                      "highlight": False, "generation": -1, "setting": True})  # fmt: skip
        infected = {link.infectee for link in chain.links}
        for case_id in setting_members:
            if case_id in position and case_id not in infected:
                x2, y2 = position[case_id]
                edges.append({"x1": sx + RADIUS, "y1": sy, "x2": x2 - RADIUS - 6, "y2": y2,
                              "kind": "setting"})  # fmt: skip
    width = MARGIN * 2 + max((x for x, _ in position.values()), default=0) + 40
    height = MARGIN * 2 + max((y for _, y in position.values()), default=0)
    return Drawing(width=width, height=height, nodes=nodes, edges=edges)


def graph_elements(
    chain: Chain,
    *,
    visible: set[int],
    highlight: Iterable[int] = (),
    setting_label: str = "",
    setting_members: Iterable[int] = (),
) -> dict[str, list[dict]]:
    """The chain as Cytoscape elements, for the graph drawn in the browser
    (``static/clusters/chain-graph.js``): the same nodes and edges as ``draw``.

    Cases outside ``visible`` carry neither their id nor a link: their node id is an
    opaque counter, so the page never reveals which case elsewhere it is.
    """
    marked = set(highlight)
    position, columns = _layout(chain, setting=bool(setting_label))
    ids: dict[int, str] = {}
    nodes: list[dict] = []
    hidden = 0
    for case_id in sorted(chain.cases, key=lambda c: (chain.generation.get(c, 0), c)):
        if case_id in visible:
            ids[case_id] = f"case-{case_id}"
            data = {"id": ids[case_id], "label": f"Case {case_id}", "case": case_id}
        else:
            hidden += 1
            ids[case_id] = f"elsewhere-{hidden}"
            data = {"id": ids[case_id], "label": "Case elsewhere", "case": None}
        data.update(generation=chain.generation.get(case_id, 0), kind="case")
        classes = " ".join(
            name
            for name, on in (
                ("highlight", case_id in marked),
                ("elsewhere", case_id not in visible),
            )
            if on
        )
        x, y = position[case_id]
        nodes.append({"data": data, "classes": classes, "position": {"x": x, "y": y}})
    edges = [
        {
            "data": {
                "id": f"link-{n}",
                "source": ids[link.infector],
                "target": ids[link.infectee],
                "kind": link.contact_type,
            },
            "classes": link.contact_type,
        }
        for n, link in enumerate(chain.links, start=1)
    ]
    if setting_label:
        rows = max((len(ids) for ids in columns.values()), default=1)
        nodes.append(
            {
                "data": {"id": "setting", "label": setting_label, "case": None,
                         "generation": -1, "kind": "setting"},
                "classes": "setting",
                "position": {"x": MARGIN, "y": MARGIN + (rows - 1) * ROW // 2},
            }
        )  # fmt: skip
        infected = {link.infectee for link in chain.links}
        for case_id in setting_members:
            if case_id in ids and case_id not in infected:
                edges.append(
                    {
                        "data": {"id": f"exposed-{ids[case_id]}", "source": "setting",
                                 "target": ids[case_id], "kind": "setting"},
                        "classes": "setting",
                    }
                )  # fmt: skip
    return {"nodes": nodes, "edges": edges}
