from django.urls import URLPattern, URLResolver, path

from hotline.views import pages

urlpatterns: list[URLPattern | URLResolver] = [
    path("report/", pages.report, name="report"),
    path("report/status/", pages.status, name="report-status"),
]
