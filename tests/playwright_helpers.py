"""Helpers for the browser tests (Playwright driving Debian's Chromium)."""


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
