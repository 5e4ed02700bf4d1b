"""syncdesk's Rasa input channels: Rasa's own, with the checks a public endpoint needs."""
