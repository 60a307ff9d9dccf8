"""Configuring contracts in Django's admin: administrators (the right to manage contracts)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from tracedesk.accounts.admin_rights import ReferenceDataAdmin
from tracedesk.accounts.roles import Right, has_right
from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.contracts.measures import kpi_label, share_kpis
from tracedesk.contracts.models import Contract, Contractor, ForceMajeure, ServiceLevel


@admin.register(Contractor)
class ContractorAdmin(ReferenceDataAdmin):
    list_display = ["name", "companies_house_number"]


class ContractsRight:
    """Admin permissions from the right to manage contracts; every change is audited.

    Listed before ``ReferenceDataAdmin`` so these checks win: contracts are reference
    data whose own right (``manage_contracts``) may be held apart from managing users.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_right(request.user, Right.MANAGE_CONTRACTS)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_right(request.user, Right.MANAGE_CONTRACTS)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return has_right(request.user, Right.MANAGE_CONTRACTS)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_right(request.user, Right.MANAGE_CONTRACTS)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_right(request.user, Right.MANAGE_CONTRACTS)


class ServiceLevelForm(forms.ModelForm):
    kpi_key = forms.ChoiceField(label="KPI", choices=())

    class Meta:
        model = ServiceLevel
        fields = ["name", "kpi_key", "target_percent", "direction", "period", "weight"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi_key"].choices = [  # type: ignore[attr-defined]
            (key, f"{kpi_label(key)} ({key})") for key in sorted(share_kpis())
        ]


class ServiceLevelInline(ContractsRight, admin.TabularInline):
    model = ServiceLevel
    form = ServiceLevelForm
    extra = 0


class ForceMajeureInline(ContractsRight, admin.TabularInline):
    model = ForceMajeure
    fields = ["starts_on", "ends_on", "reason", "declared_by", "declared_at"]
    readonly_fields = ["declared_by", "declared_at"]
    extra = 0


@admin.register(Contract)
class ContractAdmin(ContractsRight, ReferenceDataAdmin):
    list_display = ["reference", "title", "contractor", "jurisdiction", "monthly_charge"]
    list_select_related = ["contractor", "jurisdiction"]
    inlines = [ServiceLevelInline, ForceMajeureInline]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The admin's change view runs in one transaction: the audit event joins it.
        super().save_model(request, obj, form, change)
        record_event(
            request.user,
            Action.UPDATE if change else Action.CREATE,
            obj,
            purpose="configure contract",
            source="admin",
            fields=form.changed_data,
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, ForceMajeure) and instance.declared_by_id is None:
                instance.declared_by = request.user  # type: ignore[assignment]
            created = instance.pk is None
            instance.save()
            record_event(
                request.user,
                Action.CREATE if created else Action.UPDATE,
                instance,
                purpose="configure contract",
                source="admin",
            )
        for instance in formset.deleted_objects:
            record_event(
                request.user, Action.DELETE, instance, purpose="configure contract", source="admin"
            )
            instance.delete()
        formset.save_m2m()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_event(request.user, Action.DELETE, obj, purpose="configure contract", source="admin")
        super().delete_model(request, obj)
