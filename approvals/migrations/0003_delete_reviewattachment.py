from django.db import migrations


class Migration(migrations.Migration):
    """ReviewAttachment was never written nor read: a review's files are the case's documents."""

    dependencies = [
        ("approvals", "0002_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="ReviewAttachment"),
    ]
