from django.urls import path, register_converter

from tracedesk.contracts import views


class MonthConverter:
    """A month written YYYY-MM (validated again by the view: 2021-13 is a 404)."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MonthConverter, "month")

STATEMENT = "contracts/<int:contract_id>/statements/<month:month>"

urlpatterns = [
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/<int:contract_id>/", views.contract_detail, name="contract-detail"),
    path(f"{STATEMENT}/", views.statement_page, name="contract-statement"),
    path(f"{STATEMENT}.csv", views.statement_csv_file, name="contract-statement-csv"),
    path(f"{STATEMENT}.pdf", views.statement_pdf_file, name="contract-statement-pdf"),
    path(f"{STATEMENT}/issue", views.statement_issue, name="contract-statement-issue"),
    path(
        f"{STATEMENT}/levels/<int:level_id>/<int:index>/",
        views.statement_records,
        name="contract-statement-records",
    ),
    path(
        "contracts/<int:contract_id>/force-majeure/",
        views.force_majeure_declare,
        name="force-majeure-declare",
    ),
]
