"""Issue 22: surge defaults of the negative binomial detector (CUSUM 8 nats, spikes 1e-9).

Organisations still on the old defaults (6.0 and 1e-5, set for the Poisson detector)
are moved to the new ones; changed values are kept.
"""

from django.db import migrations, models


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    TopicSettings = apps.get_model("topics", "TopicSettings")
    TopicSettings.objects.filter(surge_threshold=6.0).update(surge_threshold=8.0)
    TopicSettings.objects.filter(surge_tail_probability=1e-5).update(surge_tail_probability=1e-9)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    TopicSettings = apps.get_model("topics", "TopicSettings")
    TopicSettings.objects.filter(surge_threshold=8.0).update(surge_threshold=6.0)
    TopicSettings.objects.filter(surge_tail_probability=1e-9).update(surge_tail_probability=1e-5)


class Migration(migrations.Migration):
    dependencies = [("topics", "0002_settings_names")]

    operations = [
        migrations.AlterField(
            model_name="topicsettings",
            name="surge_threshold",
            field=models.FloatField(default=8.0, verbose_name="surge CUSUM threshold"),
        ),
        migrations.AlterField(
            model_name="topicsettings",
            name="surge_tail_probability",
            field=models.FloatField(default=1e-09, verbose_name="surge spike probability"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
