import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SavedView",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "entity",
                    models.CharField(
                        choices=[("organization", "Organizations"), ("contact", "Contacts")],
                        max_length=20,
                        verbose_name="entity",
                    ),
                ),
                ("name", models.CharField(max_length=80, verbose_name="name")),
                ("query_string", models.CharField(blank=True, max_length=2000, verbose_name="filters")),
                ("is_shared", models.BooleanField(default=False, verbose_name="shared with everyone")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="saved_views",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["name", "id"]},
        ),
        migrations.AddConstraint(
            model_name="savedview",
            constraint=models.UniqueConstraint(fields=("user", "entity", "name"), name="savedview_user_entity_name"),
        ),
    ]
