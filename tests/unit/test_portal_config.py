"""The portal's sign-in settings: safe defaults for development, refusals in production."""

import pytest

from muster.kernel.config import DEV_OIDC_ISSUER, ConfigError, load
from tests.unit.test_config import PRODUCTION


def test_development_defaults_to_the_loopback_provider():
    oidc = load({}).oidc
    assert oidc.issuer == DEV_OIDC_ISSUER and oidc.national_id_claim == "national_id"
    assert oidc.required_acr == "" and oidc.scopes == "openid" and oidc.signin_rate_per_minute == 20


def test_production_without_an_issuer_has_no_portal_sign_in():
    assert load(PRODUCTION).oidc.issuer is None


def test_production_accepts_an_https_provider_with_its_client():
    oidc = load({**PRODUCTION, "MUSTER_OIDC_ISSUER": "https://esia.example/", "MUSTER_OIDC_CLIENT_ID": "muster",
                 "MUSTER_OIDC_CLIENT_SECRET": "s" * 32, "MUSTER_OIDC_NATIONAL_ID_CLAIM": "snils",
                 "MUSTER_OIDC_REQUIRED_ACR": "high"}).oidc
    assert (oidc.issuer, oidc.client_id, oidc.national_id_claim, oidc.required_acr) == \
        ("https://esia.example", "muster", "snils", "high")


@pytest.mark.parametrize(("env", "problem"), [
    ({"MUSTER_OIDC_ISSUER": "http://esia.example", "MUSTER_OIDC_CLIENT_ID": "m",
      "MUSTER_OIDC_CLIENT_SECRET": "s" * 32}, "MUSTER_OIDC_ISSUER must be an https"),
    ({"MUSTER_OIDC_ISSUER": "https://esia.example", "MUSTER_OIDC_CLIENT_ID": "m"}, "MUSTER_OIDC_CLIENT_SECRET"),
    ({"MUSTER_OIDC_ISSUER": "https://esia.example", "MUSTER_OIDC_CLIENT_SECRET": "s" * 32}, "MUSTER_OIDC_CLIENT_ID"),
])
def test_production_refuses_an_unsafe_provider(env, problem):
    with pytest.raises(ConfigError, match=problem):
        load({**PRODUCTION, **env})


@pytest.mark.parametrize(("env", "problem"), [
    ({"MUSTER_OIDC_ISSUER": "ftp://x"}, "MUSTER_OIDC_ISSUER"),
    ({"MUSTER_OIDC_ISSUER": "https://x/?a=b"}, "MUSTER_OIDC_ISSUER"),
    ({"MUSTER_OIDC_NATIONAL_ID_CLAIM": "a b"}, "MUSTER_OIDC_NATIONAL_ID_CLAIM"),
    ({"MUSTER_PORTAL_SIGNIN_RATE_PER_MINUTE": "0"}, "MUSTER_PORTAL_SIGNIN_RATE_PER_MINUTE"),
])
def test_bad_values_are_refused_naming_the_variable(env, problem):
    with pytest.raises(ConfigError, match=problem):
        load(env)
