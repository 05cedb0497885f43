import uuid

from django.db import migrations, models


def uids_fill(apps, schema_editor):
    Project = apps.get_model("tasks", "Project")
    for project in Project.objects.filter(export_uid__isnull=True).only("pk"):
        Project.objects.filter(pk=project.pk).update(export_uid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0006_exports"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="export_uid",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(uids_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="project",
            name="export_uid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddField(
            model_name="export",
            name="attempt",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="export",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
    ]
