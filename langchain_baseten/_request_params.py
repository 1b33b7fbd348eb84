"""Request parameters: which keys are known, the names refused or mapped, the checks before sending.

:data:`PARAMETERS` declares every request parameter once: its name, whether it
is a ``ChatBaseten`` field or a pass-through body key, its range and a doc
line. :data:`BASETEN_EXTRA_PARAMS`, :data:`SAMPLING_FIELDS` (sent from the
instance, and in the tracing params), the range checks below and the table of
docs/parameters.md derive from it; ``test_keyword_policy.py`` fails when a
field, that page or a check drifts from it.

Where each keyword of a constructor or a call goes (the keyword policy) is
decided by :mod:`langchain_baseten._keyword_policy`, from the tables here.

Numbers outside the ranges Baseten's API accepts, ``n`` other than 1, and too
many stop sequences are rejected here, with an error naming the parameter and
the allowed range, before any request leaves the machine. ``reasoning_effort``
is passed through unchecked: its allowed values differ per model and the server
says which.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from langchain_baseten._server_tools import is_server_tool

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "BASETEN_EXTRA_PARAMS",
    "MAX_STOP_SEQUENCES",
    "PARAMETERS",
    "PARAMETER_NAMES",
    "REFUSED",
    "RENAMED",
    "SAMPLING_FIELDS",
    "Param",
    "check_body_keys",
    "check_request_params",
    "close_parameter",
    "is_credential_name",
    "is_secret_header",
    "refusal",
    "typo_refusal",
]

#: Stop sequences Baseten accepts at most.
MAX_STOP_SEQUENCES = 32

# ---------------------------------------------------------------------- the parameter table

ParamKind = Literal["sampling", "field", "extra"]


@dataclass(frozen=True, slots=True)
class Param:
    """One request parameter: how it is given, what range Baseten accepts, what it does.

    Attributes:
        name: The body key (and the ``ChatBaseten`` field, unless an extra).
        kind: ``sampling``: a ``ChatBaseten`` field sent as given when set;
            ``field``: a field with its own handling (``stop``, ``n``);
            ``extra``: no field, a pass-through body key (keyword arguments,
            ``model_kwargs``, per call) that does not warn.
        doc: What it does, one line (the table of docs/parameters.md).
        low: Smallest value accepted (``None``: no lower bound, or not a number).
        high: Largest value accepted (``None``: no upper bound).
        whole: A count: whole numbers only (``2.0`` is fine, ``1.5`` is not).
        aliases: Other names of the field (pydantic validation aliases).
    """

    name: str
    kind: ParamKind
    doc: str
    low: float | None = None
    high: float | None = None
    whole: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def ranged(self) -> bool:
        """Whether a numeric range is checked before sending."""
        return self.low is not None or self.high is not None


#: Every request parameter ``ChatBaseten`` knows, in the order the instance's fields
#: are sent. To add one, see CONTRIBUTING.md ("To add a parameter").
PARAMETERS: tuple[Param, ...] = (
    Param("temperature", "sampling", "Sampling temperature: higher is more random.", 0.0, 2.0),
    Param(
        "max_tokens",
        "sampling",
        "Most tokens to generate.",
        1,
        whole=True,
        aliases=("max_completion_tokens",),
    ),
    Param("top_p", "sampling", "Nucleus sampling: the probability mass kept.", 0.0, 1.0),
    Param("seed", "sampling", "Seed for repeatable sampling, where the engine supports it."),
    Param(
        "frequency_penalty", "sampling", "Penalty on tokens by how often they appeared.", -2.0, 2.0
    ),
    Param("presence_penalty", "sampling", "Penalty on tokens that appeared at all.", -2.0, 2.0),
    Param("logit_bias", "sampling", "Token id -> bias added to its logit."),
    Param("logprobs", "sampling", "Return the log probabilities of the output tokens."),
    Param("top_logprobs", "sampling", "Alternatives per token with logprobs.", 0, 20, whole=True),
    Param("reasoning_effort", "sampling", "Reasoning effort; allowed values differ per model."),
    Param(
        "stop",
        "field",
        f"Stop sequences (at most {MAX_STOP_SEQUENCES}); a call's stop= replaces them.",
        aliases=("stop_sequences",),
    ),
    Param(
        "n", "field", "Choices per request (Model APIs: only 1; not with streaming).", 1, whole=True
    ),
    Param("top_k", "extra", "Sample from the k most likely tokens (-1: all).", -1, whole=True),
    Param("min_p", "extra", "Drop tokens below this fraction of the top probability.", 0.0, 1.0),
    Param("repetition_penalty", "extra", "Penalty on repeated tokens (1: none).", 0.0),
    Param("length_penalty", "extra", "Beam search: penalty on the sequence length."),
    Param("min_tokens", "extra", "Fewest tokens to generate before a stop.", 0, whole=True),
    Param("stop_token_ids", "extra", "Token ids that stop generation."),
    Param("ignore_eos", "extra", "Keep generating past the end-of-sequence token."),
    Param("skip_special_tokens", "extra", "Leave special tokens out of the text."),
    Param("spaces_between_special_tokens", "extra", "Put spaces between special tokens."),
    Param("include_stop_str_in_output", "extra", "Keep the stop string in the text."),
    Param("chat_template", "extra", "A chat template replacing the model's."),
    Param("chat_template_args", "extra", "Arguments for the chat template (enable_thinking)."),
    Param("chat_template_kwargs", "extra", "The same as chat_template_args (vLLM's name)."),
    Param("structural_tag", "extra", "Constrained decoding by structural tags."),
    Param("guided_json", "extra", "Constrained decoding: output follows this JSON schema."),
    Param("guided_regex", "extra", "Constrained decoding: output matches this regex."),
    Param("guided_choice", "extra", "Constrained decoding: output is one of these strings."),
    Param("guided_grammar", "extra", "Constrained decoding: output follows this grammar."),
    Param("best_of", "extra", "Candidates generated server-side, the best one returned."),
    Param("use_beam_search", "extra", "Beam search instead of sampling."),
    Param("truncate_prompt_tokens", "extra", "Keep only the last k prompt tokens."),
    Param("response_format", "extra", "JSON mode or a JSON schema for the answer."),
    Param("user", "extra", "An end-user id, passed through."),
    Param("service_tier", "extra", "The service tier, passed through."),
    Param("metadata", "extra", "Request metadata, passed through."),
)

#: Baseten/vLLM sampling and templating keys, sent as top-level body keys.
#: Passing them to ``ChatBaseten(...)`` is expected and does not warn.
BASETEN_EXTRA_PARAMS = frozenset(p.name for p in PARAMETERS if p.kind == "extra")
#: The ``ChatBaseten`` fields sent as given when set, in this order (before ``stop``).
SAMPLING_FIELDS = tuple(p.name for p in PARAMETERS if p.kind == "sampling")
#: Every parameter name and field alias (request keys sent without the unknown-key check).
PARAMETER_NAMES = frozenset(name for p in PARAMETERS for name in (p.name, *p.aliases))

#: Other clients' names with the same meaning as one of ours: (our name, how to map the value).
RENAMED: dict[str, str] = {
    "baseten_api_base": "base_url",  # published langchain-baseten 0.2.x (alias of its base_url)
    "api_base": "base_url",  # LiteLLM
    "model_id": "model",  # LlamaIndex's Baseten(model_id=...)
    "model_apis": "route",  # LlamaIndex: True -> "model_api", False -> "dedicated"
}

#: Other clients' names refused, with what to use instead.
REFUSED: dict[str, str] = {
    "openai_api_key": (
        "pass the Baseten key as api_key= (or set BASETEN_API_KEY); an OpenAI key is "
        "never sent to Baseten"
    ),
    "openai_api_base": (
        "use base_url= for a gateway or local server, or model_url= for a Baseten "
        "deployment (as the published langchain-baseten does, this name is not accepted)"
    ),
    "openai_organization": "drop it: Baseten has no organizations",
    "organization": "drop it: Baseten has no organizations",
    "openai_proxy": (
        "pass http_client=httpx2.Client(proxy=...) or httpx.Client(proxy=...) "
        "(and http_async_client=)"
    ),
    "tiktoken_model_name": (
        "drop it: token counts are estimated offline (get_num_tokens); exact counts "
        "are in usage_metadata"
    ),
}

_CREDENTIAL_WORDS = frozenset(
    {
        "key",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "credential",
        "credentials",
        "auth",
        "authorization",
        "bearer",
        "cookie",
        "jwt",
    }
)
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")


#: How alike a name must be to a known one to be taken for its typo (difflib's ratio):
#: ``temprature``/``temperature`` 0.95, ``max_token``/``max_tokens`` 0.95; ``top_a``
#: (a real engine parameter) / ``top_k`` 0.8 is not a typo.
_TYPO_CUTOFF = 0.85


def close_parameter(name: str, names: frozenset[str] | None = None) -> str | None:
    """The known parameter ``name`` is most likely a typo of, or ``None``.

    Args:
        name: An unknown keyword.
        names: The names to compare with (default: every request parameter and
            Baseten/vLLM extra).

    Returns:
        The closest name at least :data:`_TYPO_CUTOFF` alike, else ``None``.
    """
    candidates = PARAMETER_NAMES if names is None else names
    if name in candidates:
        return None
    matches = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=_TYPO_CUTOFF)
    return matches[0] if matches else None


def typo_refusal(name: str, names: frozenset[str], *, owner: str, per_call: bool) -> str | None:
    """The error message for a keyword that looks like a typo of a known one, or ``None``.

    Args:
        name: The unknown keyword.
        names: The names it could have meant (fields, aliases, parameters).
        owner: The class named in the message.
        per_call: Whether it was a call's keyword (the escape hatch differs).

    Returns:
        "did you mean ..." with the way to send the key anyway, or ``None``.
    """
    match = close_parameter(name, names)
    if match is None:
        return None
    hatch = "extra_body={...}" if per_call else "model_kwargs={...} (or extra_body={...})"
    return (
        f"{owner} got {name!r}, which is not a parameter it knows: did you mean {match!r}? "
        f"If {name!r} is a body key your server reads, pass it in {hatch}. The value was "
        "not sent."
    )


def is_credential_name(name: str) -> bool:
    """Whether a keyword or header name looks like it carries a credential.

    ``openai_api_key``, ``access_token``, ``password``, ``client_secret``,
    ``x-auth-token``, ``Authorization`` ... are; ``top_k``, ``max_tokens``,
    ``stop_token_ids`` and the other known request keys are not.

    Args:
        name: The keyword or header name.

    Returns:
        ``True`` when a word of the name is a credential word.
    """
    if name in BASETEN_EXTRA_PARAMS or close_parameter(name) is not None:
        return False  # max_token is a typo of max_tokens, not a credential
    lowered = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return any(word in _CREDENTIAL_WORDS for word in _WORD_SPLIT.split(lowered))


#: Header names that carry a credential whatever their words say.
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})


def is_secret_header(name: str) -> bool:
    """Whether a header's value is a credential (kept secret, never shown in an error).

    ``Authorization``, ``Proxy-Authorization``, ``Cookie``, ``X-Api-Key`` and any
    name that looks like a credential (``X-Auth-Token``, ``Set-Cookie`` ...).

    Args:
        name: The header name (any case).

    Returns:
        ``True`` for a credential header.
    """
    return name.lower() in _SECRET_HEADERS or is_credential_name(name)


def refusal(name: str, *, owner: str = "ChatBaseten") -> str | None:
    """The error message for a keyword this package refuses, or ``None`` if accepted.

    Never quotes the value.

    Args:
        name: The keyword.
        owner: The class named in the message.

    Returns:
        The message naming the keyword and its replacement, or ``None``.
    """
    if name in REFUSED:
        return f"{owner} does not accept {name!r}: {REFUSED[name]}."
    if is_credential_name(name):
        return (
            f"{owner} does not accept {name!r}: it looks like a credential, and the only "
            "credential sent to Baseten is the API key, in the Authorization header. Pass "
            "the key as api_key= (or set BASETEN_API_KEY); for another header use "
            "default_headers=. The value was not sent and is not shown."
        )
    return None


def check_body_keys(body: Mapping[str, Any], where: str, *, owner: str = "ChatBaseten") -> None:
    """Refuse credential-like keys in ``model_kwargs``/``extra_body`` (values never shown).

    Args:
        body: The extra body keys.
        where: Their origin (``model_kwargs``, ``extra_body``), for the message.
        owner: The class named in the message.

    Raises:
        ValueError: For the first key that must not be sent.
    """
    for key in body:
        if isinstance(key, str) and (problem := refusal(key, owner=owner)):
            msg = f"{where}[{key!r}]: {problem}"
            raise ValueError(msg)


#: (parameter, its table row) for every range-checked name, aliases included.
_RANGED: tuple[tuple[str, Param], ...] = tuple(
    (name, p) for p in PARAMETERS if p.ranged for name in (p.name, *p.aliases)
)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_request_params(params: Mapping[str, Any]) -> None:
    """Reject parameter values Baseten would refuse, before sending anything.

    Checks numeric ranges (finite numbers only; counts must be whole), ``n``, the
    number of stop sequences and the shape of ``tools``.

    Args:
        params: The request body (or the instance's parameters).

    Raises:
        ValueError: Naming the parameter, the value and what is allowed.
    """
    for key, param in _RANGED:
        value = params.get(key)
        if value is None:
            continue
        if not _is_number(value) or not math.isfinite(value):
            msg = f"{key} must be a finite number, got {value!r}."
            raise ValueError(msg)
        low, high = param.low, param.high
        if param.whole and value != int(value):
            msg = f"{key} must be a whole number, got {value!r}."
            raise ValueError(msg)
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f">= {low}" if high is None else f"between {low} and {high}"
            msg = f"{key}={value!r} is out of range: Baseten accepts {key} {bounds}."
            raise ValueError(msg)
    stop = params.get("stop")
    if isinstance(stop, list) and len(stop) > MAX_STOP_SEQUENCES:
        msg = f"{len(stop)} stop sequences given; Baseten accepts at most {MAX_STOP_SEQUENCES}."
        raise ValueError(msg)
    if (tools := params.get("tools")) is not None:
        _check_tools(tools)


def _check_tools(tools: Any) -> None:
    """Tools must be ``{"type": "function", "function": {"name", "parameters"}}`` dicts.

    ``bind_tools`` builds that shape; this catches tools bound some other way
    (``bind(tools=...)``, ``model_kwargs``) that the server would reject.
    """
    if not isinstance(tools, list):
        msg = f"tools must be a list of tool definitions, got {type(tools).__name__}."
        raise ValueError(msg)  # noqa: TRY004  # bad input, reported like every other
    for index, tool in enumerate(tools):
        if is_server_tool(tool):
            continue  # Baseten's hosted tools pass as given (langchain_baseten._server_tools)
        function = tool.get("function") if isinstance(tool, dict) else None
        problem = None
        if not isinstance(function, dict) or tool.get("type", "function") != "function":
            problem = 'is not a function tool {"type": "function", "function": {...}}'
        elif not isinstance(function.get("name"), str) or not function["name"]:
            problem = "has no function name"
        elif not isinstance(function.get("parameters", {}), dict):
            kind = type(function["parameters"]).__name__
            problem = f"has parameters of type {kind}; they must be a JSON schema object"
        if problem:
            msg = f"tools[{index}] {problem}. Bind tools with bind_tools() to convert them."
            raise ValueError(msg)
