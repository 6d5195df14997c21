"""The villages' household pages: the register (/households/: add, edit, move out, import, door cards), the year's
rules and the goods (/households/rules/), the counter (/households/redeem/) and 关联农户 on a problem's page.

Every POST calls the same service function as the API (households.services, households.imports) and shows a
refused input next to the field it names; a form sent twice acts once (core.once). A village cadre never picks or
types their village: it comes from their account; town and district staff choose one of their area's villages.
"""
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import caches
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core import inputs, once
from core.errors import BadInput, DomainError

from . import imports, services
from .models import Good, Household, HouseholdStatus, ItemKind

PAGE_SIZE = 50
IMPORT_ERRORS_TTL = 3600


def _villages(request):
    """(the villages this user keeps, the chosen one or None): one village → that one, else `?village=`."""
    villages = list(services.managed_villages(request.user).select_related("town"))
    if not villages:
        raise Http404("您的账号没有可管理的行政村")
    if len(villages) == 1:
        return villages, villages[0]
    code = request.POST.get("village") or request.GET.get("village") or ""
    return villages, next((v for v in villages if v.code == code), None)


def _back(request, village, **params):
    query = {"village": village.code, **params} if village else params
    return f"{request.path}?{urlencode({k: v for k, v in query.items() if v})}"


def _failed(exc, form, values=None):
    return {"form": form, "field": exc.field, "detail": exc.detail, "values": values or {}}


# --- /households/ ---------------------------------------------------------------------------------------------


def register(request):
    villages, village = _villages(request)
    failed, status, import_result = None, 200, None
    if request.method == "POST" and village is not None:
        url = _back(request, village, group=request.GET.get("group"), q=request.GET.get("q"),
                    page=request.GET.get("page"))
        if not once.first_submit(request):
            return once.repeated(request, url)
        action = request.POST.get("action", "")
        try:
            if action == "import":
                import_result = _import(request, village)
                if not import_result["errors"]:
                    return redirect(url)
            elif action in ("move_out", "restore"):
                code = request.POST.get("household", "")
                status_to = HouseholdStatus.MOVED_OUT if action == "move_out" else HouseholdStatus.ACTIVE
                household, changed = services.set_household_status(request.user, code, status_to)
                messages.success(request, f"已{'迁出' if action == 'move_out' else '恢复在册'}：{household.code} "
                                          f"{household.head}" + ("" if changed else "（原已如此）"))
                return redirect(url)
            else:
                raise BadInput("未知的操作", field="action")
        except DomainError as exc:
            failed, status = _failed(exc, action), 400
            messages.error(request, f"操作未完成：{exc.detail}")
    households, page, groups, counts = None, None, [], {}
    group, q = request.GET.get("group", ""), (request.GET.get("q") or "").strip()[:40]
    if village is not None:
        qs = services.visible_households(request.user).filter(village=village)
        groups = list(qs.order_by("group").values_list("group", flat=True).distinct())
        from django.db.models import Count, Q

        counts = qs.aggregate(all=Count("pk"), active=Count("pk", filter=Q(status=HouseholdStatus.ACTIVE)))
        if group:
            qs = qs.filter(group=group)
        if q:
            qs = qs.filter(Q(code__icontains=q) | Q(head__contains=q) | Q(address__contains=q))
        page = Paginator(qs.order_by("status", "group", "code").only(
            "code", "group", "address", "head", "phone", "members", "resident", "status", "balance", "village_id"),
            PAGE_SIZE).get_page(request.GET.get("page"))
        households = page.object_list
    return render(request, "households/register.html", {
        "villages": villages, "village": village, "households": households, "page": page, "groups": groups,
        "group": group, "q": q, "counts": counts, "failed": failed, "import_result": import_result,
        "may_edit": village is not None and services.is_manager(request.user),
        "personal": village is not None and services.sees_personal(request.user, village.code),
        "columns": "、".join(v[1] for v in imports.COLUMNS.values() if v[0] != "village"),
        "base": reverse("households:register"),  # rows link to base + code + "/edit/" and "/card/" (no reverse each)
    }, status=status)


