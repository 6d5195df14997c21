"""Helpers for the browser tests (Playwright driving Debian's Chromium)."""
import re


def wait_for_js(page, expression, arg=None, timeout=15.0, interval=0.1):
    """Like page.wait_for_function, without eval in the page: Playwright's wait_for_function runs its predicate
    through eval(), which the pages' Content-Security-Policy (no 'unsafe-eval') refuses; page.evaluate comes in
    through the DevTools protocol. Polls until the expression (or function of `arg`) is truthy."""
    import time

    deadline = time.monotonic() + timeout
    from playwright.sync_api import Error

    while True:
        try:
            if page.evaluate(expression, arg):
                return
            last = None
        except Error as exc:  # the page is still loading (element not there yet, navigation in progress)
            last = exc
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {expression!r}: {last or 'still false'}")
        time.sleep(interval)


def watch_errors(page):
    """Collects console errors, page errors and failed responses on `page.errors` (a list)."""
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("response", lambda r: page.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return page


def sign_in(page, base_url, user, password="pass-1234"):
    """Signs in through the login form by its labels; lands on the workbench."""
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def sign_out(page):
    """Signs out through the navbar's 退出 (opening the collapsed navbar on a phone first) and waits until done."""
    toggler = page.get_by_role("button", name="展开导航")
    if toggler.is_visible():
        toggler.click()
    page.get_by_role("button", name="退出").click()
    # The sign-out lands on the login page: wait for that page, not for "a" navigation, which a page still settling
    # (its own late requests) can leave unmatched.
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.wait_for_load_state("networkidle")
