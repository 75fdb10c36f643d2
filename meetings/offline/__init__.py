"""What a tablet needs to work without the network: the meeting book and idempotent writes."""
