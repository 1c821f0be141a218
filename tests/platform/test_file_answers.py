"""Actions that answer files: text or bytes, with a content type and a file name."""

from __future__ import annotations

from urllib.parse import quote

from probe_client import act

from hub.testing import Harness


async def test_a_text_file_is_answered_as_an_attachment(probe: Harness) -> None:
    response = await act(probe, "label", {"patient": "Иванов И. И."})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zpl; charset=utf-8"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"label.zpl\"; filename*=UTF-8''label.zpl"
    )
    assert response.text == "^XA^CI28^FO50,50^A0N,40,40^FDИванов И. И.^FS^XZ"


async def test_bytes_are_answered_unchanged_with_a_non_ascii_file_name(probe: Harness) -> None:
    response = await act(probe, "report", {"filename": "результаты.pdf"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert disposition.endswith(f"filename*=UTF-8''{quote('результаты.pdf')}")


async def test_a_file_name_cannot_break_out_of_the_header(probe: Harness) -> None:
    response = await act(probe, "report", {"filename": 'a"b\r\nSet-Cookie: x=1/..\\c.pdf'})
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    assert response.headers["content-disposition"].startswith("attachment; filename=\"a'b__")


async def test_other_actions_still_answer_json(probe: Harness) -> None:
    response = await act(probe, "peek")
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"items": {}}
