"""The demo's casework (run by muster.demo after its campaigns, at the demo's "now"): an excuse
accepted with its measures lifted, a study deferment by straight-through processing from an
education register's enrolment fact, and an appeal to the court that suspends a summons' measures.
Everything goes through the services, as an officer or a partner would; nothing is written around
them. The summary names the application and appeal numbers and the commands to look at them."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

from muster.campaigns import services as campaigns
from muster.casework import appeals
from muster.casework import services as casework
from muster.casework.appeal_models import Appeal
from muster.casework.models import Application
from muster.kernel.actor import Actor
from muster.measures import services as measures
from muster.measures.models import Measure
from muster.partners import keys
from muster.partners import services as partners
from muster.partners.models import RegisterFact
from muster.rules.notice_numbers import format_summons_number
from muster.rules.policy import Pack
from muster.rules.vocabulary import OPEN_SUMMONS, MeasureStatus, Purpose, SummonsStatus
from muster.summons.models import Summons

CALL_UP = "DEMO-CALLUP"
EDUCATION = "Реестр обучающихся"  # the education register: submits enrolment facts
BORDER = "Пограничная служба"


def call_up_request(pack: Pack, today: date) -> campaigns.CampaignRequest:
    """A small call-up whose appearance dates are still to come: the study deferment cancels one."""
    biggest = sorted(pack.districts, key=lambda d: -d.daily_capacity)[:3]
    return campaigns.CampaignRequest(
        code=CALL_UP, purpose=Purpose.CALL_UP, districts={d.code: 10 for d in biggest},
        appear_from=today + timedelta(days=5), appear_to=today + timedelta(days=12),
        place="Сборный пункт, ул. Военная, 3")


def education_partner(actor: Actor) -> dict[str, str]:
    """The education register, granted `enrolment` submissions and no measure kinds (it only submits:
    it may not check anyone's measures); its key is shown once, like the others'."""
    return {EDUCATION: keys.add(EDUCATION, [], "", actor=actor, submit=["enrolment"])["api_key"]}


def one_page_pdf(*lines: str) -> bytes:
    """A one-page PDF made here (reportlab): the demo's evidence."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    for i, line in enumerate(lines):
        page.drawString(72, 770 - 20 * i, line)
    page.showPage()
    page.save()
    return out.getvalue()


def run(pack: Pack, today: date, now: datetime, keys_shown: dict[str, str], *, actor: Actor,
        campaign_code: str) -> dict[str, Any]:
    """The three cases, each at its own minute before `now` (every instant must be past); returns
    the border partner's check of the appellant after filing (what partners see of the suspension)."""
    _excuse(pack, now - timedelta(minutes=30), actor, campaign_code)
    check = _appeal(now - timedelta(minutes=20), actor, campaign_code, keys_shown.get(BORDER))
    if EDUCATION in keys_shown:
        _study(pack, today, now - timedelta(minutes=10), actor, keys_shown[EDUCATION])
    _waiting(pack, now - timedelta(minutes=5), actor)
    return check


def _missed_with_measures(campaign_code: str, skip: set[int]) -> Summons | None:
    """A missed summons of the campaign with an active exit ban (the border partner's kind) and none under appeal."""
    held = Measure.objects.filter(summons__campaign__code=campaign_code, summons__status=SummonsStatus.MISSED,
                                  status=MeasureStatus.ACTIVE, kind="exit_ban").exclude(person_id__in=skip)
    measure = held.order_by("summons_id").select_related("summons").first()
    return measure.summons if measure else None


def _excuse(pack: Pack, at: datetime, actor: Actor, campaign_code: str) -> None:
    summons = _missed_with_measures(campaign_code, set())
    if summons is None:
        return
    filed = casework.submit(actor, pack, summons.person.national_id, "excuse", "illness",
                            summons_number=format_summons_number(summons.number),
                            files=[casework.EvidenceInput("sick-note.pdf", one_page_pdf(
                                "Certificate of temporary incapacity for work (demo)",
                                "Issued by the district polyclinic; the person was ill on the appearance date."))],
                            at=at)
    casework.decide(actor, filed["number"], "grant", "Sick note from the district polyclinic covers the appearance date",
                    at=at + timedelta(minutes=1))


def _appeal(at: datetime, actor: Actor, campaign_code: str, border_key: str | None) -> dict[str, Any]:
    """At the court (level 2, recorded by an officer): filing suspends the summons' measures at once."""
    excused = set(Application.objects.filter(kind="excuse").values_list("person_id", flat=True))
    summons = _missed_with_measures(campaign_code, excused)
    if summons is None:
        return {}
    filed = appeals.file(actor, f"summons:{format_summons_number(summons.number)}",
                         "The summons was delivered to a former address; the person asks the court to quash it",
                         at, level=2)
    border = keys.authenticate(border_key) if border_key else None
    if border is None:
        return {}
    shown = measures.check(border, summons.person.national_id)["measures"]
    suspended = {m["measure"] for m in filed["suspends"]}
    return {"partner": BORDER, "suspended_measures_in_force": sum(m["measure_id"] in suspended for m in shown)}


def _study(pack: Pack, today: date, at: datetime, actor: Actor, key: str) -> None:
    summons = (Summons.objects.filter(campaign__code=CALL_UP, status__in=OPEN_SUMMONS)
               .select_related("person").order_by("appearance_date", "id").first())
    if summons is None:
        return
    register = keys.authenticate(key)
    assert register is not None
    data = {"institution": "Московский государственный университет", "programme": "Физика", "level": "bachelor",
            "full_time": True, "started_on": (today - timedelta(days=450)).isoformat(),
            "expected_end": (today + timedelta(days=600)).isoformat(), "status": "enrolled"}
    body = repr(sorted(data.items())).encode()
    partners.submit(register, pack, summons.person.national_id, "enrolment", data, at, "demo-enrolment-1", body)
    casework.stp_run(actor, pack, at + timedelta(minutes=1), today)  # decided by system:stp


def _waiting(pack: Pack, at: datetime, actor: Actor) -> None:
    """A deferment filed on the portal and left for an officer: what `muster queue list` shows."""
    taken = set(RegisterFact.objects.values_list("person_id", flat=True))
    summons = (Summons.objects.filter(campaign__code=CALL_UP, status__in=OPEN_SUMMONS).exclude(person_id__in=taken)
               .select_related("person").order_by("appearance_date", "id").first())
    if summons is None:
        return
    casework.submit(actor, pack, summons.person.national_id, "deferment", "two_or_more_children", at=at,
                    channel="portal", files=[casework.EvidenceInput("birth-certificates.pdf", one_page_pdf(
                        "Birth certificates of two children (demo)"))])


def summary() -> dict[str, Any]:
    """Where to look: the numbers and states the demo's casework left (read again on a second demo)."""
    out: dict[str, Any] = {}
    excuse = Application.objects.filter(kind="excuse").select_related("summons").order_by("id").first()
    if excuse is not None and excuse.summons is not None:
        out["excuse"] = {"application": excuse.number, "status": excuse.status,
                         "summons": format_summons_number(excuse.summons.number), "summons_status": excuse.summons.status,
                         "measures": _statuses(Measure.objects.filter(summons=excuse.summons))}
    appeal = Appeal.objects.order_by("id").first()
    if appeal is not None:
        out["appeal"] = {"number": appeal.number, "level": appeal.level, "body": appeal.body,
                         "against": f"{appeal.subject_kind}:{appeal.subject_ref}",
                         "measures": _statuses(Measure.objects.filter(pk__in=appeal.suspended))}
    fact = RegisterFact.objects.filter(partner__name=EDUCATION).order_by("id").first()
    if fact is not None:
        granted = (Application.objects.filter(person_id=fact.person_id, kind="deferment", ground="study")
                   .order_by("id").first())
        open_call_up = Summons.objects.filter(person_id=fact.person_id, campaign__code=CALL_UP).first()
        out["study"] = {"fact": fact.outcome or "unprocessed", "rule": fact.rule or None,
                        "application": granted.number if granted else None,
                        "decided_by": granted.decisions.order_by("-id").values_list("decided_by", flat=True).first()
                        if granted else None,
                        "summons": format_summons_number(open_call_up.number) if open_call_up else None,
                        "summons_status": open_call_up.status if open_call_up else None}
    waiting = Application.objects.filter(kind="deferment", channel="portal").order_by("id").first()
    if waiting is not None:
        out["waiting"] = {"application": waiting.number, "kind": waiting.kind, "ground": waiting.ground,
                          "status": waiting.status, "due_on": waiting.due_on}
    out["look"] = _commands(out)
    return out


def _statuses(measures_qs: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in measures_qs.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def _commands(out: dict[str, Any]) -> list[str]:
    look = []
    if "excuse" in out:
        look.append(f"muster application show {out['excuse']['application']}")
    if out.get("study", {}).get("application"):
        look.append(f"muster application show {out['study']['application']}")
    if "study" in out:
        look.append("muster stp list")
    if "appeal" in out:
        look.append(f"muster appeal show {out['appeal']['number']}")
    if "waiting" in out:
        look.append(f"muster application show {out['waiting']['application']}")
    look.append("muster queue list")
    return look
