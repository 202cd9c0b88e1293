-- Webhook and notification secrets are stored encrypted from now on (exchange/secrets/). Those
-- saved in clear before are marked here, unambiguously, and the exchange encrypts them at its
-- next start; a value is never guessed to be clear or encrypted from its content.
update subscriptions set secret = 'plain:' || secret where secret is not null;
update systems set notify_secret = 'plain:' || notify_secret where notify_secret is not null;
