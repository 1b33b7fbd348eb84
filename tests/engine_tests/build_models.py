"""Build the engine suite's tiny models from nothing (no download): ``python build_models.py DIR``.

Runs in the engine environment (tests/engine_tests/env.sh: torch, transformers,
tokenizers), never in ``.venv``. Writes three Hugging Face model folders under DIR:

* ``chat``: a Qwen2 causal LM (2 layers, hidden 128, head size 32: the smallest
  vLLM's CPU attention accepts) with a byte-level BPE tokenizer trained here and a
  Qwen2.5-style chat template (tools in ``<tools>``, calls in ``<tool_call>`` tags,
  what vLLM's ``hermes`` tool parser reads: docs.vllm.ai, "Tool calling", Qwen).
* ``embed``: a BERT with mean pooling (sentence-transformers' ``modules.json`` and
  ``1_Pooling/config.json``, which vLLM reads for the pooling type).
* ``rerank``: a BERT sequence classifier with one label (vLLM serves it on
  ``/rerank`` and ``/score``).

Weights are random with a fixed seed. A random chat model under one of vLLM's
JSON grammars pads with whitespace forever, so its output is made to follow
fixed per-token biases instead: one residual dimension holds a large constant in
every token embedding, and the untied output layer's column for that dimension
is the bias vector. What it then says, whatever the prompt:

* unconstrained: ``"`` repeated (it never ends by itself: tests set max_tokens);
* under a grammar: whitespace is never chosen, strings close at once (``""``),
  a whole number is ``3``, and objects and arrays close as soon as allowed, so a
  constrained tool call or JSON answer finishes in a few tokens (``{"input": 3}``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    BertModel,
    BertTokenizerFast,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
)

SEED = 1234
HIDDEN = 128
HEADS = 4  # head size 32
LAYERS = 2
MAX_LEN = 2048
BERT_MAX_POSITIONS = 128

CHAT_SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHAT_ADDED = ["<tool_call>", "</tool_call>", "<tools>", "</tools>"]

#: Qwen2.5's template, shortened: system prompt, tools, tool calls and tool results.
CHAT_TEMPLATE = (
    "{%- if tools %}<|im_start|>system\n"
    "{%- if messages[0]['role'] == 'system' %}{{ messages[0]['content'] }}\n\n{%- endif %}"
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
    "{%- for tool in tools %}\n{{ tool | tojson }}{%- endfor %}\n</tools>\n\n"
    "For each function call, return a json object with function name and arguments "
    "within <tool_call></tool_call> XML tags:\n<tool_call>\n"
    '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n'
    "{%- elif messages[0]['role'] == 'system' %}"
    "<|im_start|>system\n{{ messages[0]['content'] }}<|im_end|>\n"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{%- if message['role'] == 'system' %}"
    "{%- if not loop.first %}<|im_start|>system\n{{ message['content'] }}<|im_end|>\n{%- endif %}"
    "{%- elif message['role'] == 'assistant' %}<|im_start|>assistant\n"
    "{%- if message['content'] %}{{ message['content'] }}{%- endif %}"
    "{%- for call in message.get('tool_calls') or [] %}"
    "{%- set fn = call['function'] if call['function'] is defined else call %}"
    '\n<tool_call>\n{"name": "{{ fn["name"] }}", "arguments": '
    "{{ fn['arguments'] if fn['arguments'] is string else fn['arguments'] | tojson }}}"
    "\n</tool_call>{%- endfor %}<|im_end|>\n"
    "{%- elif message['role'] == 'tool' %}<|im_start|>user\n<tool_response>\n"
    "{{ message['content'] }}\n</tool_response><|im_end|>\n"
    "{%- else %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}<|im_start|>assistant\n{%- endif %}"
)


def corpus() -> list[str]:
    """Local training text: sentences, JSON and numbers, made here (nothing read or fetched)."""
    words = [
        "the",
        "a",
        "an",
        "is",
        "are",
        "was",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "and",
        "or",
        "not",
        "what",
        "where",
        "when",
        "who",
        "how",
        "why",
        "hello",
        "hi",
        "world",
        "weather",
        "city",
        "paris",
        "london",
        "tokyo",
        "france",
        "cats",
        "dogs",
        "purr",
        "bark",
        "model",
        "answer",
        "question",
        "tool",
        "call",
        "function",
        "input",
        "output",
        "magic",
        "number",
        "setup",
        "punchline",
        "joke",
        "name",
        "age",
        "email",
        "person",
        "address",
        "street",
        "true",
        "false",
        "null",
        "error",
        "stop",
        "length",
        "sure",
        "yes",
        "no",
        "water",
        "fire",
        "earth",
        "air",
        "apple",
        "banana",
        "orange",
        "red",
        "green",
        "blue",
        "sun",
        "moon",
        "star",
        "sky",
        "day",
        "night",
    ]
    lines = []
    for i, word in enumerate(words):
        nxt = words[(i * 7 + 3) % len(words)]
        lines.append(f"The {word} is {nxt}. What is {word}? {word.title()} and {nxt}, {i}.")
        lines.append(json.dumps({"name": word, "arguments": {"input": i, "text": nxt}}))
    lines += [" ".join(str(n) for n in range(start, start + 50)) for start in range(0, 1000, 50)]
    lines += ['{"a": [1, 2, 3], "b": {"c": "d"}, "e": true, "f": null, "g": -1.5e3}'] * 5
    return lines


def build_chat(out: Path) -> None:
    """The Qwen2 chat model and its BPE tokenizer, with the output biases described above."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=1024,
        special_tokens=CHAT_SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus(), trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=CHAT_SPECIAL,
    )
    fast.add_tokens(CHAT_ADDED)
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(out)

    vocab = len(fast)
    config = Qwen2Config(
        vocab_size=vocab,
        hidden_size=HIDDEN,
        intermediate_size=2 * HIDDEN,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        num_key_value_heads=HEADS // 2,
        max_position_embeddings=MAX_LEN,
        tie_word_embeddings=False,
        bos_token_id=fast.convert_tokens_to_ids("<|endoftext|>"),
        eos_token_id=fast.convert_tokens_to_ids("<|im_end|>"),
        torch_dtype="float32",
    )
    torch.manual_seed(SEED)
    model = Qwen2ForCausalLM(config)
    with torch.no_grad():
        model.model.embed_tokens.weight[:, 0] = 10.0  # the constant dimension
        model.lm_head.weight[:, 0] = torch.tensor(output_biases(fast), dtype=torch.float32)
    model.generation_config.eos_token_id = config.eos_token_id
    model.save_pretrained(out, safe_serialization=True)


