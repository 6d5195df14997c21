from django.urls import path

from . import api, pages

app_name = "patrol"

urlpatterns = [
    path("api/categories/", api.CategoryList.as_view(), name="categories"),
    path("api/issues/", api.IssueList.as_view(), name="issues"),
    path("api/issues/overdue/", api.IssueWatchList.as_view(kind="overdue"), name="issues-overdue"),
    path("api/issues/long-unresolved/", api.IssueWatchList.as_view(kind="long"), name="issues-long-unresolved"),
    path("api/issues/import/", api.ImportView.as_view(), name="issues-import"),
    path("api/issues/demolished/", api.IssueDemolished.as_view(), name="issues-demolished"),
    path("api/issues/<int:pk>/", api.IssueDetail.as_view(), name="issue"),
    path("api/issues/<int:pk>/transition/", api.IssueTransition.as_view(), name="issue-transition"),
    path("api/issues/<int:pk>/history/", api.IssueHistory.as_view(), name="issue-history"),
    path("api/issues/<int:pk>/photos/", api.IssuePhotos.as_view(), name="issue-photos"),
    path("api/photo-flags/", api.PhotoFlags.as_view(), name="photo-flags"),
    path("api/photos/<int:pk>/image", api.PhotoImage.as_view(), name="photo-image"),
    path("api/reinspections/", api.ReinspectionList.as_view(), name="reinspections"),
    path("api/reinspections/<int:pk>/record/", api.ReinspectionRecordView.as_view(), name="reinspection-record"),
    path("issues/", pages.issue_list, name="issue-list"),
    path("issues/import/", pages.import_page, name="issue-import"),
    path("issues/demolished/new/", pages.demolished_page, name="issue-demolished"),
    path("issues/<int:pk>/", pages.issue_detail, name="issue-detail"),
]
