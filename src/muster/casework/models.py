"""Casework's tables: applications, their evidence files and their decisions.

An application's number is derived from its id (A-0000123, muster.rules.applications), so it is
never stored. The work queue reads one district's open applications in due-date order, so the
index it needs holds only open applications (`application_queue`): a decided application leaves
it rather than take space in it. Every table carries the person's key (SPEC 8: sharding).
"""

from django.conf import settings
from django.db import models

from muster.rules.applications import (
    ApplicationChannel,
    ApplicationStatus,
    Outcome,
    format_number,
    open_statuses,
)
from muster.rules.casework_policy import APPLICATION_KINDS
from muster.rules.vocabulary import choices

KIND_CHOICES = [(k, k.replace("_", " ")) for k in APPLICATION_KINDS]
OPEN = models.Q(status__in=open_statuses())


class Application(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="applications",
                               db_index=False)  # indexed by application_person
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    ground = models.CharField(max_length=60)
    channel = models.CharField(max_length=10, choices=choices(ApplicationChannel))
    # An excuse names the summons it excuses; its appearance date is copied so the queue's urgency
    # is a plain comparison on this row.
    summons = models.ForeignKey("notices.Summons", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="applications", db_constraint=False)
    appearance_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=choices(ApplicationStatus),
                              default=str(ApplicationStatus.SUBMITTED))
    submitted_at = models.DateTimeField()
    submitted_on = models.DateField()  # the day of filing in the pack's time zone
    due_on = models.DateField()  # the Nth working day after filing (service levels)
    district = models.CharField(max_length=20)  # the person's, when filed: whose queue it is in
    requested_until = models.DateField(null=True, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    pack_code = models.CharField(max_length=40)
    policy_version = models.CharField(max_length=80)
    created_by = models.CharField(max_length=200)  # the actor, as the audit trail names it
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    overdue_marked_at = models.DateTimeField(null=True, blank=True)  # set by the tick once past due_on
    # The day (pack's time zone) the person was asked for what is missing (awaiting_person): the
    # due date pauses from then (muster.casework.awaiting).
    awaiting_since = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            # The district queue: WHERE district = ? AND status IN (open) ORDER BY due_on, id LIMIT n.
            models.Index(fields=["district", "due_on", "id"], name="application_queue", condition=OPEN),
            # The whole queue (an officer of every district).
            models.Index(fields=["due_on", "id"], name="application_open_due", condition=OPEN),
            models.Index(fields=["person", "id"], name="application_person"),
            # The tick's overdue marking reads only open rows not yet marked, never the marked ones again.
            models.Index(fields=["pack_code", "due_on"], name="application_overdue_unmarked",
                         condition=OPEN & models.Q(overdue_marked_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.kind} {self.ground}"

    @property
    def number(self) -> str:
        return format_number(self.pk)


class EvidenceFile(models.Model):
    """One file given with an application; the content lives outside the database under its SHA-256
    (muster.casework.evidence)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="evidence")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+",
                               db_constraint=False, db_index=False)
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    type = models.CharField(max_length=40)

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:12]}…)"


class Decision(models.Model):
    """The decision on an application. Where a second officer must confirm it, it takes effect
    (its effects on the registry, summonses and measures) only when confirmed."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+",
                               db_constraint=False, db_index=False)
    outcome = models.CharField(max_length=10, choices=choices(Outcome))
    reasons = models.JSONField(default=list)  # readable sentences
    officer_reason = models.TextField(blank=True)
    legal_basis = models.TextField(blank=True)
    decided_by = models.CharField(max_length=200)
    decided_at = models.DateTimeField()
    period_from = models.DateField(null=True, blank=True)
    period_until = models.DateField(null=True, blank=True)
    policy_version = models.CharField(max_length=80)
    appeal_deadline = models.DateField(null=True, blank=True)
    needs_confirmation = models.BooleanField(default=False)
    confirmed_by = models.CharField(max_length=200, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    in_effect = models.BooleanField(default=False)  # its effects are applied
    reminded_at = models.DateTimeField(null=True, blank=True)  # the person told the deferment ends soon
    # The allowed appeal (P-…) that set this decision aside and reopened the application; the next
    # decision on it supersedes this one (muster.casework.decisions).
    set_aside_by = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [
            # The tick's reminders: granted deferments in effect with an end, not yet reminded.
            models.Index(fields=["period_until"], name="decision_remind",
                         condition=models.Q(in_effect=True, reminded_at__isnull=True, period_until__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} {self.application_id}"
from muster.casework.appeal_models import Appeal  # noqa: E402,F401  (appeals: muster.casework.appeals)
from muster.casework.draft_models import ApplicationDraft  # noqa: E402,F401  (drafts: muster.casework.drafts)
from muster.casework.tally_models import Tally  # noqa: E402,F401  (dashboards: muster.casework.dashboard)
