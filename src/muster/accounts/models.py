"""An officer's account: Django's user (the login) with a Muster role and districts."""

from django.conf import settings
from django.db import models

from muster.kernel.actor import OFFICER_ROLES

ROLE_CHOICES = sorted((str(r), str(r).replace("_", " ")) for r in OFFICER_ROLES)


class Officer(models.Model):
    """Who an account acts as: the role decides what it may do (muster.rules.access), the districts
    where (`all_districts`, or the codes in `districts`)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer")
    role = models.CharField(max_length=30, choices=ROLE_CHOICES)
    all_districts = models.BooleanField(default=False)
    districts = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        where = "all districts" if self.all_districts else ", ".join(self.districts) or "no district"
        return f"{self.user} ({self.role}, {where})"
