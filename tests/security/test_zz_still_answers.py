"""After everything the suite sent: the same server still answers a normal turn.

Named to run last in each storage mode. The app log must hold no unhandled error.
"""

from __future__ import annotations


def test_a_normal_turn_still_works(target):
    answer = target.send("normal turn afterwards", "normal turn", "POST", "/api/v1/answer",
                         json={"query": "公积金租房提取需要什么材料"})
    assert answer.status_code == 200 and answer.json()["citations"]
    chat = target.send("normal turn afterwards", "normal turn", "POST", "/api/v1/chat",
                       json={"text": "\u0000社保卡怎么补办？"})
    assert chat.status_code == 200
    body = chat.json()
    assert body["user_message"]["text"] == "社保卡怎么补办？" and body["messages"]
    page = target.send("normal turn afterwards", "normal turn", "GET", "/console/items",
                       session=target.staff["sec-editor"])
    assert page.status_code == 200
    log = "".join(p.read_text(errors="replace") for p in (target.home / "logs").glob("*.log"))
    assert "unhandled error" not in log, log[log.find("unhandled error"):][:2000]
