"""Reward pages: the reporter's claim form and the bureau's reward pages."""

from django.urls import URLPattern, URLResolver, path, re_path

from rewards.views import claim_page, counter, staff

urlpatterns: list[URLPattern | URLResolver] = [
    path("report/claim/", claim_page.claim, name="reward-claim-page"),
    path("rewards/", staff.reward_list, name="rewards"),
    path("rewards/counter/", counter.counter, name="reward-counter"),
    path("rewards/counter/<int:reward_id>/", counter.counter_claim, name="reward-counter-claim"),
    path("rewards/<int:reward_id>/", staff.reward_detail, name="reward"),
    path("rewards/<int:reward_id>/claim-assisted/", staff.reward_claim_assisted, name="reward-claim-assisted-page"),
    path("rewards/<int:reward_id>/reveal/", staff.reward_reveal, name="reward-reveal"),
    re_path(
        r"^rewards/(?P<reward_id>[0-9]+)/(?P<action>approve|reject|offer|pay|reverse|withdraw)/$",
        staff.reward_action,
        name="reward-action",
    ),
]
