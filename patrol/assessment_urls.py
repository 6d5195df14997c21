from django.urls import path

from . import assessment_api

urlpatterns = [
    path("assessment/", assessment_api.AssessmentView.as_view(), name="assessment-api"),
    path("ledger.xlsx", assessment_api.LedgerView.as_view(), name="ledger"),
    path("issues/import/", assessment_api.ImportView.as_view(), name="issues-import"),
    path("targets/", assessment_api.TargetList.as_view(), name="targets"),
]
