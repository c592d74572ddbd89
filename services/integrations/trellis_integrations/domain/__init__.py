"""Pure rules of the integrations service: subscriptions, retries, xAPI statements."""
