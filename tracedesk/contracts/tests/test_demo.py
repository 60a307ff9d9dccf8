"""The demo contract: created through the actions, with a statement that computes."""

from __future__ import annotations

from tracedesk.audit.models import AuditEvent
from tracedesk.contracts.demo import populate
from tracedesk.contracts.models import Contract
from tracedesk.testing.world import World


def test_the_demo_contract_covers_the_nation_and_has_a_statement(world: World) -> None:
    summary = populate(seed=7)
    contract = Contract.objects.get(reference="TT-DEMO-7")
    assert contract.jurisdiction == world.england
    assert contract.service_levels.count() == 4
    assert contract.force_majeure.count() == 1
    assert summary.startswith("Contract TT-DEMO-7:") and "service credit £" in summary
    assert AuditEvent.objects.filter(object_type="contracts.contract", source="demo").count() == 1
    # The month shown is issued by the world's administrator once it is over (the world's
    # records are a day old, so early in a month the contract starts this month).
    issued = contract.issued.first()
    assert (", issued" in summary) == (issued is not None)
    if issued is not None:
        assert issued.issued_by == world.users["admin"]


def test_without_an_outbreak_there_is_no_demo_contract(db: None) -> None:
    assert "no demo contract" in populate(seed=1)
    assert not Contract.objects.exists()
