"""A real browser uploads intake files: a bad file's report comes back in place, a good
file lands the client on its items, and the progress shows while the request runs."""

import pytest

from backoffice.tenancy.tests.factories import TEST_PASSWORD
from backoffice.web.tests.test_browser import pytestmark  # noqa: F401  (chromium present)
from backoffice.work.models import WorkItem

BAD = "external_ref,name,amount,pages\nR1,Alpha,abc,2\n"
GOOD = "external_ref,name,amount,pages\nR1,Alpha,10.5,2\nR2,Beta,3,\n"


@pytest.mark.django_db(transaction=True)
def test_a_client_uploads_a_bad_file_then_a_good_one(
    live_server, browser_page, tmp_path, user_a, engagement_a
):
    page = browser_page
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(BAD)
    good.write_text(GOOD)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user_a.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/t/**")
    submit_url = (
        f"{live_server.url}/t/{engagement_a.tenant.slug}/work/engagements/{engagement_a.pk}/submit/"
    )
    page.goto(submit_url)
    # the progress is hidden until a request runs
    assert not page.is_visible("#upload-status")
    # when a bad file is uploaded
    page.set_input_files("#upload", str(bad))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#report")
    # then its report is shown on the same page and nothing is written
    assert page.url == submit_url
    assert "'abc' is not a valid number." in page.text_content("#report")
    assert not WorkItem.objects.for_tenant(engagement_a.tenant_id).exists()
    # when a good file is uploaded
    page.set_input_files("#upload", str(good))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/work/items/**")
    # then the client lands on the items with the counts
    assert "good.csv: 2 new, 0 already received, 0 rejected." in page.text_content(".messages")
    assert WorkItem.objects.for_tenant(engagement_a.tenant_id).count() == 2
