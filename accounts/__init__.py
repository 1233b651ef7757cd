"""Who may see what: businesses (accounts), their members' roles, and their API keys."""
