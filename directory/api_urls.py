from django.urls import path

from directory import api

urlpatterns = [
    path("towns/", api.TownListApi.as_view(), name="town-list"),
    path("enterprises/", api.EnterpriseListApi.as_view(), name="enterprise-list"),
    path("enterprises/<int:pk>/", api.EnterpriseDetailApi.as_view(), name="enterprise-detail"),
]
