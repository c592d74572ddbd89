"""Read models of the integrations service, kept inline with its subscription streams."""

from trellis_integrations.projections.subscriptions import PROJECTIONS, SubscriptionTable

__all__ = ["PROJECTIONS", "SubscriptionTable"]
