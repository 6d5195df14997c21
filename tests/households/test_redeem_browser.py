"""The 积分超市 counter (/households/redeem/) in Chromium at a phone's 390 × 844: a village cadre photographs the
door card (a rendered card fed to the page's scanner) or holds it to the live camera (Chromium's fake camera
playing the rendered card), sees the balance, 兑换, and sees it before and after; a bad
quantity is named next to the field; a double click redeems once; two cadres at once for the last item: one gets
it, the other reads 库存不足."""
import os

import pytest
from django.utils import timezone

from households import services
from households.models import Good, Household, PointEntry
from tests.factories import make_geography, make_user
from tests.households.conftest import ITEMS, V1, make_household
from tests.playwright_helpers import sign_in, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


def _counter(balance=30, stock=3):
    make_geography()
    staff = make_user("village", V1, "counter1")
    today = timezone.localdate()
    services.save_rules(staff, village=V1, year=today.year, board_n=2, items=ITEMS, today=today.replace(month=1, day=1))
    make_household("JC-1-007", head="陈秀英", address="一组7号")
    make_household("JC-1-008", head="陈建国", address="一组8号")
    Household.objects.filter(code="JC-1-007").update(balance=balance)
    good = services.create_good(staff, village=V1, name="电饭煲", price=10, stock=stock)
    return staff, good


def _phone(browser, live_server, user):
    context = browser.new_context(**PHONE)
    context.set_default_timeout(40_000)
    page = watch_errors(context.new_page())
    sign_in(page, live_server.url, user)
    return context, page


def test_scan_the_door_card_and_redeem_with_balance_before_and_after(browser, live_server, tmp_path):
    staff, good = _counter()
    context, page = _phone(browser, live_server, staff)
    try:
        # The door card as the cadre printed it, rendered by Chromium and photographed.
        card = context.new_page()
        card.goto(live_server.url + "/households/JC-1-007/card/")
        shot = tmp_path / "door-card.png"
        card.locator(".card").screenshot(path=str(shot))
        card.close()

        page.goto(live_server.url + "/households/redeem/")
        page.get_by_label("拍照扫码").set_input_files(str(shot))
        page.wait_for_url("**/households/redeem/?*code=JC-1-007*")
        page.wait_for_load_state("networkidle")
        household = page.get_by_test_id("household")
        assert "陈秀英" in household.inner_text()
        assert page.get_by_test_id("balance").inner_text() == "30"

        form = page.get_by_test_id(f"good-{good.pk}")
        form.get_by_label("数量").fill("abc")
        form.get_by_role("button", name="兑换").click()
        page.wait_for_load_state("networkidle")
        form = page.get_by_test_id(f"good-{good.pk}")
        assert "quantity 应为正整数" in form.get_by_test_id("field-error").inner_text()
        assert not PointEntry.objects.exists() and Good.objects.get().stock == 3

        form.get_by_label("数量").fill("2")
        form.get_by_role("button", name="兑换").click()
        page.wait_for_load_state("networkidle")
        assert "已兑换 电饭煲×2：陈秀英 的积分 30 → 10" in page.get_by_test_id("messages").inner_text()
        assert "兑换前 30 分 → 兑换后 10 分" in page.get_by_test_id("redeemed").inner_text()
        assert page.get_by_test_id("balance").inner_text() == "10"
        assert Household.objects.get(code="JC-1-007").balance == 10 and Good.objects.get().stock == 1
        entry = PointEntry.objects.get()
        assert (entry.kind, entry.points, entry.quantity, entry.actor_id) == ("redemption", -20, 2, staff.pk)
        assert [e for e in page.errors if " 400 " not in f" {e} "] == []  # the refused form answered 400
    finally:
        context.close()


