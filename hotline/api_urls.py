from django.urls import URLPattern, URLResolver, path

from hotline import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", api.ReportSubmitApi.as_view(), name="report-submit"),
    path("reports/lookup/", api.ReportLookupApi.as_view(), name="report-lookup"),
    path("reports/followup/", api.ReportFollowupApi.as_view(), name="report-followup"),
    path("intake/", api.StaffEntryApi.as_view(), name="staff-intake"),
]
