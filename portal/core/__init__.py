"""What every domain shares: model base, cases and workflows, outbox, policy, i18n."""
