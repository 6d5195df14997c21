from django.urls import path

from . import api, pages

app_name = "supervision"

urlpatterns = [
    path("api/orders/", api.OrderList.as_view(), name="orders"),
    path("api/orders/<int:pk>/", api.OrderDetail.as_view(), name="order"),
    path("api/orders/<int:pk>.pdf", api.OrderPdf.as_view(), name="order-pdf"),
    path("api/orders/<int:pk>/issue/", api.OrderIssueDraft.as_view(), name="order-issue"),
    path("api/orders/<int:pk>/answer/", api.OrderAnswerView.as_view(), name="order-answer"),
    path("api/orders/<int:pk>/return/", api.OrderReturn.as_view(), name="order-return"),
    path("api/orders/<int:pk>/close/", api.OrderClose.as_view(), name="order-close"),
    path("api/order-photos/<int:pk>/image", api.AnswerPhotoImage.as_view(), name="answer-photo"),
    path("orders/", pages.order_list, name="order-list"),
    path("orders/<int:pk>/", pages.order_detail, name="order-page"),
]
