"""Twilio webhooks; these paths are typed into the Twilio console, so they stay fixed.

``/hotline/twilio/status/`` (delivery callbacks) belongs to notifications and is routed in config.
"""

from django.urls import URLPattern, URLResolver, path

from hotline.views import sms, voice

app_name = "hotline"

urlpatterns: list[URLPattern | URLResolver] = [
    path("twilio/sms/", sms.sms_incoming, name="twilio-sms"),
    path("twilio/voice/", voice.welcome, name="twilio-voice"),
    path("twilio/voice/menu/", voice.menu, name="twilio-voice-menu"),
    path("twilio/voice/town/", voice.town_chosen, name="twilio-voice-town"),
    path("twilio/voice/recorded/", voice.recorded, name="twilio-voice-recorded"),
    path("twilio/voice/status/", voice.case_status, name="twilio-voice-status"),
    path("twilio/voice/transcription/", voice.transcription, name="twilio-voice-transcription"),
]
