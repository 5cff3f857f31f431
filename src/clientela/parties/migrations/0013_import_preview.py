"""An import job keeps what the worker read of its file for the mapping page (schema only)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("parties", "0012_name_sort"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="file_headers",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="importjob",
            name="file_sample",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="importjob",
            name="file_sample_cut",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="importjob",
            name="suggested_mapping",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="importjob",
            name="file_error",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="importjob",
            name="read_queued_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="importjob",
            name="read_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
