"""The registry: people, where each value came from, districts and sources.

Every field of a person keeps the observation it came from, which names the
source and when it was observed: `<field>_obs`, or, where that is empty and
the field has a value, `first_observation` (the one that brought the person
in). Most people are only ever observed once, so their rows carry one
observation id instead of thirteen. The columns are plain integers without
an index or constraint so bulk loads stay fast; an observation is never
deleted.
"""

from django.db import models


class District(models.Model):
    pack_code = models.CharField(max_length=40)
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    office = models.CharField(max_length=300)
    office_address = models.CharField(max_length=500, blank=True)
    daily_capacity = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Source(models.Model):
    """An agency or channel that supplies data about people."""

    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Observation(models.Model):
    """One delivery of data from a source (an import file, a submission) at a point in time."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT)
    observed_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=20)  # import | submission | correction
    reference = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.observed_at:%Y-%m-%d %H:%M}"


def _obs():
    return models.BigIntegerField(null=True, blank=True, editable=False)


class Person(models.Model):
    national_id = models.CharField(max_length=32, unique=True)
    family_name = models.CharField(max_length=100, null=True)
    given_name = models.CharField(max_length=100, null=True)
    patronymic = models.CharField(max_length=100, null=True, blank=True)
    sex = models.CharField(max_length=1, null=True)
    birth_date = models.DateField(null=True)
    death_date = models.DateField(null=True, blank=True)
    citizenship = models.CharField(max_length=2, null=True)
    district = models.CharField(max_length=20, null=True)
    address = models.CharField(max_length=500, null=True, blank=True)
    postcode = models.CharField(max_length=10, null=True, blank=True)
    email = models.CharField(max_length=254, null=True, blank=True)
    phone = models.CharField(max_length=16, null=True, blank=True)
    electronic_account = models.BooleanField(null=True)

    family_name_obs = _obs()
    given_name_obs = _obs()
    patronymic_obs = _obs()
    sex_obs = _obs()
    birth_date_obs = _obs()
    death_date_obs = _obs()
    citizenship_obs = _obs()
    district_obs = _obs()
    address_obs = _obs()
    postcode_obs = _obs()
    email_obs = _obs()
    phone_obs = _obs()
    electronic_account_obs = _obs()
    # The observation that first brought the person into the registry.
    first_observation = _obs()

    class Meta:
        indexes = [models.Index(fields=["district", "birth_date"], name="person_district_birth")]

    def __str__(self) -> str:
        return f"person #{self.pk}"

    def observation_id_of(self, field: str) -> int | None:
        """The observation the current value of `field` came from (None if it has no value)."""
        if getattr(self, field) is None:
            return None
        return getattr(self, f"{field}_obs") or self.first_observation


class PersonStatus(models.Model):
    """A status that takes a person out of liability for a period (exempt, deferred, serving,
    unfit), or changes what they are called up for (alternative_service). One a decision granted
    names it (`decision_number`), so the decision can end it (muster.registry.statuses)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="statuses")
    kind = models.CharField(max_length=20)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    decision_number = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["person", "kind"], name="person_status_person"),
                   models.Index(fields=["decision_number"], name="person_status_decision",
                                condition=~models.Q(decision_number=""))]
        verbose_name_plural = "person statuses"

    def __str__(self) -> str:
        return f"{self.kind} from {self.valid_from}"
