from typing import Any

from django.test import RequestFactory
from twilio.request_validator import RequestValidator

from config import twilio
from tests.fakes.twilio_api import AUTH_TOKEN


def test_the_real_client_talks_to_the_fake_api(fake_twilio: Any) -> None:
    message = twilio.client().messages.create(to="+8613812341234", from_="+861069000000", body="回执 1234")
    assert message.sid.startswith("SM")
    assert fake_twilio.sent_messages() == [{"To": "+8613812341234", "From": "+861069000000", "Body": "回执 1234"}]


def test_a_signature_from_twilios_own_validator_is_accepted_and_a_forged_one_is_not(fake_twilio: Any) -> None:
    form = {"From": "+8613812341234", "Body": "你好", "MessageSid": "SM1"}
    url = "http://testserver/hotline/twilio/sms/"
    good = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    factory = RequestFactory()
    assert twilio.signature_valid(factory.post("/hotline/twilio/sms/", form, HTTP_X_TWILIO_SIGNATURE=good))
    assert not twilio.signature_valid(factory.post("/hotline/twilio/sms/", form, HTTP_X_TWILIO_SIGNATURE="forged"))
    assert not twilio.signature_valid(
        factory.post("/hotline/twilio/sms/", {**form, "Body": "改"}, HTTP_X_TWILIO_SIGNATURE=good)
    )
