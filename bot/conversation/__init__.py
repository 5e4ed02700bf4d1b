"""What syncdesk says as a conversation goes on, after the first message (no Rasa here)."""
