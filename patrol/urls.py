from django.urls import path

from . import api

urlpatterns = [
    path("categories/", api.CategoryList.as_view(), name="categories"),
    path("issues/", api.IssueList.as_view(), name="issues"),
    path("issues/overdue/", api.IssueWatchList.as_view(kind="overdue"), name="issues-overdue"),
    path("issues/long-unresolved/", api.IssueWatchList.as_view(kind="long"), name="issues-long-unresolved"),
    path("issues/<int:pk>/", api.IssueDetail.as_view(), name="issue"),
    path("issues/<int:pk>/transition/", api.IssueTransition.as_view(), name="issue-transition"),
    path("issues/<int:pk>/history/", api.IssueHistory.as_view(), name="issue-history"),
    path("issues/<int:pk>/photos/", api.IssuePhotos.as_view(), name="issue-photos"),
    path("photos/<int:pk>/image", api.PhotoImage.as_view(), name="photo-image"),
    path("reinspections/", api.ReinspectionList.as_view(), name="reinspections"),
    path("reinspections/<int:pk>/record/", api.ReinspectionRecordView.as_view(), name="reinspection-record"),
]