def output_biases(tokenizer: PreTrainedTokenizerFast) -> list[float]:
    """One bias per token id (multiplied by the constant dimension's norm, about 11)."""
    biases = []
    for token_id in range(len(tokenizer)):
        text = tokenizer.decode([token_id])
        if text == '"':
            bias = 0.6
        elif text == "}":
            bias = 0.5
        elif text == "]":
            bias = 0.45
        elif text == "3":
            bias = 0.4
        elif text == ",":
            bias = 0.3
        elif text == "<|im_end|>":
            bias = 0.2
        elif text.isdigit():
            bias = 0.1
        elif not text.strip() or text in CHAT_ADDED:
            bias = -1.0  # whitespace never, tool-call tags only when forced
        else:
            bias = 0.0
        biases.append(bias)
    return biases


def bert_tokenizer(out: Path) -> BertTokenizerFast:
    """A WordPiece tokenizer trained on the local corpus, saved as a BERT tokenizer."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(
        vocab_size=1024, special_tokens=specials, show_progress=False
    )
    tokenizer.train_from_iterator(corpus(), trainer)
    vocab_file = out / "vocab.txt"
    out.mkdir(parents=True, exist_ok=True)
    ordered = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    vocab_file.write_text("".join(f"{token}\n" for token, _ in ordered))
    fast = BertTokenizerFast(vocab_file=str(vocab_file), model_max_length=BERT_MAX_POSITIONS)
    fast.save_pretrained(out)
    return fast


def bert_config(vocab: int, **extra: object) -> BertConfig:
    return BertConfig(
        vocab_size=vocab,
        hidden_size=HIDDEN,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        intermediate_size=2 * HIDDEN,
        max_position_embeddings=BERT_MAX_POSITIONS,
        torch_dtype="float32",
        **extra,
    )


def build_embed(out: Path) -> None:
    """A random BERT with mean pooling (sentence-transformers layout)."""
    tokenizer = bert_tokenizer(out)
    torch.manual_seed(SEED)
    BertModel(bert_config(len(tokenizer))).save_pretrained(out, safe_serialization=True)
    (out / "modules.json").write_text(
        json.dumps(
            [
                {
                    "idx": 0,
                    "name": "0",
                    "path": "",
                    "type": "sentence_transformers.models.Transformer",
                },
                {
                    "idx": 1,
                    "name": "1",
                    "path": "1_Pooling",
                    "type": "sentence_transformers.models.Pooling",
                },
            ]
        )
    )
    (out / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": BERT_MAX_POSITIONS, "do_lower_case": True})
    )
    (out / "1_Pooling").mkdir(exist_ok=True)
    (out / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": HIDDEN, "pooling_mode_mean_tokens": True})
    )


def build_rerank(out: Path) -> None:
    """A random BERT cross-encoder with one output label."""
    tokenizer = bert_tokenizer(out)
    torch.manual_seed(SEED + 1)
    config = bert_config(len(tokenizer), num_labels=1)
    BertForSequenceClassification(config).save_pretrained(out, safe_serialization=True)


def main() -> None:
    root = Path(sys.argv[1])
    build_chat(root / "chat")
    build_embed(root / "embed")
    build_rerank(root / "rerank")
    (root / ".complete").write_text("ok\n")


if __name__ == "__main__":
    main()
