"""Open311 GeoReport v2 (``/open311/v2/``): the format is the extension, as the spec has it."""

from django.urls import URLPattern, URLResolver, re_path

from hotline.views import open311

FMT = r"(?P<fmt>json|xml)"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(rf"^services\.{FMT}$", open311.services, name="open311-services"),
    re_path(rf"^services/(?P<code>[\w-]+)\.{FMT}$", open311.service_definition, name="open311-service"),
    re_path(rf"^requests\.{FMT}$", open311.requests, name="open311-requests"),
    re_path(rf"^requests/(?P<request_id>[\w-]+)\.{FMT}$", open311.request_detail, name="open311-request"),
]
