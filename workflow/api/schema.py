"""The OpenAPI document says what the server enforces (drf-spectacular extensions).

Every request body is a `StrictSerializer`: keys it does not name are refused with a 400,
so its schema says `additionalProperties: false`.
"""
from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension


class StrictSerializerExtension(OpenApiSerializerExtension):
    target_class = "workflow.api.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema
