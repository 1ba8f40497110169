from django.urls import path

from rewards import api

urlpatterns = [
    path("", api.RewardListApi.as_view(), name="reward-list"),
    path("propose/", api.RewardProposeApi.as_view(), name="reward-propose"),
    path("reports/", api.RewardReportApi.as_view(), name="reward-report"),
    path("calculate/<str:reference>/", api.RewardCalculationApi.as_view(), name="reward-calculate"),
    path("policies/", api.PolicyListApi.as_view(), name="reward-policies"),
    path("budgets/", api.BudgetReportApi.as_view(), name="reward-budgets"),
    path("<int:reward_id>/", api.RewardDetailApi.as_view(), name="reward-detail"),
    path("<int:reward_id>/claim-assisted/", api.AssistedClaimApi.as_view(), name="reward-claim-assisted"),
    path("<int:reward_id>/payment-details/", api.PaymentDetailsApi.as_view(), name="reward-payment-details"),
    *[path(f"<int:reward_id>/{slug}/", view.as_view(), name=f"reward-{slug}") for slug, view in api.ACTIONS.items()],
]
