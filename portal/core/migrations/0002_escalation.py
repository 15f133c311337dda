import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Escalation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("object_id", models.PositiveBigIntegerField()),
                ("rung", models.CharField(choices=[("near", "Due soon"), ("overdue", "Overdue"),
                                                   ("leader", "Escalated to a leader")],
                                          max_length=10, verbose_name="rung")),
                ("due_on", models.DateField(verbose_name="due on")),
                ("audience", models.CharField(blank=True, help_text="Whose the item was when it escalated, e.g. the department's id.",
                                              max_length=64, verbose_name="held by")),
                ("digest_day", models.DateField(verbose_name="in the digest of")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="escalated at")),
                ("content_type", models.ForeignKey(db_constraint=False, db_index=False,
                                                   on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                   to="contenttypes.contenttype")),
            ],
            options={
                "verbose_name": "escalation",
                "verbose_name_plural": "escalations",
                "ordering": ["-digest_day", "-id"],
                "constraints": [models.UniqueConstraint(fields=("content_type", "object_id", "rung", "due_on"),
                                                        name="escalation_once_per_rung_and_due_date")],
            },
        ),
    ]
