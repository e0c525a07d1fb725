"""HTML sanitising and HTML-to-text for displaying mail."""

from __future__ import annotations

import pytest

from distans.core.mail.html_content import html_to_text, sanitise_html

XSS_VECTORS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)><circle/></svg>",
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="https://evil.example/x.swf"></object>',
    '<form action="https://evil.example"><input name="pw"></form>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<p onclick=alert(1)>x</p>",
    '<img src="data:image/png;base64,AAAA">',
]


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_no_active_content_survives(vector: str) -> None:
    cleaned = sanitise_html(vector).html.lower()
    for marker in ("<script", "javascript:", "onerror", "onload", "onclick", "<iframe",
                   "<object", "<form", "<input", "style=", "<meta", "<base", "<link",
                   "evil.example", "data:"):  # fmt: skip
        assert marker not in cleaned


def test_safe_formatting_is_kept() -> None:
    html = (
        '<p>Hej <b>fet</b> <i>kursiv</i></p><table><tr><td colspan="2">cell</td></tr></table>'
        '<a href="mailto:a@b.se" title="mejl">mejl</a>'
    )
    cleaned = sanitise_html(html).html
    assert "<b>fet</b>" in cleaned and "<i>kursiv</i>" in cleaned
    assert '<td colspan="2">cell</td>' in cleaned
    assert 'href="mailto:a@b.se"' in cleaned


def test_html_to_text_keeps_paragraphs_lists_and_preformatted_text() -> None:
    html = (
        "<html><head><title>T</title><style>x{}</style></head><body>"
        "<h1>Rubrik</h1><p>Första&nbsp;stycket\n  fortsätter</p><br>"
        "<ol><li>ett</li><li>två</li></ol><pre>  kod\n    indrag</pre></body></html>"
    )
    assert html_to_text(html) == (
        "Rubrik\n\nFörsta stycket fortsätter\n\n- ett\n- två\n\n  kod\n    indrag"
    )
