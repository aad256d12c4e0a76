"""The database's mode (live or a simulation) and the run-ahead ticks an operator closed.

A database that already has packs installed was set up before modes existed: it is recorded as
live, the safe choice (a live database never becomes a simulation)."""

from django.db import migrations, models
from django.utils import timezone


def existing_databases_are_live(apps, schema_editor):
    if apps.get_model("policy", "PackRecord").objects.exists():
        apps.get_model("policy", "DatabaseMode").objects.create(
            mode="live", chosen_at=timezone.now(), chosen_by="migration policy.0003 (set up before modes)")


class Migration(migrations.Migration):

    dependencies = [
        ('policy', '0002_no_pattern_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='ClosedTick',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('run_id', models.BigIntegerField(unique=True)),
                ('ran_at', models.DateTimeField(help_text='the clock the closed tick ran at')),
                ('closed_at', models.DateTimeField()),
                ('closed_by', models.CharField(max_length=150)),
                ('reason', models.TextField()),
            ],
            options={
                'verbose_name': 'closed run-ahead tick',
            },
        ),
        migrations.CreateModel(
            name='DatabaseMode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('mode', models.CharField(choices=[('live', 'live'), ('simulation', 'simulation')], max_length=10)),
                ('chosen_at', models.DateTimeField()),
                ('chosen_by', models.CharField(max_length=150)),
            ],
            options={
                'verbose_name': 'database mode',
            },
        ),
        migrations.RunPython(existing_databases_are_live, migrations.RunPython.noop),
    ]
