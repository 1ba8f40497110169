"""The mailbox through the real ASGI server (daphne, as production serves it): form, receipt, lookup."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

from channels.testing import ChannelsLiveServerTestCase

from cases.models import Case


class MailboxOverAsgiTest(ChannelsLiveServerTestCase):
    serve_static = False

    def _browser(self) -> urllib.request.OpenerDirector:
        return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def _post(self, browser: urllib.request.OpenerDirector, path: str, form: dict[str, str]) -> str:
        page = browser.open(self.live_server_url + path, timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page
        body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": token.group(1)}).encode()
        url = self.live_server_url + path  # http on loopback, never a user-supplied scheme
        request = urllib.request.Request(url, data=body, headers={"Referer": url})  # noqa: S310
        return browser.open(request, timeout=10).read().decode()

    def test_a_reporter_files_a_report_and_opens_it_with_the_receipt(self) -> None:
        browser = self._browser()
        receipt_page = self._post(
            browser,
            "/report/",
            {
                "category": "machinery",
                "description": "冲床没有防护罩",
                "anonymous": "on",
                "password": "secret-pw",
                "password_again": "secret-pw",
            },
        )
        receipt = re.search(r"\d{4} \d{4} \d{4} \d{4}", receipt_page)
        assert receipt, receipt_page
        assert Case.objects.get().description == "冲床没有防护罩"

        status_page = self._post(
            self._browser(), "/report/status/", {"receipt": receipt.group(), "password": "secret-pw"}
        )
        assert "已收到，等待受理决定" in status_page
