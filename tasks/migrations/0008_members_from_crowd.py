"""Memberships and reliabilities now live in the tasks app (crowd's 0004 let go of them).

The models are taken over as they are, on their old tables, then the tables are renamed: every
row, id and constraint is kept."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0007_export_identity'),
        ('crowd', '0004_members_move_to_tasks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ContributorReliability',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('field_type', models.CharField(max_length=16)),
                        ('correct', models.FloatField(default=0.0)),
                        ('total', models.FloatField(default=0.0)),
                        ('weight', models.FloatField(default=1.0)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reliabilities', to='tasks.project')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reliabilities', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'crowd_contributorreliability',
                        'verbose_name': 'contributor reliability',
                        'verbose_name_plural': 'contributor reliabilities',
                        'constraints': [models.UniqueConstraint(fields=('project', 'user', 'field_type'), name='reliability_one_per_type')],
                    },
                ),
                migrations.CreateModel(
                    name='Membership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('lead', 'Lead'), ('curator', 'Curator'), ('contributor', 'Contributor')], default='contributor', max_length=16, verbose_name='role')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='added at')),
                        ('added_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='tasks.project')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'crowd_membership',
                        'verbose_name': 'membership',
                        'verbose_name_plural': 'memberships',
                        'indexes': [models.Index(fields=['user', 'project'], name='membership_user_project')],
                        'constraints': [models.UniqueConstraint(fields=('project', 'user'), name='membership_one_role_per_project')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='contributorreliability', table=None),
        migrations.AlterModelTable(name='membership', table=None),
    ]
