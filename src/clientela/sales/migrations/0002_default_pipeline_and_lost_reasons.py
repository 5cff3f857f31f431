"""A new installation starts with one pipeline and the usual lost reasons, as it starts with
its tables: they are part of the installation, not a change anybody made, so they have no
creation event (an empty database stays "empty" to `clientela demo --status`). Every later
change to them goes through the actions and is logged."""


from django.db import migrations

STAGES = [
    ("Qualification", 10, "open"),
    ("Needs analysis", 25, "open"),
    ("Proposal", 50, "open"),
    ("Negotiation", 75, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
]
LOST_REASONS = ["Price", "Quality", "Delivery", "Service", "Chose a competitor", "No budget", "No decision", "Timing", "Other"]


def create(apps, schema_editor):
    Pipeline = apps.get_model("sales", "Pipeline")
    Stage = apps.get_model("sales", "Stage")
    LostReason = apps.get_model("sales", "LostReason")
    if not Pipeline.objects.exists():
        pipeline = Pipeline.objects.create(name="Sales", is_default=True)
        for position, (name, probability, outcome) in enumerate(STAGES):
            Stage.objects.create(pipeline=pipeline, name=name, probability=probability, outcome=outcome, position=position)
    if not LostReason.objects.exists():
        for position, name in enumerate(LOST_REASONS):
            LostReason.objects.create(name=name, position=position)


def remove(apps, schema_editor):
    apps.get_model("sales", "Pipeline").objects.filter(name="Sales", deals__isnull=True).delete()
    apps.get_model("sales", "LostReason").objects.filter(name__in=LOST_REASONS, deals__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
