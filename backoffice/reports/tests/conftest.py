"""The work engine's fixtures (a catalogue, clients A and B, staff) and a worked history."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime
from unittest import mock

import pytest

from backoffice.work import qa, services
from backoffice.work.models import Comment, Engagement, State
from backoffice.work.tests.conftest import *  # noqa: F403
from backoffice.work.tests.factories import (
    QA_OUTPUT,
    make_engagement,
    make_qa_engagement,
    submit,
)

DONE = {"result": "ok"}
OK = qa.FieldVerdict("correct")


@contextmanager
def clock(hh: int, mm: int = 0, day: int = 2):
    at = datetime(2026, 3, day, hh, mm, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def _handle_day(engagement_a, engagement_b, agent, agent_a_only, lead, user_a) -> None:
    """The work app's handle-time day (test_handle_time.py), 2 March 2026, UTC."""
    with clock(8, 50):
        x = submit(engagement_a, "X")
    with clock(9):
        assert services.claim_next_item(agent=agent) is not None
    with clock(9, 10):
        services.ask_client(item=x, actor=agent, question="Which one?")
    with clock(11):
        question = Comment.objects.for_tenant(x.tenant_id).get(item=x, kind="question")
        services.answer_question(question=question, actor=user_a, body="That one")
    with clock(11, 5):
        services.complete_item(item=x, actor=agent, output=DONE)
    with clock(11, 50):
        y = submit(engagement_a, "Y")
    with clock(12):
        services.transition_item(item=y, actor=agent, to=State.IN_PROGRESS)
    with clock(12, 30):
        services.release_item(item=y, actor=agent, reason="blurry")
    with clock(13):
        services.transition_item(item=y, actor=agent_a_only, to=State.IN_PROGRESS)
    with clock(13, 20):
        services.complete_item(item=y, actor=agent_a_only, output=DONE)
    with clock(13, 50):
        z = submit(engagement_a, "Z")
    with clock(14):
        assert services.claim_next_item(agent=agent) is not None
    with clock(14, 45):
        services.complete_item(item=z, actor=agent, output=DONE)
    with clock(14, 55):
        w = submit(engagement_a, "W")
    with clock(15):
        services.assign_item(item=w, assignee=agent, actor=lead)
    with clock(15, 6):
        services.complete_item(item=w, actor=agent, output=DONE)
    with clock(15, 50):
        v = submit(engagement_b, "V")
    with clock(16):
        services.transition_item(item=v, actor=agent, to=State.IN_PROGRESS)
    with clock(16, 10):
        services.complete_item(item=v, actor=agent, output=DONE)
    with clock(16, 50):
        s = submit(engagement_a, "S")
    with clock(17):
        services.transition_item(item=s, actor=agent, to=State.IN_PROGRESS)


def _fast_day(fast: Engagement, agent_a_only, lead) -> None:
    """A 30-minute wall-clock SLA: F1 done in 20 minutes, F2 in 60 (late), F3 cancelled."""
    with clock(9):
        f1, f2, f3 = (submit(fast, ref) for ref in ("F1", "F2", "F3"))
    with clock(9, 5):
        services.transition_item(item=f1, actor=agent_a_only, to=State.IN_PROGRESS)
    with clock(9, 20):
        services.complete_item(item=f1, actor=agent_a_only, output=DONE)
    with clock(9, 30):
        services.transition_item(item=f2, actor=agent_a_only, to=State.IN_PROGRESS)
    with clock(9, 40):
        services.transition_item(item=f3, actor=lead, to=State.CANCELLED)
    with clock(10):
        services.complete_item(item=f2, actor=agent_a_only, output=DONE)


def _qa_day(qa_eng: Engagement, agent, agent_a_only, reviewer) -> None:
    """3 March: agent's Q1 reviewed 3/4 correct, agent-a's Q2 4/4."""
    with clock(10, day=3):
        q1 = submit(qa_eng, "Q1")
        services.transition_item(item=q1, actor=agent, to=State.IN_PROGRESS)
    with clock(10, 20, day=3):
        q1 = services.complete_item(item=q1, actor=agent, output=dict(QA_OUTPUT))
    with clock(10, 30, day=3):
        verdicts = {name: OK for name in QA_OUTPUT}
        verdicts["total"] = qa.FieldVerdict("corrected", 125)
        qa.record_qa_review(item=q1, actor=reviewer, verdicts=verdicts, decision="accept")
    with clock(11, day=3):
        q2 = submit(qa_eng, "Q2")
        services.transition_item(item=q2, actor=agent_a_only, to=State.IN_PROGRESS)
    with clock(11, 10, day=3):
        q2 = services.complete_item(item=q2, actor=agent_a_only, output=dict(QA_OUTPUT))
    with clock(11, 30, day=3):
        all_ok = {name: OK for name in QA_OUTPUT}
        qa.record_qa_review(item=q2, actor=reviewer, verdicts=all_ok, decision="accept")


@pytest.fixture
def fast(client_a, service_type):
    return make_engagement(client_a, service_type, code="fast", sla_minutes=30, sla_basis="elapsed")


@pytest.fixture
def qa_eng(client_a, provider):
    return make_qa_engagement(client_a, provider, code="qa-a")


@pytest.fixture
def history(engagement_a, engagement_b, fast, qa_eng, agent, agent_a_only, lead, user_a, reviewer):
    """Everything above, in order; nothing rolled up yet."""
    _handle_day(engagement_a, engagement_b, agent, agent_a_only, lead, user_a)
    _fast_day(fast, agent_a_only, lead)
    _qa_day(qa_eng, agent, agent_a_only, reviewer)
    return {"a": engagement_a, "b": engagement_b, "fast": fast, "qa": qa_eng}
