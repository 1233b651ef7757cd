"""The JSON API: record a conversation's events and read a contact's follow-ups.

Serializers validate, views call the engine's handlers (scheduling.events) and serialize.
"""
