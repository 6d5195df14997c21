"""Orders API: thin views over supervision.services."""
from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import BadInput
from core.pdf import pdf_response

from . import services
from .models import AnswerPhoto, State
from .serializers import DraftIssue, OrderAnswerRequest, OrderCreate, OrderDetailSerializer, OrderNote, OrderSerializer


def _order_qs(user):
    return services.visible_orders(user).select_related("issuer").prefetch_related("order_problems")


class OrderList(APIView):
    @extend_schema(responses={200: OrderSerializer(many=True)})
    def get(self, request):
        qs = _order_qs(request.user)
        state = request.query_params.get("state")
        if state == "open":
            qs = qs.filter(state__in=("issued", "answered", "returned"))
        elif state:
            if state not in State.values:
                raise BadInput(f"未知的状态：{state!r}，可选：open, {', '.join(State.values)}", field="state")
            qs = qs.filter(state=state)
        return Response(OrderSerializer(qs[:1000], many=True).data)

    @extend_schema(request=OrderCreate, responses={201: OrderDetailSerializer, 200: OrderDetailSerializer})
    def post(self, request):
        body = OrderCreate(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        order, created = services.issue_order(
            request.user, problems=d["problems"], addressee_code=d["addressee"], deadline=d["deadline"],
            requirements=d["requirements"], reflect=d["reflect"], client_uuid=d.get("client_uuid"),
            issuing_office=d["issuing_office"],
        )
        return Response(OrderDetailSerializer(order, context={"request": request}).data, status=201 if created else 200)


class OrderDetail(APIView):
    @extend_schema(responses={200: OrderDetailSerializer})
    def get(self, request, pk):
        order = services.visible_order(request.user, pk)
        return Response(OrderDetailSerializer(order, context={"request": request}).data)


class OrderIssueDraft(APIView):
    @extend_schema(request=DraftIssue, responses={200: OrderDetailSerializer})
    def post(self, request, pk):
        body = DraftIssue(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        order = services.issue_draft(request.user, pk, deadline=d["deadline"], requirements=d.get("requirements"),
                                     reflect=d.get("reflect"))
        return Response(OrderDetailSerializer(order, context={"request": request}).data)


class OrderAnswerView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=OrderAnswerRequest, responses={200: OrderDetailSerializer})
    def post(self, request, pk):
        data = request.data
        if hasattr(data, "getlist"):  # multipart: several photos and similar ids under one name
            data = {"report": data.get("report", ""), "similar": data.getlist("similar"),
                    "photos": request.FILES.getlist("photos")}
        body = OrderAnswerRequest(data=data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        order = services.answer_order(request.user, pk, report=d["report"], similar=d["similar"], photos=d["photos"])
        return Response(OrderDetailSerializer(order, context={"request": request}).data)


class OrderReturn(APIView):
    @extend_schema(request=OrderNote, responses={200: OrderDetailSerializer})
    def post(self, request, pk):
        body = OrderNote(data=request.data)
        body.is_valid(raise_exception=True)
        order = services.return_order(request.user, pk, note=body.validated_data["note"])
        return Response(OrderDetailSerializer(order, context={"request": request}).data)


class OrderClose(APIView):
    @extend_schema(request=OrderNote, responses={200: OrderDetailSerializer})
    def post(self, request, pk):
        body = OrderNote(data=request.data)
        body.is_valid(raise_exception=True)
        order = services.close_order(request.user, pk, note=body.validated_data["note"])
        return Response(OrderDetailSerializer(order, context={"request": request}).data)


class OrderPdf(APIView):
    def get(self, request, pk):
        from .pdf import order_pdf

        order = services.visible_order(request.user, pk)
        if not order.number:
            raise BadInput("草稿尚未签发，没有编号，不能打印", field="id")
        return pdf_response(order_pdf(order), f"order-{order.pk}.pdf")


class AnswerPhotoImage(APIView):
    def get(self, request, pk):
        photo = AnswerPhoto.objects.select_related("answer").filter(pk=pk).first()
        if photo is None:
            raise Http404("照片不存在")
        services.visible_order(request.user, photo.answer.order_id)
        return FileResponse(photo.image.open("rb"), content_type=photo.content_type)
