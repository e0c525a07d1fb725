"""Parsing inbound mail: headers, bodies, attachments, limits, malformed input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distans.core.mail.mime_parts import AttachmentLimits, safe_filename
from distans.core.mail.parse import GENERATED_ID_DOMAIN, ParsedMessage, parse_message
from distans.core.mail.problems import ParseProblem

RECEIVED_AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _customer_mail() -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "=?utf-8?q?=C3=85sa_L=C3=B6f?= <Asa.Lof@Example.se>"
    mail["To"] = "Kundtjänst <kundtjanst@kommun.se>"
    mail["Cc"] = "b@example.se"
    mail["Subject"] = "=?iso-8859-1?q?Fr=E5ga_om_r=E4kning?= [#123]"
    mail["Message-ID"] = "<m3@example.se>"
    mail["In-Reply-To"] = "<m2@kommun.se>"
    mail["References"] = "<m1@example.se> <m2@kommun.se>"
    mail["Date"] = "Mon, 23 Nov 2026 09:00:00 +0100"
    mail.set_content("Hej!\nJag undrar över räkningen.")
    return mail


def _parse(mail: EmailMessage | bytes, **kwargs: object) -> ParsedMessage:
    raw = mail if isinstance(mail, bytes) else mail.as_bytes()
    return parse_message(raw, received_at=RECEIVED_AT, **kwargs)  # type: ignore[arg-type]


def test_headers_are_decoded_into_plain_fields() -> None:
    parsed = _parse(_customer_mail())
    assert parsed.message_id == "<m3@example.se>"
    assert parsed.in_reply_to == "<m2@kommun.se>"
    assert parsed.references == ("<m1@example.se>", "<m2@kommun.se>")
    assert parsed.thread_references == ("<m1@example.se>", "<m2@kommun.se>")
    assert (parsed.sender.name, parsed.sender.address) == ("Åsa Löf", "asa.lof@example.se")  # type: ignore[union-attr]
    assert [a.address for a in parsed.to] == ["kundtjanst@kommun.se"]
    assert [a.address for a in parsed.cc] == ["b@example.se"]
    assert parsed.subject == "Fråga om räkning [#123]"
    assert parsed.sent_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert parsed.text_body == "Hej!\nJag undrar över räkningen.\n"
    assert parsed.problems == ()


def test_in_reply_to_is_appended_to_thread_references_when_references_lack_it() -> None:
    mail = _customer_mail()
    del mail["References"]
    assert _parse(mail).thread_references == ("<m2@kommun.se>",)


def test_missing_message_id_is_generated_stably_from_the_bytes() -> None:
    mail = _customer_mail()
    del mail["Message-ID"]
    first, second = _parse(mail), _parse(mail)
    assert first.message_id == second.message_id
    assert first.message_id.endswith(f"@{GENERATED_ID_DOMAIN}>")
    assert first.message_id_generated
    assert ParseProblem.MISSING_MESSAGE_ID in first.problems
    mail.replace_header("Subject", "other")
    assert _parse(mail).message_id != first.message_id


def test_missing_or_bad_date_falls_back_to_received_time() -> None:
    mail = _customer_mail()
    del mail["Date"]
    parsed = _parse(mail)
    assert parsed.sent_at == RECEIVED_AT
    assert ParseProblem.MISSING_DATE in parsed.problems
    parsed = _parse(b"Date: yesterday-ish\r\n" + mail.as_bytes())
    assert parsed.sent_at == RECEIVED_AT
    assert ParseProblem.INVALID_DATE in parsed.problems


def test_date_far_in_the_future_is_not_believed() -> None:
    mail = _customer_mail()
    del mail["Date"]
    mail["Date"] = (RECEIVED_AT + timedelta(days=30)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    parsed = _parse(mail)
    assert parsed.sent_at == RECEIVED_AT
    assert ParseProblem.DATE_IN_FUTURE in parsed.problems


def test_html_only_mail_gets_a_text_body_and_sanitised_html() -> None:
    mail = _customer_mail()
    mail.set_content(
        "<html><head><style>p{color:red}</style></head>"
        '<body onload="steal()"><p>Hej &amp; välkommen</p>'
        "<script>alert(1)</script>"
        '<img src="https://tracker.example/pixel.gif"><img src="cid:logo@x">'
        '<a href="javascript:alert(1)">klick</a><a href="https://ok.example">ok</a>'
        "<ul><li>ett</li><li>två</li></ul></body></html>",
        subtype="html",
    )
    parsed = _parse(mail)
    assert parsed.text_body == "Hej & välkommen\nklickok\n\n- ett\n- två"
    html = parsed.html_body or ""
    for forbidden in ("script", "alert", "onload", "style", "tracker.example", "javascript"):
        assert forbidden not in html
    assert 'src="cid:logo@x"' in html
    assert 'href="https://ok.example"' in html and "noopener" in html
    assert parsed.remote_images_blocked == 1


def test_remote_images_are_replaced_by_a_placeholder_when_asked() -> None:
    mail = _customer_mail()
    mail.set_content('<img src="http://t.example/x.gif">', subtype="html")
    parsed = _parse(mail, blocked_image_src="/static/mail/blocked.svg")
    assert parsed.html_body == '<img src="/static/mail/blocked.svg">\n'
    allowed = _parse(mail, allow_remote_images=True)
    assert allowed.html_body is not None and "http://t.example/x.gif" in allowed.html_body


def test_attachments_over_the_limits_are_dropped_and_listed() -> None:
    mail = _customer_mail()
    mail.add_attachment(b"a" * 100, maintype="application", subtype="pdf", filename="faktura.pdf")
    mail.add_attachment(b"b" * 5000, maintype="image", subtype="png", filename="stor.png")
    mail.add_attachment(
        b"c" * 900, maintype="text", subtype="csv", filename="=?utf-8?q?l=C3=A5ng.csv?="
    )
    mail.add_attachment(b"d" * 900, maintype="application", subtype="zip", filename="../../x.zip")
    limits = AttachmentLimits(max_attachment_bytes=1000, max_total_attachment_bytes=1500)
    parsed = _parse(mail, limits=limits)
    kept = [(a.filename, a.content_type, a.size_bytes) for a in parsed.attachments]
    assert kept == [("faktura.pdf", "application/pdf", 100), ("lång.csv", "text/csv", 900)]
    assert parsed.attachments[0].content == b"a" * 100
    dropped = [(d.filename, d.size_bytes, d.reason) for d in parsed.dropped_attachments]
    assert dropped == [
        ("stor.png", 5000, ParseProblem.ATTACHMENT_TOO_LARGE),
        ("x.zip", 900, ParseProblem.ATTACHMENTS_OVER_MESSAGE_LIMIT),
    ]
    assert ParseProblem.ATTACHMENT_TOO_LARGE in parsed.problems
    assert parsed.text_body.startswith("Hej!")


def test_forwarded_message_is_kept_whole_as_one_attachment() -> None:
    inner = _customer_mail()
    outer = EmailMessage()
    outer["From"] = "kollega@kommun.se"
    outer["Subject"] = "Fwd: Fråga"
    outer.set_content("Se nedan.")
    outer.add_attachment(inner)
    parsed = _parse(outer)
    assert parsed.text_body == "Se nedan.\n"
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("forwarded-message.eml", "message/rfc822")
    ]
    assert b"Message-ID: <m3@example.se>" in parsed.attachments[0].content


def test_safe_filename_strips_paths_and_control_characters() -> None:
    assert safe_filename("C:\\Users\\x\\evil\x01.exe", "application/x-msdownload", 1) == "evil_.exe"
    assert safe_filename(None, "application/pdf", 3) == "attachment-3.pdf"
    assert safe_filename("..", "application/octet-stream", 2) == "attachment-2.bin"
    assert len(safe_filename("a" * 500 + ".pdf", "application/pdf", 1)) <= 200


def test_latin1_body_with_lying_charset_and_raw_8bit_headers_is_readable() -> None:
    raw = (
        b"From: \xc5sa <asa@example.se>\r\n"
        b"Subject: Hj\xe4lp\r\n"
        b"Content-Type: text/plain; charset=klingon\r\n"
        b"\r\n"
        b"Jag beh\xf6ver hj\xe4lp\r\n"
    )
    parsed = _parse(raw)
    assert parsed.text_body == "Jag behöver hjälp\n"
    assert parsed.subject == "Hjälp"
    assert parsed.sender is not None and parsed.sender.address == "asa@example.se"
    assert ParseProblem.UNKNOWN_CHARSET in parsed.problems


def test_broken_multipart_without_closing_boundary_still_gives_the_text() -> None:
    raw = (
        b"From: a@example.se\r\nMessage-ID: <b@x>\r\n"
        b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n"
        b"--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHej d\xc3\xa5\r\n"
        b"--zz\r\nContent-Type: application/pdf; name=a.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64"
    )
    parsed = _parse(raw)
    assert parsed.text_body.startswith("Hej då")
    assert ParseProblem.BROKEN_MIME in parsed.problems
    assert [a.filename for a in parsed.attachments] == ["a.pdf"]


def test_empty_input_gives_problems_not_an_exception() -> None:
    parsed = _parse(b"")
    assert {ParseProblem.MISSING_MESSAGE_ID, ParseProblem.MISSING_FROM} <= set(parsed.problems)
    assert parsed.sender is None and parsed.text_body == ""


def _assert_storable(parsed: ParsedMessage) -> None:
    for text in (parsed.subject, parsed.text_body, parsed.html_body or "", parsed.message_id):
        text.encode("utf-8")  # no lone surrogates
        assert "\x00" not in text
    assert parsed.sent_at.tzinfo is not None
    assert all(isinstance(p, ParseProblem) for p in parsed.problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash_the_parser(raw: bytes) -> None:
    _assert_storable(_parse(raw))


_header_names = st.sampled_from(
    ["From", "To", "Cc", "Subject", "Date", "Message-ID", "References", "In-Reply-To",
     "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Auto-Submitted",
     "MIME-Version", "Reply-To", "Return-Path"]
)  # fmt: skip
_header_values = st.one_of(
    st.binary(max_size=80),
    st.sampled_from(
        [b"=?utf-8?b?w6U=?=", b"=?bogus?q?x?=", b"multipart/mixed; boundary=b",
         b"text/plain; charset=\"x-unknown\"", b"base64", b"quoted-printable",
         b"attachment; filename*=utf-8''%E5%ZZ", b"<a@b> <<c>", b"\"\" <>", b"@@@,,,;:"]
    ),
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(_header_names, _header_values), max_size=12),
    st.lists(st.one_of(st.binary(max_size=200), st.just(b"--b"), st.just(b"--b--")), max_size=8),
)
def test_mail_shaped_garbage_never_crashes_the_parser(
    headers: list[tuple[str, bytes]], body_lines: list[bytes]
) -> None:
    raw = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers)
    raw += b"\r\n" + b"\r\n".join(body_lines)
    _assert_storable(_parse(raw))


def test_pathologically_nested_mime_is_kept_as_unparseable_not_raised() -> None:
    # given 3,000 nested multiparts (the stdlib parser recurses per level)
    raw = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(3000)
    )
    parsed = _parse(raw)
    # then the message is still returned, flagged, with its raw text as the body
    assert parsed.problems == (ParseProblem.UNPARSEABLE,)
    assert parsed.text_body.startswith("Content-Type: multipart/mixed")
    _assert_storable(parsed)


def test_many_parts_stop_at_the_part_limit() -> None:
    mail = _customer_mail()
    for i in range(30):
        mail.add_attachment(b"x", maintype="application", subtype="octet-stream", filename=f"{i}")
    parsed = _parse(mail, limits=AttachmentLimits(max_parts=10))
    assert ParseProblem.TOO_MANY_PARTS in parsed.problems
    assert len(parsed.attachments) < 10


def test_empty_plain_part_falls_back_to_the_html_and_cid_images_are_inline() -> None:
    mail = _customer_mail()
    mail.set_content(" \n")
    mail.add_alternative('<p>Riktig text</p><img src="cid:logo@x">', subtype="html")
    html_part = mail.get_payload()[1]
    html_part.make_related()
    html_part.add_related(b"\x89PNG", maintype="image", subtype="png", cid="<logo@x>")
    parsed = _parse(mail)
    assert parsed.text_body == "Riktig text"
    [image] = parsed.attachments
    assert (image.content_id, image.inline, image.content_type) == ("logo@x", True, "image/png")
