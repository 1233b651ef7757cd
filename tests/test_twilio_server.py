"""The test Twilio server itself: what it answers, and what it counts (the tests and the
benchmark trust its figures)."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.twilio_accounting import Ledger, provider_rate
from tests.support.twilio_harness import running_twilio_server


def post(server, auth=None, **form):
    return requests.post(
        server.messages_url, data=form, auth=auth or (server.account_sid, server.auth_token), timeout=10
    )


def message(to="+15555550100", from_="+15550001111", body="Still keen?"):
    return {"To": to, "From": from_, "Body": body}


# --- the Messages API ---------------------------------------------------------------


def test_a_message_is_created_like_twilio_does(twilio_server):
    answer = post(twilio_server, **message(body="Hi €" * 50), StatusCallback="https://x.example/cb")
    assert answer.status_code == 201
    resource = answer.json()
    assert resource["sid"].startswith("SM") and len(resource["sid"]) == 34
    assert (resource["status"], resource["num_segments"]) == ("queued", "2")  # 200 GSM-7 septets
    assert resource["uri"] == f"/2010-04-01/Accounts/{twilio_server.account_sid}/Messages/{resource['sid']}.json"
    [kept] = twilio_server.messages()
    assert kept["sid"] == resource["sid"] and kept["status_callback"] == "https://x.example/cb"
    assert abs(kept["at"] - time.time()) < 5


def test_wrong_credentials_get_twilios_401(twilio_server):
    for auth in [(twilio_server.account_sid, "wrong"), ("AC" + "9" * 32, twilio_server.auth_token)]:
        answer = post(twilio_server, auth=auth, **message())
        assert answer.status_code == 401
        assert answer.json()["code"] == 20003
    assert requests.post(twilio_server.messages_url, data=message(), timeout=10).status_code == 401
    assert twilio_server.stats()["created"] == 0


@pytest.mark.parametrize(
    "form,code",
    [
        ({"From": "+15550001111", "Body": "x"}, 21604),
        ({"To": "+15555550100", "Body": "x"}, 21603),
        ({"To": "+15555550100", "From": "+15550001111"}, 21602),
        (message(body="x" * 1601), 21617),
        (message(to="+15005550001"), 21211),
        (message(from_="+15005550007"), 21606),
    ],
)
def test_bad_requests_are_refused_with_twilios_codes(twilio_server, form, code):
    answer = post(twilio_server, **form)
    assert (answer.status_code, answer.json()["code"]) == (400, code)
    assert twilio_server.stats()["created"] == 0


def test_unknown_paths_and_bad_control_requests_are_client_errors(twilio_server):
    assert requests.get(twilio_server.base_url + "/2010-04-01/Nothing.json", timeout=10).json()["code"] == 20404
    for body in [
        '{"throttle_next": "many"}',
        '{"latency": -1}',
        '{"nonsense": 1}',
        "[1]",
        "not json",
        '{"fail_next": [{"status": 200, "code": 1}]}',
        '{"fail_next": [{"code": 1}]}',
    ]:
        answer = requests.post(twilio_server.base_url + "/_control", data=body, timeout=10)
        assert answer.status_code == 400, body
    assert twilio_server.control()["queued"] == 0


def test_queued_answers_come_first_and_reset_forgets_them(twilio_server):
    twilio_server.control(throttle_next=2, fail_next=[{"status": 503, "code": 20503, "message": "Down"}])
    statuses = [post(twilio_server, **message(body=f"try {i}")).status_code for i in range(4)]
    assert statuses == [429, 429, 503, 201]
    stats = twilio_server.stats()
    assert stats["answered_429"] == 2 and stats["created"] == 1 and stats["requests"] == 4

    twilio_server.control(throttle_next=5, latency=1.0)
    twilio_server.reset()
    stats = twilio_server.stats()
    assert stats["requests"] == 0 and stats["config"]["latency"] < 1
    assert post(twilio_server, **message()).status_code == 201


def test_more_requests_than_the_limit_are_answered_429_at_once(twilio_server):
    twilio_server.control(concurrency=4, latency=0.5)

    def timed(i):
        start = time.monotonic()
        answer = post(twilio_server, **message(to=f"+155555501{i:02d}"))
        return answer.status_code, answer.json().get("code"), time.monotonic() - start

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(timed, range(10)))
    refused = [a for a in answers if a[0] == 429]
    stats = twilio_server.stats()
    assert stats["max_in_flight"] == 4
    assert refused and all(code == 20429 and took < 0.4 for _, code, took in refused)
    assert stats["created"] + len(refused) == 10 and stats["answered_429"] == len(refused)


def test_the_same_message_twice_is_a_duplicate(twilio_server):
    for form in [message(), message(), message(body="Another text"), message(to="+15555550199"), message()]:
        post(twilio_server, **form)
    stats = twilio_server.stats()
    assert stats["created"] == 5 and stats["duplicates"] == 2
    assert [m["duplicate"] for m in stats["messages"]] == [False, True, False, False, True]


def test_a_number_whose_twilio_queue_is_full_is_refused_21611(twilio_server):
    twilio_server.control(queue_limit_seconds=2)
    codes = [post(twilio_server, **message(body=f"text {i}")).json().get("code") for i in range(4)]
    assert codes[:3] == [None, None, None] and codes[3] == 21611  # a long code: 1 segment/s


def test_the_command_line_server_prints_its_port_and_answers():
    with running_twilio_server(process=True, latency=0.001) as server:
        assert server.port > 0
        assert post(server, **message()).status_code == 201
        assert server.stats()["numbers"]["+15550001111"]["messages"] == 1


# --- the accounting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "sender,rate",
    [
        ("+15550001111", 1),
        ("+18005550100", 3),
        ("+18885550100", 3),
        ("55555", 100),
        ("123456", 100),
        ("whatsapp:+15550001111", 80),
        ("+447911123456", 1),
    ],
)
def test_rates_by_kind_of_number(sender, rate):
    assert provider_rate(sender) == rate


def accept(ledger, sender, at, body="x", segments=1, to="+15555550100"):
    return ledger.accept({"from": sender, "to": to, "body": body}, segments, at)


def test_the_busiest_second_and_the_queue_of_a_paced_long_code():
    ledger = Ledger()
    for i in range(10):  # one segment a second: what the number sends, nothing queues
        accept(ledger, "+15550001111", 1000.0 + i, body=f"m{i}")
    number = ledger.summary()["numbers"]["+15550001111"]
    assert number["max_segments_per_second"] == 1 and number["max_backlog_seconds"] == 0


def test_a_burst_on_a_long_code_queues_at_twilio():
    ledger = Ledger()
    for i in range(5):  # five 2-segment messages within 40 ms: 10 segments at 1/s
        accept(ledger, "+15550001111", 1000.0 + i * 0.01, body=f"m{i}", segments=2)
    number = ledger.summary()["numbers"]["+15550001111"]
    assert number["max_segments_per_second"] == 10 and number["segments"] == 10
    assert number["max_backlog_seconds"] == pytest.approx(8 - 0.04)  # the last waits for 4 before it
    assert ledger.messages[-1]["queue_wait"] == pytest.approx(7.96)


def test_a_short_code_takes_a_hundred_a_second_without_a_queue():
    ledger = Ledger()
    for i in range(300):
        accept(ledger, "55555", 1000.0 + i / 100, body=f"m{i}")
    number = ledger.summary()["numbers"]["55555"]
    assert number["max_segments_per_second"] == 100 and number["max_backlog_seconds"] < 0.001


def test_the_window_slides():
    ledger = Ledger()
    for at in [0.0, 0.5, 0.9, 1.2, 1.4, 1.45, 3.0]:
        accept(ledger, "55555", 1000.0 + at, body=str(at))
    assert ledger.numbers["55555"].max_segments_per_second == 5  # 0.5, 0.9, 1.2, 1.4, 1.45
