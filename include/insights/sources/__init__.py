"""One HTTP client per SaaS API (Amplitude, Zendesk, Typeform); no Airflow imports here."""
