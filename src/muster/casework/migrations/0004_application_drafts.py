# A person's application drafts, saved between visits and submitted once (issue 13).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0003_queue_reopened_holds_awaiting'),
        ('registry', '0003_person_status_decision'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApplicationDraft',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=20)),
                ('pack_code', models.CharField(max_length=40)),
                ('answers', models.JSONField(default=dict)),
                ('evidence', models.JSONField(default=list)),
                ('token', models.CharField(max_length=64)),
                ('state', models.CharField(default='open', max_length=10)),
                ('created_at', models.DateTimeField()),
                ('updated_at', models.DateTimeField()),
                ('submitted_at', models.DateTimeField(blank=True, null=True)),
                ('application_number', models.CharField(blank=True, max_length=20)),
                ('due_on', models.DateField(blank=True, null=True)),
                ('person', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.person')),
            ],
            options={
                'indexes': [models.Index(fields=['person', 'id'], name='draft_person')],
            },
        ),
    ]
