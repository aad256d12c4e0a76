"""The append-only audit trail, chained by hashes so that tampering shows."""

from django.db import models


class AuditRecord(models.Model):
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=60)  # e.g. person.read, import.persons
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    # The person the record concerns, so the person can see who looked at their record.
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.PROTECT,
                               db_constraint=False, related_name="+")
    purpose = models.CharField(max_length=300, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["person", "at"], name="audit_person_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}"


class PartnerRead(models.Model):
    """One disclosure of a person's data in bulk or at speed, for that person's access log: a
    partner's check, a feed page, a webhook delivery, an officer's list.

    Kept apart from the hash chain: checks come in at hundreds a second, and the chain serialises
    every writer. Each row is still append-only and shown to the person beside the chained reads
    (muster.audit.access). Named for its first use, partner checks; `partner` holds the partner's
    name, or the actor's name for other roles."""

    at = models.DateTimeField()
    partner = models.CharField(max_length=100)
    role = models.CharField(max_length=30, db_default="partner")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, db_constraint=False,
                               related_name="+")
    purpose = models.CharField(max_length=300)

    class Meta:
        indexes = [models.Index(fields=["person", "at"], name="partner_read_person_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.partner}"


class FeedRead(models.Model):
    """One read of a partner's feed, a page or a webhook delivery: the entries `after_seq` < seq <=
    `upto_seq` of that partner's feed were disclosed to it at `at`.

    One row a page rather than one a person on it: a partner pages through millions of entries,
    and each entry names its person (partners_feedentry.person_id, indexed), so each person's
    access log shows every page that carried them (muster.audit.access.reads_of)."""

    at = models.DateTimeField()
    partner_id = models.BigIntegerField()
    partner = models.CharField(max_length=100)
    purpose = models.CharField(max_length=300)
    after_seq = models.BigIntegerField()
    upto_seq = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["partner_id", "upto_seq"], name="feed_read_partner_upto")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.partner} {self.after_seq}..{self.upto_seq}"


class SpoolFile(models.Model):
    """How many lines of a partner-read spool file are in PartnerRead (muster.audit.spool), so a
    file replayed after a crash adds only what its process had not written."""

    name = models.CharField(max_length=100, primary_key=True)
    lines = models.BigIntegerField()
    written_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: {self.lines} lines"
