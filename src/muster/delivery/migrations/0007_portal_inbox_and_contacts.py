# Messages marked read, contact changes confirmed by a code, consent to electronic notices (issue 13).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dueprocess', '0006_application_awaiting_event'),
        ('registry', '0003_person_status_decision'),
    ]

    operations = [
        migrations.AddField(
            model_name='personmessage',
            name='read_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='personmessage',
            index=models.Index(condition=models.Q(('read_at__isnull', True)), fields=['person'], name='message_unread'),
        ),
        migrations.CreateModel(
            name='ContactChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(max_length=5)),
                ('value', models.CharField(max_length=254)),
                ('code_hash', models.CharField(max_length=100)),
                ('created_at', models.DateTimeField()),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('state', models.CharField(default='pending', max_length=10)),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('delivery_ref', models.CharField(blank=True, max_length=100)),
                ('person', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.person')),
            ],
            options={
                'indexes': [models.Index(fields=['person', 'id'], name='contact_change_person')],
            },
        ),
        migrations.CreateModel(
            name='NoticeConsent',
            fields=[
                ('person', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='+', serialize=False, to='registry.person')),
                ('electronic', models.BooleanField()),
                ('changed_at', models.DateTimeField()),
            ],
        ),
    ]
