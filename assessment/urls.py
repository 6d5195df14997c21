from django.urls import path

from . import api, pages

app_name = "assessment"

urlpatterns = [
    path("api/assessment/", api.AssessmentView.as_view(), name="assessment-api"),
    path("api/ledger.xlsx", api.LedgerView.as_view(), name="ledger"),
    path("api/targets/", api.TargetList.as_view(), name="targets"),
    path("assessment/", pages.assessment_page, name="assessment"),
    path("villages/<str:code>/", pages.village_dossier, name="village-dossier"),
    path("reports/monthly/<str:month>.pdf", pages.monthly_report, name="monthly-report"),
]
