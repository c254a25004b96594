"""core/files.py: Teams' file attachment and consent shapes, and which URLs the bot may use."""

from __future__ import annotations

import pytest

from core.files import (
    FILE_CONSENT_CARD,
    FILE_DOWNLOAD_INFO,
    consent_answer,
    consent_card,
    content_range,
    file_url_allowed,
    inbound_files,
    safe_filename,
)

TOKEN = "abcdefghijklmnopqrstuvwxyz012345"


def test_only_file_download_info_attachments_are_files() -> None:
    files = inbound_files(
        [
            {"contentType": "text/html", "content": "<p>hej</p>"},
            {"contentType": "image/*", "contentUrl": "https://x"},
            {
                "contentType": FILE_DOWNLOAD_INFO,
                "contentUrl": "https://contoso.sharepoint.com/personal/a/Documents/v.xlsx",
                "name": "v.xlsx",
                "content": {
                    "downloadUrl": "https://contoso.sharepoint.com/dl?tempauth=1",
                    "uniqueId": "1150D938",
                    "fileType": "XLSX",
                    "etag": "123",
                },
            },
            {"contentType": FILE_DOWNLOAD_INFO, "name": "broken.csv", "content": {}},
        ]
    )
    assert [(f.name, f.file_type, f.unique_id) for f in files] == [("v.xlsx", "xlsx", "1150D938")]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://contoso-my.sharepoint.com/personal/a/_layouts/15/download.aspx?x=1", True),
        ("https://contoso.sharepoint.us/x", True),
        ("http://contoso.sharepoint.com/x", False),  # not https
        ("https://contoso.sharepoint.com:8443/x", False),
        ("https://sharepoint.com.evil.example/x", False),
        ("https://evilsharepoint.com/x", False),
        ("https://user:pw@contoso.sharepoint.com/x", False),
        ("http://169.254.169.254/latest/meta-data", False),
        ("http://127.0.0.1:8080/x", False),  # loopback only when listed
        ("file:///etc/passwd", False),
        ("", False),
        (None, False),
    ],
)
def test_file_urls_are_sharepoint_only(url: object, allowed: bool) -> None:
    assert file_url_allowed(url) is allowed


def test_listed_hosts_are_allowed_with_their_port_and_loopback_over_http() -> None:
    assert file_url_allowed("http://127.0.0.1:8080/upload/1", ["127.0.0.1:8080"])
    assert not file_url_allowed("http://127.0.0.1:8081/upload/1", ["127.0.0.1:8080"])
    assert not file_url_allowed("http://files.example:8080/x", ["files.example:8080"])
    assert file_url_allowed("https://files.example:8080/x", ["files.example:8080"])


def test_consent_answers_read_accept_and_decline_and_refuse_anything_else() -> None:
    card = consent_card("värden.csv", 120, "Export", TOKEN)
    assert card["contentType"] == FILE_CONSENT_CARD
    assert card["content"]["acceptContext"] == {"token": TOKEN}
    accept = {
        "type": "fileUpload",
        "action": "accept",
        "context": card["content"]["acceptContext"],
        "uploadInfo": {
            "contentUrl": "https://contoso.sharepoint.com/a/v.csv",
            "name": "värden.csv",
            "uploadUrl": "https://contoso.sharepoint.com/upload?x",
            "uniqueId": "U1",
            "fileType": "csv",
        },
    }
    answer = consent_answer(accept)
    assert answer is not None and answer.accepted and answer.token == TOKEN
    assert answer.upload_url == "https://contoso.sharepoint.com/upload?x"
    declined = consent_answer({"action": "decline", "context": {"token": TOKEN}})
    assert declined is not None and not declined.accepted
    assert consent_answer({**accept, "uploadInfo": None}) is None
    assert consent_answer({**accept, "context": {"token": "short"}}) is None
    assert consent_answer({**accept, "action": "maybe"}) is None
    assert consent_answer("accept") is None


def test_content_range_and_safe_names() -> None:
    assert content_range(4348) == "bytes 0-4347/4348"
    assert safe_filename("../../etc/värden Krokom.csv") == "värden Krokom.csv"
    assert safe_filename('a<b>:"c|?.csv') == "a_b___c__.csv"
    assert safe_filename("...") == "export.txt"
