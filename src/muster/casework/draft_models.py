"""A person's application draft, saved between visits (muster.casework.drafts). Label "casework".

The draft's `token` is the idempotency key of its final POST: submission claims the draft once
(`state` open -> submitted in one UPDATE), so a form sent twice files one application, and the
second answer repeats the first (`application_number`, `due_on`)."""

from django.db import models


class ApplicationDraft(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+",
                               db_constraint=False, db_index=False)  # indexed by draft_person
    kind = models.CharField(max_length=20)
    pack_code = models.CharField(max_length=40)
    answers = models.JSONField(default=dict)  # question -> answer, as muster.rules.drafts cleans them
    evidence = models.JSONField(default=list)  # [{name, sha256, size, type}] stored by muster.casework.evidence
    token = models.CharField(max_length=64)  # compared on submission; drafts are found by id
    state = models.CharField(max_length=10, default="open")  # open | submitted | discarded
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    application_number = models.CharField(max_length=20, blank=True)
    due_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "id"], name="draft_person")]

    def __str__(self) -> str:
        return f"draft {self.pk} ({self.kind}, {self.state})"
