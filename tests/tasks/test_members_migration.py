"""Memberships and reliabilities moved from the crowd app to tasks: no row may be lost."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("crowd", "0003_contributorreliability"), ("tasks", "0007_export_identity")]
AFTER = [("crowd", "0004_members_move_to_tasks"), ("tasks", "0008_members_from_crowd")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_moving_memberships_to_tasks_keeps_every_row_and_its_constraints():
    # Back through the three sibling 0009 migrations first, on their own: unapplied in the
    # order the two-app plan picks, SQLite's rebuild of the project table for one of them
    # brought back the columns another had just dropped (review_reason NOT NULL, no default).
    _migrate([("tasks", "0008_members_from_crowd")])
    old = _migrate(BEFORE)
    user = old.get_model("crowd", "User").objects.create(username="ada")
    project = old.get_model("tasks", "Project").objects.create(slug="herbier", title_en="H")
    old.get_model("crowd", "Membership").objects.create(project=project, user=user, role="lead")
    old.get_model("crowd", "ContributorReliability").objects.create(
        project=project, user=user, field_type="text", correct=3, total=4, weight=0.75
    )

    new = _migrate(AFTER)
    membership = new.get_model("tasks", "Membership").objects.get()
    reliability = new.get_model("tasks", "ContributorReliability").objects.get()

    assert (membership.project_id, membership.user_id, membership.role) == (
        project.pk,
        user.pk,
        "lead",
    )
    assert (reliability.field_type, reliability.weight) == ("text", 0.75)
    assert new.get_model("tasks", "Membership")._meta.db_table == "tasks_membership"
    tables = connection.introspection.table_names()
    assert "tasks_membership" in tables
    assert "crowd_membership" not in tables
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "tasks_membership")
    assert "membership_one_role_per_project" in constraints

    _migrate(_latest())


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
