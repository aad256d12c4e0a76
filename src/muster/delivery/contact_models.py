"""A person's pending change of email or phone, confirmed by a code sent to the new channel, and
their consent to electronic notices (muster.delivery.contacts). Label "dueprocess"."""

from django.db import models


class ContactChange(models.Model):
    """A change the person asked for; it takes effect when confirmed. Only the code's keyed hash is
    kept; the new value waits here until then (it becomes the registry's value, as any other)."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, db_constraint=False,
                               db_index=False, related_name="+")  # indexed by contact_change_person
    channel = models.CharField(max_length=5)  # email | phone
    value = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=100)  # salt$HMAC-SHA256
    created_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)  # wrong codes typed
    state = models.CharField(max_length=10, default="pending")  # pending | confirmed | closed
    closed_at = models.DateTimeField(null=True, blank=True)
    delivery_ref = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "id"], name="contact_change_person")]

    def __str__(self) -> str:
        return f"{self.channel} change #{self.pk} ({self.state})"


class NoticeConsent(models.Model):
    """Whether the person agrees to receive notices electronically (email, SMS, the account);
    absent: never asked, the registry's electronic_account stands."""

    person = models.OneToOneField("registry.Person", on_delete=models.PROTECT, db_constraint=False,
                                  related_name="+", primary_key=True)
    electronic = models.BooleanField()
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"consent {'on' if self.electronic else 'off'}"
