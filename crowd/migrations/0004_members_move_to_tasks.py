"""Memberships and reliabilities move to the tasks app, beside the projects they belong to.

Only Django's idea of where the models live changes here; the tables and their rows stay, and
tasks' 0008 takes them over and renames them."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('crowd', '0003_contributorreliability'),
        ('tasks', '0007_export_identity'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='membership',
                    name='added_by',
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='ContributorReliability',
                ),
                migrations.DeleteModel(
                    name='Membership',
                ),
            ],
            database_operations=[],
        ),
    ]
