"""Staff pages (login, desk, inbox, case page, dashboard, exports) and the public ``/stats/``."""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, path

from cases.views import accounts, case_page, dashboard, desk, inbox

urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/login/", accounts.StaffLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("accounts/second-factor/", accounts.second_factor, name="staff-otp"),
    path("staff/", accounts.staff_home, name="staff-home"),
    path("desk/", desk.queue, name="desk"),
    path("desk/new/", desk.enter, name="desk-new"),
    path("desk/<str:reference>/", desk.triage, name="desk-case"),
    path("desk/<str:reference>/edit/", desk.edit, name="desk-edit"),
    path("desk/<str:reference>/decide/", desk.decide, name="desk-decide"),
    path("desk/<str:reference>/merge/", desk.merge, name="desk-merge"),
    path("desk/<str:reference>/assign/", desk.assign, name="desk-assign"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("cases/<str:reference>/", case_page.case_detail, name="case"),
    path("cases/<str:reference>/transition/", case_page.transition, name="case-transition"),
    path("cases/<str:reference>/findings/", case_page.findings, name="case-findings"),
    path("cases/<str:reference>/notes/", case_page.note, name="case-note"),
    path("cases/<str:reference>/questions/", case_page.question, name="case-question"),
    path("cases/<str:reference>/reveal/", case_page.reveal, name="case-reveal"),
    path("cases/<str:reference>/attachments/<int:pk>/", case_page.attachment, name="case-attachment"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/export.csv", dashboard.export, {"fmt": "csv"}, name="dashboard-export-csv"),
    path("dashboard/export.xlsx", dashboard.export, {"fmt": "xlsx"}, name="dashboard-export-xlsx"),
    path("dashboard/monthly-report.xlsx", dashboard.monthly_report, name="dashboard-monthly-report"),
    path("stats/", dashboard.public_stats, name="public-stats"),
]
