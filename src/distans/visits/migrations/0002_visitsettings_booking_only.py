from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="visitsettings",
            name="booking_only",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Shown on the public booking page and the day's visits. A continuity "
                    "plan can switch it on while the plan is in force."
                ),
                verbose_name="walk-in desk closed: visits by appointment only",
            ),
        ),
    ]