def test_find_by_name_and_a_double_click_redeems_once(browser, live_server):
    staff, good = _counter()
    context, page = _phone(browser, live_server, staff)
    try:
        page.goto(live_server.url + "/households/redeem/")
        page.get_by_label("户编号或户主姓名").fill("陈")
        page.get_by_role("button", name="查找").click()
        page.wait_for_load_state("networkidle")
        page.get_by_test_id("found").get_by_role("link", name="陈秀英").click()
        page.wait_for_load_state("networkidle")
        assert page.get_by_test_id("balance").inner_text() == "30"
        page.get_by_test_id(f"good-{good.pk}").get_by_role("button", name="兑换").dblclick()
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        assert PointEntry.objects.filter(kind="redemption").count() == 1
        assert Household.objects.get(code="JC-1-007").balance == 20 and Good.objects.get().stock == 2

        page.get_by_label("户编号或户主姓名").fill("没有这个人")
        page.get_by_role("button", name="查找").click()
        page.wait_for_load_state("networkidle")
        assert "没有找到“没有这个人”" in page.get_by_test_id("field-error").inner_text()
    finally:
        context.close()


def test_two_cadres_redeem_the_last_item_at_once(browser, live_server):
    staff, good = _counter(stock=1)
    other = make_user("village", V1, "counter2")
    pages, contexts = [], []
    try:
        for user in (staff, other):
            context, page = _phone(browser, live_server, user)
            contexts.append(context)
            page.goto(live_server.url + "/households/redeem/")
            page.get_by_label("户编号或户主姓名").fill("JC-1-007")
            page.get_by_role("button", name="查找").click()
            page.wait_for_load_state("networkidle")
            assert page.get_by_test_id("balance").inner_text() == "30"
            pages.append(page)
        # Both press 兑换 at the same moment: each click is sent without waiting for the other's answer.
        buttons = [p.get_by_test_id(f"good-{good.pk}").get_by_role("button", name="兑换") for p in pages]
        for b in buttons:
            b.click(no_wait_after=True)
        for p in pages:
            p.wait_for_load_state("networkidle")
            p.get_by_test_id("messages").wait_for()
        texts = sorted(p.get_by_test_id("messages").inner_text() for p in pages)
        assert sum("已兑换 电饭煲×1" in t for t in texts) == 1, texts
        assert sum("库存不足" in t for t in texts) == 1, texts
        assert Good.objects.get().stock == 0 and Household.objects.get(code="JC-1-007").balance == 20
        assert PointEntry.objects.filter(kind="redemption").count() == 1
    finally:
        for c in contexts:
            c.close()



def _y4m(png, path):
    """A still image as a Y4M video (4:2:0), what Chromium's fake camera plays in a loop."""
    from PIL import Image

    image = Image.open(png).convert("RGB")
    w, h = (image.width // 2) * 2 + 80, (image.height // 2) * 2 + 80
    framed = Image.new("RGB", (w, h), "white")
    framed.paste(image, (40, 40))
    y, cb, cr = framed.convert("YCbCr").split()
    cb, cr = (c.resize((w // 2, h // 2)) for c in (cb, cr))
    frame = b"FRAME\n" + y.tobytes() + cb.tobytes() + cr.tobytes()
    path.write_bytes(f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * 10)


def test_the_live_camera_reads_the_door_card(browser, live_server, tmp_path):
    """打开摄像头扫码: Chromium's fake camera shows the rendered door card; the page finds the household."""
    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    staff, _ = _counter()
    context, page = _phone(browser, live_server, staff)
    try:
        page.goto(live_server.url + "/households/JC-1-007/card/")
        shot = tmp_path / "door-card.png"
        page.locator(".card").screenshot(path=str(shot))
        cookies = context.cookies()
    finally:
        context.close()
    video = tmp_path / "camera.y4m"
    _y4m(shot, video)
    # A second Chromium of the same Playwright, started with a fake camera that plays the card.
    camera = browser.browser_type.launch(executable_path=CHROMIUM, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        context = camera.new_context(**PHONE, permissions=["camera"])
        context.add_cookies(cookies)
        page = watch_errors(context.new_page())
        page.set_default_timeout(40_000)
        page.goto(live_server.url + "/households/redeem/")
        page.get_by_role("button", name="打开摄像头扫码").click()
        page.wait_for_url("**/households/redeem/?*code=JC-1-007*")
        page.wait_for_load_state("networkidle")
        assert "陈秀英" in page.get_by_test_id("household").inner_text()
        assert page.get_by_test_id("balance").inner_text() == "30"
        assert page.errors == []
    finally:
        camera.close()
