from django.db import migrations


class Migration(migrations.Migration):
    """API tokens move to django-rest-knox, which stores only their hash: the old table, which
    kept every key as sent, is dropped with its keys."""

    dependencies = [
        ("crowd", "0004_members_move_to_tasks"),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
    ]