def _import(request, village):
    upload = request.FILES.get("file")
    if upload is None:
        raise BadInput("请选择要导入的表格文件（.xlsx 或 .csv）", field="file")
    if upload.size > 20 * 1024 * 1024:
        raise BadInput("文件过大（上限 20 MB）", field="file")
    try:
        result = imports.import_file(request.user, upload.read(), upload.name, village=village.code)
    except DomainError as exc:
        raise BadInput(exc.detail, field="file") from None
    summary = (f"共 {result.total} 行：新建 {result.created}，更新 {result.updated}，未变 {result.unchanged}，"
               f"失败 {len(result.errors)}")
    errors_url = None
    if result.errors:
        from core.spreadsheets import errors_workbook

        token = once.new_token()
        caches["shared"].set(f"household-import-errors:{request.user.pk}:{token}", errors_workbook(result),
                             IMPORT_ERRORS_TTL)
        errors_url = reverse("households:import-errors", args=[token])
        messages.warning(request, f"已导入，部分行未导入：{summary}")
    else:
        messages.success(request, f"已导入：{summary}")
    return {"summary": summary, "errors": result.errors[:200], "errors_url": errors_url}


def import_errors(request, token):
    """The bad rows of the user's last imports (kept an hour), as a workbook to fix and upload again."""
    from core.spreadsheets import xlsx_response

    content = caches["shared"].get(f"household-import-errors:{request.user.pk}:{token}")
    if content is None:
        raise Http404("错误行文件已过期，请重新导入")
    return xlsx_response(content, "农户导入错误行.xlsx")


HOUSEHOLD_FIELDS = ("code", "group", "address", "head", "phone", "members", "resident", "longitude", "latitude")


def household_form(request, code=None):
    """Add a household (/households/new/) or edit one (/households/<code>/edit/)."""
    household = None
    if code is not None:
        try:
            household = services.household_for(request.user, code)
        except DomainError:
            raise Http404("农户不存在或不在您的辖区内") from None
        village = household.village
        if not services.may_score(request.user, household):
            raise Http404("您的角色不能修改该户")
    else:
        _, village = _villages(request)
        if village is None:
            return redirect("households:register")
    failed, status = None, 200
    back = f"{reverse('households:register')}?{urlencode({'village': village.code})}"
    if request.method == "POST":
        if not once.first_submit(request):
            return once.repeated(request, back)
        data = {f: request.POST.get(f, "") for f in HOUSEHOLD_FIELDS}
        try:
            if household is None:
                saved, created = services.add_household(request.user, village=village.code, data=data)
                messages.success(request, f"已登记农户：{saved.code} {saved.head}"
                                          + ("" if created else "（原已登记）"))
            else:
                saved = services.edit_household(request.user, household.code, data=data)
                messages.success(request, f"已保存：{saved.code} {saved.head}")
            return redirect(back)
        except DomainError as exc:
            failed, status = _failed(exc, "household", request.POST), 400
            if failed["field"] in ("longitude", "latitude"):
                failed["field"] = "location"
            messages.error(request, f"未保存：{exc.detail}")
    values = failed["values"] if failed else ({
        "code": household.code, "group": household.group, "address": household.address, "head": household.head,
        "phone": household.phone, "members": household.members, "resident": "是" if household.resident else "否",
        "longitude": f"{household.location.x:.6f}", "latitude": f"{household.location.y:.6f}",
    } if household else {"members": 1, "resident": "是"})
    return render(request, "households/household_form.html", {
        "household": household, "village": village, "values": values, "failed": failed, "back": back,
    }, status=status)


