"""``Reward.claim`` is the transition; the reporter's claim record is ``Reward.claim_details``."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("rewards", "0002_default_policy_and_append_only")]

    operations = [
        migrations.AlterField(
            model_name="rewardclaim",
            name="reward",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT, related_name="claim_details", to="rewards.reward"
            ),
        ),
    ]
