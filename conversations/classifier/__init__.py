"""Classifying an inbound message: `classify(inp)` picks the classifier the settings select.

The built-in rules, or an LLM: `get_classifier` is the single hook
where the LLM classifier plugs in (`conversations.classifier.llm.classify_with_llm`, used
when `inp.model` or `settings.LLM_MODEL` names a model); the opt-out keywords must stay
decided by the rules even then.
"""

from collections.abc import Callable
from functools import partial

from conversations.classifier.rules import classify_rules
from conversations.classifier.types import Classification, ClassifyInput, HistoryItem

__all__ = [
    "Classification",
    "ClassifyInput",
    "HistoryItem",
    "classify",
    "classify_rules",
    "get_classifier",
    "selected_model",
]

Classifier = Callable[[ClassifyInput], Classification]


def selected_model(model: str = "") -> str:
    """The model a bot names, else the project default (settings.LLM_MODEL); "" = rules."""
    if model:
        return model
    from django.conf import settings  # imported late: the rules work without Django set up

    return getattr(settings, "LLM_MODEL", "") if settings.configured else ""


def get_classifier(model: str = "") -> Classifier:
    """The classifier for `model` (see `selected_model`).

    Hook point for the LLM classifier: when `selected_model(model)` is non-empty,
    `conversations.classifier.llm.classify_with_llm` (which still lets the rules decide
    opt-out/opt-in keywords and any answer it can't use); else the rules.
    """
    selected = selected_model(model)
    if not selected:
        return classify_rules
    from conversations.classifier.llm import classify_with_llm  # late: rules-only callers never load it

    return partial(classify_with_llm, model=selected)


def classify(inp: ClassifyInput) -> Classification:
    return get_classifier(inp.model)(inp)
