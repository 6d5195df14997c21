from django.urls import path

from . import api, pages, public

app_name = "facilities"

urlpatterns = [
    path("f/<str:code>", public.scan, name="scan"),
    path("f/<str:code>/report/", public.report, name="report"),
    path("api/facilities/", api.FacilityList.as_view(), name="facilities"),
    path("api/facilities/labels.pdf", api.LabelsPdf.as_view(), name="labels"),
    path("api/facilities/problem-toilets.xlsx", api.ProblemToiletLedger.as_view(), name="ledger"),
    path("tiles/facilities/<int:z>/<int:x>/<int:y>.pbf", api.FacilityTile.as_view(), name="tile"),
    path("api/workorders/", api.WorkOrderList.as_view(), name="workorders"),
    path("api/workorders/<int:pk>/", api.WorkOrderDetail.as_view(), name="workorder"),
    path("api/workorders/<int:pk>/accept/", api.WorkOrderAccept.as_view(), name="workorder-accept"),
    path("api/workorders/<int:pk>/photos/", api.WorkOrderPhotos.as_view(), name="workorder-photos"),
    path("api/workorders/<int:pk>/done/", api.WorkOrderDone.as_view(), name="workorder-done"),
    path("api/workorder-photos/<int:pk>/image", api.OrderPhotoImage.as_view(), name="order-photo"),
    path("api/operators/ratings/", api.Ratings.as_view(), name="ratings"),
    path("api/operators/scores/", api.Scores.as_view(), name="scores"),
    path("workorders/", pages.workorders, name="workorder-list"),
    path("facilities/", pages.facilities_page, name="facility-list"),
    path("facilities/<int:pk>/edit/", pages.facilities_page, name="facility-edit"),
    path("operators/scores/", pages.score_page, name="score-page"),
]
