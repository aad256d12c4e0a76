"""Appeals: against a decision on an application, a summons or a measure, heard level by level
(muster.rules.appeals). The number (P-0000012) is derived from the id, so it is never stored.

A subject is appealed once per level: the unique constraint holds it against two officers filing
at once. The work queue reads one district's open appeals in due-date order (`appeal_queue`, open
appeals only). Every row carries the person's key (SPEC 8: sharding).
"""

from django.conf import settings
from django.db import models

from muster.rules.appeals import AppealOutcome, AppealStatus, format_number
from muster.rules.casework_policy import APPEAL_SUBJECTS
from muster.rules.vocabulary import choices

SUBJECT_CHOICES = [(s, s) for s in APPEAL_SUBJECTS]
OPEN_APPEAL = models.Q(status=str(AppealStatus.OPEN))
# The tick's condition on `notices_summons.id` (formatted in as {id}) while an open appeal holds it.
HELD_BY_APPEAL = (f"EXISTS (SELECT 1 FROM casework_appeal a WHERE a.holds_summons_id = {{id}} "
                  f"AND a.status = '{AppealStatus.OPEN}')")


class Appeal(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="appeals",
                               db_index=False)  # indexed by appeal_person
    subject_kind = models.CharField(max_length=12, choices=SUBJECT_CHOICES)
    subject_id = models.BigIntegerField()  # the application's, summons' or measure's id
    subject_ref = models.CharField(max_length=40)  # as printed: A-0000123, a summons number, a measure id
    district = models.CharField(max_length=20)  # the subject's, when filed: whose queue it is in
    pack_code = models.CharField(max_length=40)
    policy_version = models.CharField(max_length=80)
    level = models.PositiveSmallIntegerField()
    body = models.CharField(max_length=200)
    legal_reference = models.TextField(blank=True)
    reason = models.TextField()  # the grounds of the appeal, as filed
    filed_at = models.DateTimeField()
    filed_on = models.DateField()  # the day of filing in the pack's time zone
    deadline = models.DateField()  # the last day to file at this level
    late = models.BooleanField(default=False)
    due_on = models.DateField()  # when the body should have ruled
    appearance_date = models.DateField(null=True, blank=True)  # the summons', for the queue's urgency
    status = models.CharField(max_length=10, choices=choices(AppealStatus), default=str(AppealStatus.OPEN))
    outcome = models.CharField(max_length=10, choices=choices(AppealOutcome), blank=True)
    reasons = models.JSONField(default=list)  # the ruling's reasons, as sentences
    decided_by = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    suspended = models.JSONField(default=list)  # the ids of the measures filing suspended
    # The summons this appeal holds while open (muster.rules.appeals.holds_summons): the tick does
    # not mark it missed (muster.summons.tick's holds, registered by casework's app).
    holds_summons_id = models.BigIntegerField(null=True, blank=True)
    # The summons whose measures of `watched_kinds` (empty: every kind) this appeal suspends as they
    # start, while open (muster.rules.appeals.watches_summons; casework's tick step).
    watches_summons_id = models.BigIntegerField(null=True, blank=True)
    watched_kinds = models.JSONField(default=list)
    created_by = models.CharField(max_length=200)  # the actor, as the audit trail names it
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subject_kind", "subject_id", "level"],
                                               name="one_appeal_per_subject_level")]
        indexes = [
            # The district queue: WHERE district = ? AND status = 'open' ORDER BY due_on, id LIMIT n.
            models.Index(fields=["district", "due_on", "id"], name="appeal_queue", condition=OPEN_APPEAL),
            models.Index(fields=["due_on", "id"], name="appeal_open_due", condition=OPEN_APPEAL),
            models.Index(fields=["person", "id"], name="appeal_person"),
            models.Index(fields=["holds_summons_id"], name="appeal_holds_summons",
                         condition=OPEN_APPEAL & models.Q(holds_summons_id__isnull=False)),
            models.Index(fields=["watches_summons_id"], name="appeal_watches_summons",
                         condition=OPEN_APPEAL & models.Q(watches_summons_id__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.number} against {self.subject_kind} {self.subject_ref}"

    @property
    def number(self) -> str:
        return format_number(self.pk)
