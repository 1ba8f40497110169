from django.urls import path

from rewards.claim_api import RewardClaimApi

urlpatterns = [path("", RewardClaimApi.as_view(), name="reward-claim")]
