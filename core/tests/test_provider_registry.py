"""What the provider registry tells an operator about providers that cannot work, in their language."""

from __future__ import annotations

from django.utils import translation

from core.provider_registry import provider_setup_problem, provider_setup_problems


def test_a_providers_setup_problem_is_shown_in_the_operators_language():
    with translation.override("en"):
        english = provider_setup_problem("gemini_nokey")
    with translation.override("ru"):
        russian = provider_setup_problem("gemini_nokey")
        every = provider_setup_problems()

    assert english is not None and english.startswith("Gemini has no API key")
    assert russian is not None and russian.startswith("У Gemini нет ключа API") and "GEMINI_API_KEY" in russian
    assert every["gemini_nokey"] == russian


def test_an_unknown_provider_is_named_in_the_operators_language():
    with translation.override("ru"):
        problem = provider_setup_problem("nowhere")

    assert problem == (
        "Провайдер 'nowhere' здесь не настроен (settings.PROVIDERS). Что сделать: выберите для слота другой провайдер."
    )
