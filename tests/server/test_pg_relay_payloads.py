"""The relay's notifications: a batch of messages in as few payloads as fit,
each after its sender's origin; a server applies the others' messages, in
order, and skips its own. (Across two real servers: test_replicas.py.)"""

from __future__ import annotations

import json

from server.hub import Hub
from server.store.pg_relay import _PAYLOAD_LIMIT, PgRelay, pack


def relay() -> PgRelay:
    return PgRelay("postgresql://unused", Hub(), store=None)


def test_a_batch_travels_in_as_few_payloads_as_fit_in_order() -> None:
    messages = [json.dumps({"k": "s", "s": f"log:{n}" + "x" * 1000}) for n in range(20)]
    payloads = pack("origin\n", messages)
    assert 1 < len(payloads) < len(messages)
    assert all(len(p) <= _PAYLOAD_LIMIT and p.startswith("origin\n") for p in payloads)
    assert [line for p in payloads for line in p.split("\n")[1:]] == messages


def test_a_small_batch_is_one_payload() -> None:
    assert pack("o\n", ["{}", "[]"]) == ["o\n{}\n[]"]
    assert pack("o\n", []) == []


async def test_the_others_messages_are_applied_and_its_own_skipped() -> None:
    here, there = relay(), relay()
    fired = [here.hub.signals.listen(f"log:{n}") for n in range(3)]
    mine = [there.hub.signals.listen(f"log:{n}") for n in range(3)]
    messages = [json.dumps({"k": "s", "s": f"log:{n}"}) for n in range(2)]
    (payload,) = pack(there._prefix, messages)
    await here._apply(payload)
    await there._apply(payload)  # its own: nothing
    assert [e.is_set() for e in fired] == [True, True, False]
    assert not any(e.is_set() for e in mine)


async def test_a_message_of_an_earlier_version_is_applied_unless_it_is_its_own() -> None:
    here = relay()
    woken = here.hub.signals.listen("log:a")
    await here._apply(json.dumps({"k": "s", "s": "log:a", "o": here.origin}))
    assert not woken.is_set()
    await here._apply(json.dumps({"k": "s", "s": "log:a", "o": "elsewhere"}))
    assert woken.is_set()


async def test_garbage_is_ignored() -> None:
    here = relay()
    woken = here.hub.signals.listen("log:a")
    for payload in ["", "not json", "other\n[1]\n{bad", "other\n\n" + json.dumps(
            {"k": "s", "s": "log:a"})]:  # fmt: skip
        await here._apply(payload)
    assert woken.is_set()


# Presence (across real servers on PostgreSQL: test_relay_presence.py).


async def test_a_relay_alone_on_its_database_queues_nothing() -> None:
    here = relay()
    here.alone = True
    here.process_ready("colony", "type", (), 1, "")
    here.signal("log:a")
    assert here._outbox == []
    here.alone = False
    here.signal("log:a")
    assert len(here._outbox) == 1


async def test_a_hello_makes_a_lone_relay_send_again_and_answer_welcome() -> None:
    here, newcomer = relay(), relay()
    here.alone = True
    (hello,) = pack(newcomer._prefix, [json.dumps({"k": "h", "g": "g2"})])
    await here._apply(hello)
    assert not here.alone
    assert [json.loads(m) for m in here._outbox] == [{"k": "w", "to": newcomer.origin, "g": "g2"}]
    # The welcome answers the newcomer's latest hello; a welcome to another
    # server, or to an earlier hello, does not.
    newcomer._greeting, newcomer._waiting_for = True, frozenset({here.origin, "third"})
    newcomer._greeting_id = "g2"
    (welcome,) = pack(here._prefix, here._outbox)
    (elsewhere,) = pack(relay()._prefix, [json.dumps({"k": "w", "to": "someone-else", "g": "g2"})])
    (earlier,) = pack(relay()._prefix, [json.dumps({"k": "w", "to": newcomer.origin, "g": "g1"})])
    await newcomer._apply(elsewhere)
    await newcomer._apply(earlier)
    assert newcomer._answered == set()
    await newcomer._apply(welcome)
    assert newcomer._answered == {here.origin} and not newcomer._all_answered.is_set()
    # A hello heard from a server counts as its answer: it counted us after it.
    (other_hello,) = pack("third\n", [json.dumps({"k": "h"})])
    await newcomer._apply(other_hello)
    assert newcomer._answered == {here.origin, "third"} and newcomer._all_answered.is_set()
    # Not greeting: what it hears is not kept.
    newcomer._greeting = False
    (late,) = pack("fourth\n", [json.dumps({"k": "h"})])
    await newcomer._apply(late)
    assert "fourth" not in newcomer._answered
