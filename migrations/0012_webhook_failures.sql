-- Webhook deliveries are logged as 'sent' before their POST; a failure adds an 'error' entry with
-- the same query.delivery. The data subject's access report drops a 'sent' batch whose failure
-- shows nothing left brx, looking the failure up by delivery id: this index keeps that a probe
-- rather than a scan of the access log. Partial, so only failed webhook attempts pay for it.
create index audit_access_webhook_failure_idx on audit_access ((query->>'delivery')) where mode = 'webhook' and outcome = 'error';
