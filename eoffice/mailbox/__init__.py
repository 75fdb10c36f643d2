"""The agency's official mailbox (IMAP): messages with documents become pending_registration arrivals."""
