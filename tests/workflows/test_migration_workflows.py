"""Upgrading to the workflows app keeps every workflow, its actions and which scenario runs
it: the tables are taken over and renamed, and each scenario's workflow becomes a link on
the workflow."""

import pytest
from django.db import connection

BEFORE = [("workflows", None), ("bots", "0005_late_cutoff"), ("scheduling", "0003_handed_over_attempts_lateness")]


@pytest.mark.django_db(transaction=True)
def test_workflows_their_actions_and_scenario_links_survive_the_move(migrate):
    old = migrate(BEFORE)
    Bot, Scenario = old.get_model("bots", "Bot"), old.get_model("bots", "Scenario")
    Workflow, Action = old.get_model("bots", "Workflow"), old.get_model("bots", "WorkflowAction")
    bot = Bot.objects.create(name="Old clinic", timezone="America/New_York")
    tagging = Workflow.objects.create(bot=bot, name="Tag them")
    Action.objects.create(workflow=tagging, kind="add_tag", tag="followed-up", position=0)
    Action.objects.create(
        workflow=tagging, kind="webhook", webhook_url="https://example.com/h", webhook_secret="s3cret", position=1
    )
    unused = Workflow.objects.create(bot=bot, name="Not linked")
    busy = Scenario.objects.create(bot=bot, kind="busy", cadence="2h", workflow=tagging)
    Scenario.objects.create(bot=bot, kind="stopped_replying", cadence="1h")
    new = migrate()  # the latest
    Moved = new.get_model("workflows", "Workflow")
    assert dict(Moved.objects.values_list("pk", "name")) == {tagging.pk: "Tag them", unused.pk: "Not linked"}
    moved = Moved.objects.get(pk=tagging.pk)
    assert list(moved.actions.order_by("position").values_list("kind", "tag", "webhook_secret")) == [
        ("add_tag", "followed-up", ""),
        ("webhook", "", "s3cret"),
    ]
    assert list(moved.scenarios.values_list("pk", flat=True)) == [busy.pk]
    assert not Moved.objects.get(pk=unused.pk).scenarios.exists()
    tables = set(connection.introspection.table_names())
    assert {"workflows_workflow", "workflows_workflowaction", "workflows_actionrun"} <= tables
    assert not {"bots_workflow", "bots_workflowaction", "bots_actionrun"} & tables
