"""What the local server is when a test does not say: its models, texts and messages.

Model ids, Baseten's catalogue fields, the reasoning text of reasoning models,
the embedding size, the fingerprint and the gateway's error messages. Tests
compare against these (``fb.DEFAULT_REASONING``, ``fb.DEFAULT_MODELS`` ...), so
they are plain data, imported by every other module of the server.
"""

from __future__ import annotations

from typing import Any

DEFAULT_MODELS = ["openai/gpt-oss-120b", "deepseek-ai/DeepSeek-V3.1"]


DEFAULT_MODEL = DEFAULT_MODELS[0]


#: The catalogue fields Baseten's Model APIs add to each ``GET /v1/models`` entry:
#: ``context_length``, ``max_completion_tokens``, ``supported_features`` (tools,
#: json_mode, structured_outputs, reasoning), ``input_modalities`` and ``pricing``
#: (``prompt``, ``completion``, ``input_cache_read``: strings, USD per token).
#: Source: Baseten's Model APIs overview ("see the /v1/models endpoint for current
#: pricing", https://docs.baseten.co/inference/model-apis/overview) and models.dev's
#: Baseten provider, whose entries are synced from that endpoint. The values below
#: are test data, deliberately different from the shipped tables so tests can tell
#: a live value from a shipped one.
DEFAULT_CATALOG: dict[str, dict[str, Any]] = {
    "openai/gpt-oss-120b": {
        "context_length": 131072,
        "max_completion_tokens": 65536,
        "supported_features": ["tools", "json_mode", "structured_outputs", "reasoning"],
        "input_modalities": ["text"],
        "pricing": {"prompt": "0.00000012", "completion": "0.0000006", "input_cache_read": None},
    },
    "deepseek-ai/DeepSeek-V3.1": {
        "context_length": 163840,
        "max_completion_tokens": 131072,
        "supported_features": ["tools", "reasoning"],
        "input_modalities": ["text"],
        "pricing": {
            "prompt": "0.0000005",
            "completion": "0.0000015",
            "input_cache_read": "0.0000001",
        },
    },
}


DEFAULT_REASONING = "thinking about it"


DEFAULT_EMBEDDING_DIMENSIONS = 8


SYSTEM_FINGERPRINT = "fp_fake_baseten"


#: What Baseten's gateway says for each status when no body is given.
ERROR_MESSAGES = {
    400: "Bad request: the request body is invalid",
    401: "Invalid API key. Check BASETEN_API_KEY and try again.",
    402: "Payment required: add a payment method to your Baseten account",
    403: "Forbidden: this API key cannot access this model",
    404: "Model not found",
    405: "Method not allowed",
    413: "Request entity too large",
    422: "Unprocessable entity",
    429: "Rate limit exceeded. Please retry after some time.",
    500: "Internal server error",
    502: "Bad gateway: the model container restarted",
    503: "Service unavailable: the model is loading, please retry",
    504: "Gateway timeout: the request took longer than 1200 seconds",
}
