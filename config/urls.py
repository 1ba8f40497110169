from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import health, metrics
from notifications.views import twilio_status

api_v1 = [
    path("", include("cases.api_urls")),
    path("", include("directory.api_urls")),
    path("reports/claim/", include("rewards.claim_urls")),
    path("", include("hotline.api_urls")),
    path("rewards/", include("rewards.api_urls")),
    path("live/", include("notifications.api_urls")),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("hotline/twilio/status/", twilio_status, name="twilio-status"),
    path("hotline/", include("hotline.urls")),
    path("open311/v2/", include("hotline.open311_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("hotline.page_urls")),
    path("", include("rewards.page_urls")),
    path("", include("cases.page_urls")),
]
