from django.urls import path

from . import api, pages

app_name = "assessment"

urlpatterns = [
    path("api/assessment/", api.AssessmentView.as_view(), name="assessment-api"),
    path("api/assessment/schemes/", api.SchemeList.as_view(), name="schemes"),
    path("api/assessment/scorecards/", api.ScorecardList.as_view(), name="scorecards-api"),
    path("api/assessment/scorecards/villages/", api.ScorecardVillages.as_view(), name="scorecard-villages"),
    path("api/assessment/evaluations/", api.EvaluationList.as_view(), name="evaluations"),
    path("api/assessment/adjustments/", api.AdjustmentList.as_view(), name="adjustments"),
    path("api/assessment/interviews/", api.InterviewList.as_view(), name="interviews"),
    path("api/assessment/analyses/", api.AnalysisList.as_view(), name="analyses"),
    path("api/assessment/months/reopen/", api.MonthReopen.as_view(), name="month-reopen"),
    path("api/assessment/year/", api.YearView.as_view(), name="year-api"),
    path("api/assessment/year.xlsx", api.YearXlsx.as_view(), name="year-xlsx"),
    path("api/ledger.xlsx", api.LedgerView.as_view(), name="ledger"),
    path("api/targets/", api.TargetList.as_view(), name="targets"),
    path("assessment/", pages.assessment_page, name="assessment"),
    path("villages/<str:code>/", pages.village_dossier, name="village-dossier"),
    path("villages/<str:code>/dossier.pdf", pages.village_dossier_pdf, name="village-dossier-pdf"),
    path("reports/monthly/<str:month>.pdf", pages.monthly_report, name="monthly-report"),
    path("assessment/scorecards/", pages.scorecards_page, name="scorecards"),
    path("assessment/year/", pages.year_page, name="year"),
    path("assessment/communities/", pages.communities_page, name="communities"),
    path("assessment/evaluations/", pages.evaluations_page, name="evaluations-page"),
    path("reports/notice/<str:month>.docx", pages.notice_docx, name="notice-docx"),
    path("reports/notice/<str:month>.pdf", pages.notice_pdf, name="notice-pdf"),
]
