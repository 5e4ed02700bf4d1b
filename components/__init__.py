"""syncdesk's custom Rasa NLU components (thin adapters over ``bot``)."""
