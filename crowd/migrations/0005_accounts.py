from django.db import migrations, models


class Migration(migrations.Migration):
    """API tokens move to django-rest-knox, which stores only their hash: the old table, which
    kept every key as sent, is dropped with its keys. Accounts learn whether their e-mail
    address was verified (none was, so far)."""

    dependencies = [
        ("crowd", "0004_members_move_to_tasks"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified",
            field=models.BooleanField(
                default=False,
                help_text="The owner followed the link sent to this address.",
                verbose_name="e-mail verified",
            ),
        ),
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
    ]
