
import django.db.models.deletion
from django.db import DatabaseError, migrations, models, transaction

import tasks.models.places

# The gazetteer (tasks.models.places). Its places are loaded by `manage.py gazetteer_import
# --builtin` (and FILE for a GeoNames dump), not here: a migration stays quick, and the test
# databases stay empty. On PostgreSQL only: a trigram index on the names' keys (pg_trgm) when
# the extension is there or may be created, for misspelt names; SQLite and a PostgreSQL
# without it compare spellings in Python (tasks.selectors.places).


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


def trigram_index_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    if _trigrams_available(schema_editor):
        schema_editor.execute(
            "CREATE INDEX place_name_trigrams ON tasks_placename USING gin (key gin_trgm_ops)"
        )


def trigram_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS place_name_trigrams")


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0023_machine_reading'),
    ]

    operations = [
        migrations.CreateModel(
            name='GazetteerSource',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, unique=True)),
                ('version', models.CharField(blank=True, max_length=200)),
                ('places', models.PositiveIntegerField(default=0)),
                ('loaded_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'gazetteer source',
                'verbose_name_plural': 'gazetteer sources',
            },
        ),
        migrations.CreateModel(
            name='Place',
            fields=[
                ('geonames_id', models.PositiveBigIntegerField(primary_key=True, serialize=False)),
                ('name', models.CharField(max_length=200)),
                ('ascii_name', models.CharField(blank=True, max_length=200)),
                ('alternate_names', models.JSONField(blank=True, default=list)),
                ('country_code', models.CharField(blank=True, max_length=2)),
                ('admin1_code', models.CharField(blank=True, max_length=20)),
                ('admin1_name', models.CharField(blank=True, max_length=200)),
                ('admin2_code', models.CharField(blank=True, max_length=20)),
                ('admin2_name', models.CharField(blank=True, max_length=200)),
                ('latitude', models.FloatField()),
                ('longitude', models.FloatField()),
                ('feature_class', models.CharField(blank=True, max_length=1)),
                ('feature_code', models.CharField(blank=True, max_length=10)),
                ('population', models.PositiveBigIntegerField(default=0)),
                ('source', models.CharField(blank=True, max_length=100)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'place',
                'verbose_name_plural': 'places',
            },
        ),
        migrations.CreateModel(
            name='PlaceName',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', tasks.models.places.PlaceKeyField(max_length=200)),
                ('country_code', models.CharField(blank=True, max_length=2)),
                ('place', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='names', to='tasks.place')),
            ],
            options={
                'verbose_name': 'place name',
                'verbose_name_plural': 'place names',
                'indexes': [models.Index(fields=['key'], name='place_name_key', opclasses=['varchar_pattern_ops']), models.Index(fields=['country_code', 'key'], name='place_name_country_key', opclasses=['varchar_pattern_ops', 'varchar_pattern_ops'])],
                'constraints': [models.UniqueConstraint(fields=('place', 'key'), name='place_name_unique')],
            },
        ),
        migrations.RunPython(trigram_index_create, trigram_index_drop),
    ]
