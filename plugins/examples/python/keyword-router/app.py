"""Keyword router: an exthost extension written in Python.

On every customer message it looks for the admin's keywords and tags the
message with a routing category (annotation ``routing.category``), so agents'
queues can pick it up. Settings: ``rules``, one ``keyword => category`` per
line. Built with componentize-py against the ``message-watcher`` world.
"""

import json
import re

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports import metadata
from wit_world.imports.types import FieldError
from wit_world.imports import log, types

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "rules": {
            "type": "string",
            "title": "Routing rules",
            "description": "One rule per line: keyword => category, e.g. `refund => billing`.",
            "default": "",
            "x-widget": "textarea",
        }
    },
}


def parse_rules(config: str):
    """The (keyword, category) pairs of the settings, or the field errors."""
    try:
        settings = json.loads(config) if config.strip() else {}
    except ValueError as e:
        return None, [FieldError(field="", message=f"settings are not valid JSON: {e}")]
    if not isinstance(settings, dict):
        return None, [FieldError(field="", message="settings must be a JSON object")]
    errors = [FieldError(field=k, message="unknown setting") for k in settings if k != "rules"]
    text = settings.get("rules") or ""
    if not isinstance(text, str):
        return None, errors + [FieldError(field="rules", message="must be text, one rule per line")]
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, sep, category = (part.strip() for part in line.partition("=>"))
        if not sep or not keyword or not category:
            errors.append(FieldError(field="rules", message=f"line {number}: expected `keyword => category`"))
            continue
        rules.append((re.compile(r"\b" + re.escape(keyword.lower()) + r"\b"), category))
    return (None, errors) if errors else (rules, [])


RULES = []


class Metadata(exports.Metadata):
    def describe(self) -> metadata.Manifest:
        return metadata.Manifest(
            name="keyword-router",
            version="0.1.0",
            title="Keyword router (Python)",
            description="Tags customer messages with a routing category when they mention a keyword.",
            config_schema=json.dumps(SCHEMA),
            capabilities=[],
        )

    def validate_config(self, config: str) -> None:
        _, errors = parse_rules(config)
        if errors:
            raise Err(errors)

    def init(self, env: types.Environment, config: str) -> None:
        global RULES
        rules, errors = parse_rules(config)
        if errors:
            raise Err(errors)
        RULES = rules
        log.log(log.Level.DEBUG, f"{len(RULES)} routing rules for {env.extension_id}")


class OnMessage(exports.OnMessage):
    def handle(self, ctx: types.Context, event: types.MessageEvent) -> types.MessageOutcome:
        annotations = []
        if isinstance(event, types.MessageEvent_Received):
            body = event.value.body.lower()
            for pattern, category in RULES:
                if pattern.search(body):
                    annotations.append(types.Annotation(key="routing.category", value=category))
                    break
        return types.MessageOutcome(annotations=annotations, moderation=types.Moderation_None_())
