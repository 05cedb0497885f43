import django.db.models.deletion
from django.db import DatabaseError, migrations, models, transaction

import tasks.models.search

# On PostgreSQL only: the search documents' full-text index (on their stored tsvector), and the trigram index on each
# project's words (pg_trgm) when the extension is there or may be created. SQLite searches the
# documents as substrings and needs neither. Documents of existing images are written by
# `manage.py search_rebuild` (run it once after this migration on an existing installation).


def _trigrams_available(schema_editor) -> bool:
    """Whether pg_trgm is installed, creating it when the database role may (inside a
    savepoint: a refusal leaves the migration's transaction usable)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            return True
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:
            return False
    return True


def search_indexes_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX task_document_words ON tasks_taskdocument USING gin (words)"
    )
    if _trigrams_available(schema_editor):
        schema_editor.execute(
            "CREATE INDEX search_word_trigrams ON tasks_searchword USING gin (word gin_trgm_ops)"
        )


def search_indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS task_document_words")
    schema_editor.execute("DROP INDEX IF EXISTS search_word_trigrams")


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0018_people'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchWord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('word', models.CharField(max_length=40)),
            ],
            options={
                'verbose_name': 'search word',
                'verbose_name_plural': 'search words',
            },
        ),
        migrations.CreateModel(
            name='TaskDocument',
            fields=[
                ('task', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='document', serialize=False, to='tasks.task')),
                ('text', models.TextField(blank=True)),
                ('words', models.GeneratedField(db_persist=True, expression=tasks.models.search.DocumentVector('text'), output_field=tasks.models.search.DocumentVectorField())),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'search document',
                'verbose_name_plural': 'search documents',
            },
        ),
        migrations.AddField(
            model_name='task',
            name='agreement',
            field=models.FloatField(blank=True, null=True, verbose_name='agreement'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['project', 'state', 'id'], name='task_project_state_id'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['project', 'agreement', 'id'], name='task_project_agreement'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['project', 'state', 'agreement', 'id'], name='task_state_agreement'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['project', 'updated_at', 'id'], name='task_project_updated'),
        ),
        migrations.AddField(
            model_name='searchword',
            name='project',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tasks.project'),
        ),
        migrations.AddField(
            model_name='taskdocument',
            name='project',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tasks.project'),
        ),
        migrations.AddConstraint(
            model_name='searchword',
            constraint=models.UniqueConstraint(fields=('project', 'word'), name='search_word_unique'),
        ),
        migrations.RemoveIndex(
            model_name='task',
            name='task_project_state',
        ),
        migrations.RunPython(search_indexes_create, search_indexes_drop),
    ]