def door_cards(request):
    """Every active household's door card of a village (or one group), to print on A4, two columns."""
    _, village = _villages(request)
    if village is None:
        return redirect("households:register")
    import segno

    qs = services.visible_households(request.user).filter(village=village, status=HouseholdStatus.ACTIVE)
    if request.GET.get("group"):
        qs = qs.filter(group=request.GET["group"])
    cards = []
    for h in qs.order_by("group", "code")[:2000]:
        url = request.build_absolute_uri(reverse("households:lookup", args=[h.code]))
        cards.append({"household": h, "head": services.mask(h.head),
                      "qr_svg": segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff")})
    return render(request, "households/cards.html", {"village": village, "cards": cards,
                                                     "group": request.GET.get("group", "")})


# --- /households/redeem/ --------------------------------------------------------------------------------------


def redeem(request):
    """The 积分超市 counter: find the household (door-card QR by the phone's camera, its code, or the head's name),
    see its balance and the goods, 兑换; the balance before and after shows once done."""
    villages, village = _villages(request)
    code = (request.POST.get("household") or request.GET.get("code") or "").strip()
    q = (request.GET.get("q") or "").strip()
    failed, status, found, household = None, 200, [], None
    if request.method == "POST":
        url = _back(request, village, code=code)
        if not once.first_submit(request):
            return once.repeated(request, url)
        try:
            before = services.household_for(request.user, code).balance
            quantity = request.POST.get("quantity", "1").strip()
            entry = services.redeem(request.user, code, good=request.POST.get("good", ""),
                                    quantity=int(quantity) if quantity.isdigit() else quantity)
            after = entry.household.balance
            messages.success(request, f"已兑换 {entry.good.name}×{entry.quantity}：{entry.household.head} 的积分 "
                                      f"{before} → {after}")
            request.session["households.redeemed"] = {"entry": entry.pk, "code": code, "before": before,
                                                      "after": after, "what": f"{entry.good.name}×{entry.quantity}"}
            return redirect(url)
        except DomainError as exc:
            failed, status = _failed(exc, request.POST.get("good", ""), request.POST), exc.status_code
            messages.error(request, f"兑换未完成：{exc.detail}")
    elif q:
        try:
            found = services.find_households(request.user, village, q) if village else []
        except DomainError as exc:
            failed, status = _failed(exc, "find"), 400
        if len(found) == 1:
            return redirect(_back(request, village, code=found[0].code))
        if not found and failed is None:
            failed, status = {"form": "find", "field": "q", "detail": f"没有找到“{q}”：请核对户编号或户主姓名"}, 404
    if code:
        try:
            household = services.household_for(request.user, code)
        except DomainError:
            household = None
            if failed is None:
                failed, status = {"form": "find", "field": "q", "detail": f"没有找到户编号为 {code} 的农户"}, 404
        if household is not None and village is not None and household.village_id != village.code:
            household, failed, status = None, {"form": "find", "field": "q",
                                               "detail": f"户编号 {code} 不是{village.name}的农户"}, 404
    goods, done = [], None
    if household is not None:
        goods = list(Good.objects.filter(village_id=household.village_id, active=True).order_by("name"))
        if request.method == "GET":
            done = request.session.pop("households.redeemed", None)
            if done and done["code"] != household.code:
                done = None
    return render(request, "households/redeem.html", {
        "villages": villages, "village": village, "q": q, "found": found, "household": household,
        "goods": goods, "failed": failed, "done": done,
        "may_redeem": household is not None and services.may_score(request.user, household),
    }, status=status)


# --- /households/rules/ ---------------------------------------------------------------------------------------

ITEM_ROWS_BLANK = 3


def rules(request):
    """The year's 积分细则 of a village (copied from the district's reference set, then edited) and its goods; the
    district's staff also keep the reference set (村 = 区级参考细则)."""
    villages, village = _villages(request)
    today = timezone.localdate()
    try:
        year = inputs.number(request.POST.get("year") or request.GET.get("year") or today.year, "year", 2000, 2100,
                             integer=True)
    except BadInput:
        year = today.year
    district_staff = services.may_publish_reference(request.user)
    reference = district_staff and (request.POST.get("village") or request.GET.get("village")) == "reference"
    failed, status = None, 200
    if request.method == "POST" and (village is not None or reference):
        url = f"{request.path}?{urlencode({'village': 'reference' if reference else village.code, 'year': year})}"
        if not once.first_submit(request):
            return once.repeated(request, url)
        action = request.POST.get("action", "")
        try:
            target = None if reference else village.code
            if action == "copy":
                services.save_rules(request.user, village=target, year=year)
                messages.success(request, f"已从区级参考细则复制 {year} 年积分细则")
            elif action == "save":
                items = _posted_items(request.POST)
                board_n = request.POST.get("board_n", "").strip()
                services.save_rules(request.user, village=target, year=year, items=items,
                                    board_n=int(board_n) if board_n.isdigit() else None,
                                    valid_from=request.POST.get("valid_from") or None)
                messages.success(request, f"已保存 {year} 年积分细则（{len(items)} 项）")
            elif action == "add_good" and not reference:
                price, stock = request.POST.get("price", "").strip(), request.POST.get("stock", "").strip()
                good = services.create_good(request.user, village=village.code,
                                            name=inputs.text(request.POST.get("name", ""), "name", 100),
                                            price=int(price) if price.isdigit() else price,
                                            stock=int(stock) if stock.isdigit() else stock)
                messages.success(request, f"已添加兑换物品：{good.name}（{good.price} 分，库存 {good.stock}）")
            elif action in ("restock", "off", "on") and not reference:
                good = services.change_good(request.user, request.POST.get("good", ""),
                                            add_stock=request.POST.get("add_stock", "") if action == "restock"
                                            else None,
                                            active={"off": False, "on": True}.get(action))
                messages.success(request, {"restock": f"已补货：{good.name}，库存 {good.stock}",
                                           "off": f"已下架：{good.name}", "on": f"已上架：{good.name}"}[action])
            else:
                raise BadInput("未知的操作", field="action")
            return redirect(url)
        except DomainError as exc:
            failed, status = _failed(exc, action + (request.POST.get("good", "") if action in (
                "restock", "off", "on") else ""), request.POST), 400
            messages.error(request, f"未保存：{exc.detail}")
    ruleset, items, goods, has_reference = None, [], [], False
    day = today if today.year == year else (date(year, 1, 1) if year > today.year
                                            else date(year, 12, 31))
    if village is not None or reference:
        from geo import scope

        from .models import RuleSet

        district = scope.district_of(village.code if village else scope.of(request.user))
        ref = RuleSet.objects.filter(district_id=district, village=None, year=year).first()
        has_reference = ref is not None
        ruleset = ref if reference else services.ruleset_of(village.code, year)
        if ruleset is not None:
            items = services.rules_json(ruleset, day)["items"]
        if village is not None and not reference:
            goods = list(Good.objects.filter(village=village).order_by("-active", "name"))
    if failed and failed["form"] == "save":
        rows = _posted_rows(request.POST)
    else:
        rows = [{"key": i["key"], "name": i["name"], "category": i["category"], "points": i["points"],
                 "kind": i["kind"]} for i in items] + [{"key": "", "name": "", "category": "", "points": "",
                                                        "kind": "monthly"} for _ in range(ITEM_ROWS_BLANK)]
    may_edit = (reference and district_staff) or (village is not None and services.may_manage_village(
        request.user, village))
    if failed and failed["field"] and failed["field"].startswith("items["):
        failed["row"] = int(failed["field"][6:failed["field"].index("]")])
    return render(request, "households/rules.html", {
        "villages": villages, "village": village, "reference": reference, "district_staff": district_staff,
        "year": year, "years": [today.year - 1, today.year, today.year + 1], "ruleset": ruleset, "rows": rows,
        "kinds": ItemKind.choices, "goods": goods, "failed": failed, "has_reference": has_reference,
        "may_edit": may_edit, "valid_from": (request.POST.get("valid_from") if failed else "") or max(
            today, date(year, 1, 1)).isoformat(),
    }, status=status)


def _posted_rows(post):
    keys = post.getlist("item_key")
    columns = {f: post.getlist(f"item_{f}") for f in ("name", "category", "points", "kind")}
    return [{"key": k, **{f: (columns[f][i] if i < len(columns[f]) else "") for f in columns}}
            for i, k in enumerate(keys)]


def _posted_items(post):
    """The items table of the form as the service's `items`: blank rows dropped, points as integers where they
    are integers (the service names a bad one by its row)."""
    items = []
    for row in _posted_rows(post):
        if not any(str(row[f]).strip() for f in ("key", "name", "points")):
            continue
        points = str(row["points"]).strip()
        items.append({"key": row["key"].strip(), "name": row["name"].strip(), "category": row["category"].strip(),
                      "points": int(points) if points.lstrip("-").isdigit() else points, "kind": row["kind"]})
    if not items:
        raise BadInput("细则至少要有一个项目", field="items")
    return items


# --- 关联农户 on /issues/<id>/ ------------------------------------------------------------------------------------


def issue_panel(sender=None, request=None, issue=None, **_):
    """patrol.signals.issue_page_panels: the 关联农户 panel of a problem's page, for whoever may link its
    households (the village's own staff and their town); the link already made, for everyone who sees the
    problem."""
    from django.template.loader import render_to_string

    from .models import IssueLink

    link = IssueLink.objects.filter(issue=issue).select_related("household").first()
    user = request.user
    may_link = (link is None and issue.status != "closed" and services.is_manager(user)
                and services.sees_personal(user, issue.village_id) and user.role != "leader")
    if link is None and not may_link:
        return None
    failed = getattr(request, "household_link_failed", None)
    items, households = [], []
    if may_link:
        ruleset = services.ruleset_of(issue.village_id, timezone.localdate().year)
        if ruleset is not None:
            items = [i for i in services.rules_json(ruleset, timezone.localdate())["items"] if i["points"] < 0]
        households = list(services.visible_households(user).filter(village_id=issue.village_id,
                                                                   status=HouseholdStatus.ACTIVE)
                          .order_by("group", "code").only("code", "group", "head", "address")[:3000])
    return render_to_string("households/_issue_panel.html", {
        "issue": issue, "link": link, "may_link": may_link, "items": items, "households": households,
        "failed": failed, "head": link and (link.household.head if services.sees_personal(
            user, link.household.village_id) else services.mask(link.household.head)),
    }, request=request)


def link_issue(request, pk):
    """POST from the 关联农户 panel: services.link_issue, as the API's POST /api/households/<code>/issues/."""
    from patrol import pages as patrol_pages

    if request.method != "POST":
        return redirect("patrol:issue-detail", pk=pk)
    if not once.first_submit(request):
        return once.repeated(request, reverse("patrol:issue-detail", args=[pk]))
    code = request.POST.get("household", "")
    try:
        if not code:
            raise BadInput("请选择农户", field="household")
        link = services.link_issue(request.user, code, issue=pk, item=request.POST.get("item", ""))
    except DomainError as exc:
        field = exc.field or ("household" if "农户" in exc.detail else None)
        field = {"code": "household", "issue": None}.get(field, field)
        request.household_link_failed = {"field": field, "detail": exc.detail, "values": request.POST}
        messages.error(request, f"关联未完成：{exc.detail}")
        request.method = "GET"  # the problem's page drawn again, with the error next to the field
        response = patrol_pages.issue_detail(request, pk)
        response.status_code = exc.status_code
        return response
    messages.success(request, f"已关联农户：{link.household.code} {link.household.head}（问题 #{pk}）")
    return redirect("patrol:issue-detail", pk=pk)


__all__ = ["register", "household_form", "door_cards", "redeem", "rules", "issue_panel", "link_issue",
           "import_errors", "Household"]
