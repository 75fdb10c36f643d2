"""E-mail notifications: a transactional outbox delivered over SMTP."""
