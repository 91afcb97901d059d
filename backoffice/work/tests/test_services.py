"""Work engine services: intake, the state machine, claiming, pauses, SLA flags, files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.audit.chain import event_hash
from backoffice.audit.models import AuditEvent
from backoffice.audit.services import record_event
from backoffice.audit.verify import verify_tenant_chain
from backoffice.core.context import request_id_var
from backoffice.core.errors import Conflict, DomainError
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member
from backoffice.work import services
from backoffice.work.models import Comment, IntakeBatch, State, WorkItem, WorkItemEvent
from backoffice.work.services import ItemInput
from backoffice.work.tests.factories import make_engagement, submit

pytestmark = pytest.mark.django_db


def events_of(item: WorkItem) -> list[tuple[str, str]]:
    return [(e.from_state, e.to_state) for e in item.events.all()]


def audit_actions(tenant) -> list[str]:
    return list(
        AuditEvent.objects.for_tenant(tenant).order_by("seq").values_list("action", flat=True)
    )


def test_submit_item_queues_it_with_an_event_and_an_audit_record(engagement_a, user_a):
    # when
    item, created = services.submit_item(
        engagement=engagement_a, actor=user_a, external_ref="INV-1", data={"name": "n", "amount": 3}
    )
    # then
    assert created and item.state == State.QUEUED
    assert events_of(item) == [("new", "queued")]
    assert "work.item_submitted" in audit_actions(engagement_a.tenant)
    assert item.sla_due_at > item.received_at


def test_a_retry_with_the_same_external_ref_returns_the_existing_item(engagement_a, user_a):
    # given
    first = submit(engagement_a, "INV-1", user_a)
    # when
    again, created = services.submit_item(
        engagement=engagement_a, actor=user_a, external_ref="INV-1", data={"name": "other"}
    )
    # then
    assert not created and again.pk == first.pk
    assert WorkItem.objects.for_tenant(engagement_a.tenant).count() == 1


def test_schema_violations_are_named_per_field(engagement_a):
    # when
    with pytest.raises(DomainError) as exc:
        services.submit_item(
            engagement=engagement_a,
            actor=None,
            external_ref="X",
            data={"amount": -1, "pages": "two", "kind": "z", "when": "31/12/2026", "extra": 1},
        )
    # then
    fields = exc.value.fields
    assert fields["data.name"] == ["This field is required."]
    assert fields["data.amount"] == ["Enter 0 or more."]
    assert fields["data.pages"] == ["Enter a whole number, like 12."]
    assert fields["data.kind"] == ["Choose one of: a, b."]
    assert "date" in fields["data.when"][0]
    assert "extra" in fields["data"][0]
    assert WorkItem.objects.for_tenant(engagement_a.tenant).count() == 0


def test_bulk_all_or_nothing_writes_nothing_when_a_row_is_bad(engagement_a):
    rows = [
        ItemInput("A", {"name": "a", "amount": 1}),
        ItemInput("B", {"name": "b"}),
        ItemInput("A", {"name": "a2", "amount": 2}),
    ]
    # when
    with pytest.raises(DomainError) as exc:
        services.submit_items(engagement=engagement_a, actor=None, rows=rows)
    # then: row 2 misses amount, row 3 repeats a reference; nothing was written
    report = exc.value.fields["rows"]
    assert {"row": 2, "field": "amount", "message": "This field is required."} in report
    assert {"row": 3, "field": "external_ref", "message": "Duplicate in this batch."} in report
    assert WorkItem.objects.for_tenant(engagement_a.tenant).count() == 0
    assert IntakeBatch.objects.for_tenant(engagement_a.tenant).count() == 0


def test_bulk_valid_rows_only_writes_the_good_rows_and_skips_existing(engagement_a):
    submit(engagement_a, "OLD")
    rows = [
        ItemInput("OLD", {"name": "o", "amount": 1}),
        ItemInput("N1", {"name": "n", "amount": 1}),
        ItemInput("N2", {"name": "n"}),
        ItemInput("", {"name": "n", "amount": 1}),
    ]
    # when
    result = services.submit_items(
        engagement=engagement_a, actor=None, rows=rows, mode=IntakeBatch.Mode.VALID_ROWS
    )
    # then
    assert (result.created, result.existing, result.rejected) == (1, 1, 2)
    assert result.batch is not None and result.batch.rows_total == 4
    refs = set(
        WorkItem.objects.for_tenant(engagement_a.tenant).values_list("external_ref", flat=True)
    )
    assert refs == {"OLD", "N1"}
    assert [e["row"] for e in result.batch.report] == [3, 4]


def test_priority_rules_pick_the_first_match(client_a, service_type):
    engagement = make_engagement(
        client_a,
        service_type,
        code="prio",
        priority_rules=[
            {"field": "kind", "equals": "b", "priority": 9},
            {"field": "amount", "gte": 1000, "priority": 7},
        ],
    )
    assert submit(engagement, "1", kind="b", amount=5000).priority == 9
    assert submit(engagement, "2", amount=5000).priority == 7
    assert submit(engagement, "3", amount=5).priority == 5


def test_illegal_transitions_are_refused(engagement_a, agent):
    item = submit(engagement_a, "X")
    # when / then
    with pytest.raises(Conflict):
        services.transition_item(item=item, actor=agent, to=State.DONE)
    with pytest.raises(DomainError):
        services.transition_item(item=item, actor=agent, to="flying")
    item.refresh_from_db()
    assert item.state == State.QUEUED


def test_full_flow_claim_complete_review_rework_done(client_a, service_type, agent, lead):
    # given an engagement reviewing every item
    engagement = make_engagement(client_a, service_type, code="qa")
    engagement.qa_sample_percent = 100
    engagement.save()
    item = submit(engagement, "F1")
    # when
    claimed = services.claim_next_item(agent=agent)
    assert claimed is not None and claimed.pk == item.pk and claimed.assignee == agent
    with pytest.raises(DomainError) as exc:
        services.complete_item(item=claimed, actor=agent, output={})
    assert exc.value.fields == {"result": ["This field is required."]}
    services.complete_item(item=claimed, actor=agent, output={"result": "ok"})
    services.review_item(item=claimed, actor=lead, accept=False, note="typo")
    again = services.claim_next_item(agent=agent)
    assert again is not None
    services.complete_item(item=again, actor=agent, output={"result": "fixed"})
    services.review_item(item=again, actor=lead, accept=True)
    # then
    item.refresh_from_db()
    assert item.state == State.DONE and item.output == {"result": "fixed"}
    assert events_of(item) == [
        ("new", "queued"),
        ("queued", "in_progress"),
        ("in_progress", "in_review"),
        ("in_review", "rework"),
        ("rework", "in_progress"),
        ("in_progress", "in_review"),
        ("in_review", "done"),
    ]
    actions = audit_actions(client_a)
    assert actions.count("work.item_claimed") == 2 and "work.item_reviewed" in actions


def test_claim_takes_the_most_urgent_item_across_the_clients_served(
    engagement_a, engagement_b, agent
):
    # given
    submit(engagement_a, "low")
    urgent = services.submit_item(
        engagement=engagement_b,
        actor=None,
        external_ref="hot",
        data={"name": "h", "amount": 1},
        priority=9,
    )[0]
    # when
    first = services.claim_next_item(agent=agent)
    second = services.claim_next_item(agent=agent)
    # then
    assert first is not None and first.pk == urgent.pk and first.tenant_id == engagement_b.tenant_id
    assert second is not None and second.external_ref == "low"
    assert services.claim_next_item(agent=agent) is None


def test_a_claim_appends_an_audit_event_whose_hash_the_chain_check_recomputes(
    engagement_a, agent, lead
):
    """On PostgreSQL the claim's audit event is hashed in SQL: it must be the hash that
    `event_hash` computes, for any request id, and the lane must go on from it."""
    # given an engagement reviewing every item, and a request id with quotes, a
    # backslash, a control character and non-ASCII
    engagement_a.qa_sample_percent = 100
    engagement_a.save()
    submit(engagement_a, "first")
    submit(engagement_a, "second")
    token = request_id_var.set('req "7"\\\tnaïve—✓')
    try:
        # when one item is claimed, sent back to rework and claimed again
        claimed = services.claim_next_item(agent=agent)
        assert claimed is not None
        services.complete_item(item=claimed, actor=agent, output={"result": "ok"})
        services.review_item(item=claimed, actor=lead, accept=False, note="again")
        again = services.claim_next_item(agent=agent)
        assert again is not None and again.pk == claimed.pk
        record_event(
            tenant=engagement_a.tenant_id,
            actor=agent,
            action="test.after_claims",
            lane=services.claim_lane(agent),
        )
    finally:
        request_id_var.reset(token)
    # then
    claims = list(
        AuditEvent.objects.for_tenant(engagement_a.tenant_id)
        .filter(action="work.item_claimed")
        .order_by("seq")
    )
    assert [(e.before, e.after) for e in claims] == [
        ({"state": "queued"}, {"state": "in_progress"}),
        ({"state": "rework"}, {"state": "in_progress"}),
    ]
    assert {e.lane for e in claims} == {services.claim_lane(agent)}
    for event in claims:
        assert event.object_id == str(claimed.pk) and event.actor_id == agent.pk
        assert event.request_id == 'req "7"\\\tnaïve—✓'
        assert event.hash == event_hash(event)
    assert verify_tenant_chain(engagement_a.tenant_id) is None


def test_an_agent_only_gets_work_of_the_clients_they_serve(
    engagement_a, engagement_b, agent_a_only
):
    submit(engagement_b, "b-only")
    assert services.claim_next_item(agent=agent_a_only) is None


def test_an_engagement_with_a_team_is_served_by_its_team_only(engagement_a, agent, agent_a_only):
    services.add_team_member(engagement=engagement_a, user=agent_a_only, actor=None)
    submit(engagement_a, "team")
    assert services.claim_next_item(agent=agent) is None
    assert services.claim_next_item(agent=agent_a_only) is not None


def test_queue_filters_limit_what_is_claimed(provider, engagement_a, agent):
    queue = services.create_queue(
        provider=provider, actor=None, code="fr", name="French", language="fr"
    )
    services.submit_item(
        engagement=engagement_a,
        actor=None,
        external_ref="en",
        data={"name": "x", "amount": 1},
        language="en",
    )
    fr = services.submit_item(
        engagement=engagement_a,
        actor=None,
        external_ref="fr",
        data={"name": "x", "amount": 1},
        language="fr",
    )[0]
    claimed = services.claim_next_item(agent=agent, queue=queue)
    assert claimed is not None and claimed.pk == fr.pk
    assert services.claim_next_item(agent=agent, queue=queue) is None


def test_serialized_claims_give_every_item_exactly_once(engagement_a, engagement_b, agent, lead):
    # given 30 items over two clients and two agents taking turns
    for i in range(15):
        submit(engagement_a, f"a{i}")
        submit(engagement_b, f"b{i}")
    other = UserFactory.create(username="agent2")
    for org in (engagement_a.tenant, engagement_b.tenant):
        make_member(org, other, Role.AGENT)
    claimed: list[int] = []
    # when
    while True:
        got = [services.claim_next_item(agent=a) for a in (agent, other)]
        ids = [g.pk for g in got if g is not None]
        if not ids:
            break
        claimed.extend(ids)
    # then
    assert len(claimed) == 30 == len(set(claimed))


def test_skip_returns_the_item_to_the_queue_with_the_reason(engagement_a, agent):
    submit(engagement_a, "S")
    item = services.claim_next_item(agent=agent)
    assert item is not None
    with pytest.raises(DomainError):
        services.release_item(item=item, actor=agent, reason=" ")
    services.release_item(item=item, actor=agent, reason="unreadable scan")
    item.refresh_from_db()
    assert item.state == State.QUEUED and item.assignee is None
    last = item.events.last()
    assert last is not None and last.note == "skipped: unreadable scan"


def test_lead_assigns_and_reassigns(engagement_a, agent, agent_a_only, lead):
    item = submit(engagement_a, "R")
    services.assign_item(item=item, assignee=agent, actor=lead)
    services.assign_item(item=item, assignee=agent_a_only, actor=lead)
    item.refresh_from_db()
    assert item.assignee == agent_a_only and item.state == State.IN_PROGRESS
    assert "work.item_reassigned" in audit_actions(engagement_a.tenant)


def test_assigning_to_someone_who_does_not_serve_the_client_is_refused(
    engagement_b, agent_a_only, lead
):
    item = submit(engagement_b, "R")
    with pytest.raises(DomainError):
        services.assign_item(item=item, assignee=agent_a_only, actor=lead)


def test_idle_items_return_to_their_queue(engagement_a, agent):
    submit(engagement_a, "I")
    item = services.claim_next_item(agent=agent)
    assert item is not None
    # when the sweep runs after the idle timeout
    assert item.last_activity_at is not None
    later = item.last_activity_at + timedelta(minutes=engagement_a.idle_timeout_minutes + 1)
    released = services.release_idle_items(now=later)
    # then
    item.refresh_from_db()
    assert released == 1 and item.state == State.QUEUED and item.assignee is None


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_a_question_pauses_the_clock_and_the_answer_moves_the_due_time(engagement_a, agent, user_a):
    # given an item received Monday 10:00 Berlin (09:00 UTC) with an 8-business-hour SLA
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 6, 1, 8)):
        item = submit(engagement_a, "Q")
    assert item.sla_due_at == at(2026, 6, 2, 8)  # Tue 10:00 CEST
    claimed = services.claim_next_item(agent=agent)
    assert claimed is not None
    # when the agent asks at 12:00 local and the client answers Tue 09:30 local
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 6, 1, 10)):
        question = services.ask_client(item=claimed, actor=agent, question="Which supplier?")
    item.refresh_from_db()
    assert item.state == State.WAITING_ON_CLIENT and item.paused_at is not None
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 6, 2, 7, 30)):
        services.answer_question(question=question, actor=user_a, body="Acme")
    # then 5h (12-17) + 0.5h (09-09:30) of business time were paused: due Tue 15:30 local
    item.refresh_from_db()
    assert item.state == State.IN_PROGRESS and item.paused_seconds == 5.5 * 3600
    assert item.sla_due_at == at(2026, 6, 2, 13, 30)
    question.refresh_from_db()
    assert question.answered_at is not None
    assert item.comments.filter(kind=Comment.Kind.ANSWER).count() == 1
    with pytest.raises(Conflict):
        services.answer_question(question=question, actor=user_a, body="again")


def test_waiting_items_cannot_be_completed_until_answered(engagement_a, agent):
    submit(engagement_a, "W")
    item = services.claim_next_item(agent=agent)
    assert item is not None
    services.ask_client(item=item, actor=agent, question="?")
    with pytest.raises(Conflict):
        services.transition_item(item=item, actor=agent, to=State.DONE)


def test_sla_sweep_marks_at_risk_and_breached_and_notifies_leads(engagement_a, lead):
    services.add_team_member(engagement=engagement_a, user=lead, actor=None, is_lead=True)
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 6, 1, 7)):
        early = submit(engagement_a, "early")  # Mon 09:00 local, due Mon 17:00 local
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 6, 1, 11)):
        late = submit(engagement_a, "late")  # Mon 13:00 local, due Tue 13:00 local
    # when the sweep runs Tue 08:00 UTC (10:00 local)
    sweep = services.refresh_sla_flags(now=at(2026, 6, 2, 8))
    # then early is breached; late used 5h of 8h (75% threshold reached at 6h): not yet
    early.refresh_from_db()
    late.refresh_from_db()
    assert early.breached and not late.at_risk
    assert (sweep.breached, sweep.at_risk) == (1, 0)
    sweep = services.refresh_sla_flags(now=at(2026, 6, 2, 9, 30))
    late.refresh_from_db()
    assert late.at_risk and not late.breached and sweep.notified == ["lead"]
    alert = AuditEvent.objects.for_tenant(engagement_a.tenant).filter(action="work.sla_alert")
    assert alert.count() == 2


def test_attachments_are_checked_for_size_and_type(engagement_a, user_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = submit(engagement_a, "F")
    pdf = SimpleUploadedFile("scan.pdf", b"%PDF-1.7 test", content_type="application/pdf")
    attachment = services.add_attachment(item=item, actor=user_a, upload=pdf)
    assert attachment.size == 13 and attachment.file.read() == b"%PDF-1.7 test"
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00", content_type="application/pdf")
    exe = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    big = SimpleUploadedFile("big.txt", b"x", content_type="text/plain")
    big.size = services.MAX_ATTACHMENT_BYTES + 1
    for bad, code in (
        (fake, "attachment_type"),
        (exe, "attachment_type"),
        (big, "attachment_too_large"),
    ):
        with pytest.raises(DomainError) as exc:
            services.add_attachment(item=item, actor=user_a, upload=bad)
        assert exc.value.code == code
    assert item.attachments.count() == 1
    # an e-mail the client forwarded is a source the workbench shows
    mail = b"From: orders@acme.example\r\nSubject: PO 88\r\n\r\nPlease ship 3 boxes.\r\n"
    eml = SimpleUploadedFile("po-88.eml", mail, content_type="message/rfc822")
    assert services.add_attachment(item=item, actor=user_a, upload=eml).size == len(mail)


def test_engagement_cannot_use_another_tenants_calendar(client_a, client_b, service_type):
    calendar_b = services.create_calendar(tenant=client_b, actor=None, name="b")
    with pytest.raises(DomainError):
        services.create_engagement(
            tenant=client_a, actor=None, service_type=service_type, calendar=calendar_b, code="x"
        )


def test_service_type_templates_are_valid(provider):
    from backoffice.work.catalog import TEMPLATES

    for code in TEMPLATES:
        st = services.create_service_type(provider=provider, actor=None, code=code, template=code)
        assert st.input_schema["type"] == "object" and st.workflow


def test_events_are_tenant_scoped(engagement_a):
    item = submit(engagement_a, "E")
    assert WorkItemEvent.objects.for_tenant(engagement_a.tenant).filter(item=item).count() == 1


def test_only_the_holder_moves_an_item_in_progress(engagement_a, agent, agent_a_only):
    submit(engagement_a, "H")
    item = services.claim_next_item(agent=agent)
    assert item is not None
    with pytest.raises(Conflict):
        services.transition_item(item=item, actor=agent_a_only, to=State.QUEUED)
    services.transition_item(item=item, actor=agent, to=State.QUEUED, note="later")


def test_the_scheduled_sweep_task_and_command(engagement_a, capsys):
    from django.core.management import call_command

    from backoffice.work.tasks import sweep_sla

    with mock.patch("django.utils.timezone.now", return_value=at(2026, 6, 1, 7)):
        item = submit(engagement_a, "T")
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 6, 3, 7)):
        result = sweep_sla.call()
        call_command("work", "sweep")
    item.refresh_from_db()
    assert result["breached"] == 1 and item.breached
    assert "breached: 0" in capsys.readouterr().out
