# A no-op kept under this name: an accidental `makemigrations` run generated a migration here that
# would have dropped the statistics tables of 0003, and hotline.0001 was made to depend on it.
# The graph keeps the node; the tables stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0003_statistics_figures'),
    ]

    operations = []
