from django.urls import path

from cases import api

urlpatterns = [
    path("cases/", api.CaseListApi.as_view(), name="case-list"),
    path("cases/<str:reference>/", api.CaseDetailApi.as_view(), name="case-detail"),
    *[
        path(f"cases/<str:reference>/{slug}/", view.as_view(), name=f"case-{slug}")
        for slug, view in api.ACTIONS.items()
    ],
]
