import uuid

from django.db import migrations, models


def make_identity(apps, schema_editor):
    """The id is made once, here: every later start of this TOM, and every peer, sees the same one."""
    TomIdentity = apps.get_model("tom", "TomIdentity")
    if not TomIdentity.objects.exists():
        TomIdentity.objects.create(pk=1, uuid=uuid.uuid4())


class Migration(migrations.Migration):

    dependencies = [
        ("tom", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="TomIdentity",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("created", models.DateTimeField(auto_now_add=True)),
            ],
            options={"verbose_name": "TOM identity", "verbose_name_plural": "TOM identity"},
        ),
        migrations.RunPython(make_identity, migrations.RunPython.noop),
    ]
