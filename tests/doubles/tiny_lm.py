"""Test double: a tiny randomly initialised causal language model with a real tokenizer, built offline.

    path = build_tiny_lm(tmp_path / "tiny")            # a Llama-shaped model
    model = AutoModelForCausalLM.from_pretrained(path)
    tokenizer = AutoTokenizer.from_pretrained(path)    # has a ChatML chat template

The tokenizer is a byte-level BPE trained with the ``tokenizers`` library on a small built-in corpus (English and
Chinese), so it encodes any text; its special tokens are ``<|endoftext|>`` (bos/eos/pad), ``<|im_start|>`` and
``<|im_end|>``. The weights are random (seeded), so the model's output is nonsense until it is fine-tuned — which
is what the fine-tuning tests want: a model that loads and trains in seconds on a CPU.
"""

from __future__ import annotations

from pathlib import Path

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' }}"
    "{% if message['role'] == 'assistant' %}{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{% else %}{{ message['content'] + '<|im_end|>' }}{% endif %}"
    "{{ '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
VOCAB_SIZE = 512

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello, how can I help you today? Please tell me your question.",
    "You are a helpful assistant. Answer briefly and politely.",
    "What is the capital of France? The capital of France is Paris.",
    "Loom builds agents and workflows; its models are fine-tuned with LoRA adapters.",
    "Reset your password in the account settings, then sign in again.",
    "The bill is listed under payments; open it to see each charge.",
    "Numbers: 0 1 2 3 4 5 6 7 8 9 10 100 1000. Symbols: + - * / = ( ) [ ] { } < > : ; , . ! ? ' \"",
    "user assistant system think answer question context target text messages role content",
    "你好，请问有什么可以帮您？如何删除银行卡？如何修改登录密码？如何查询账单？",
    "这是一个测试。模型微调使用低秩适配器，学习率和训练轮数需要根据数据量调整。",
]


def _train_tokenizer() -> object:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, special_tokens=SPECIAL_TOKENS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(CORPUS * 4, trainer=trainer)
    return tokenizer


def build_tiny_lm(path: Path, *, arch: str = "llama") -> Path:
    """Write a tiny causal LM (``arch`` "llama" or "qwen2": hidden 64, 2 layers) and its tokenizer to ``path``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    path.mkdir(parents=True, exist_ok=True)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=_train_tokenizer(), bos_token="<|endoftext|>",
                                        eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                        additional_special_tokens=["<|im_start|>"], model_max_length=2048)
    tokenizer.chat_template = CHAT_TEMPLATE
    shape = dict(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                 bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                 pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True,
                 initializer_range=0.3)  # wide enough that a LoRA can move the logits within a few dozen steps
    torch.manual_seed(0)
    if arch == "llama":
        model: torch.nn.Module = LlamaForCausalLM(LlamaConfig(**shape))
    elif arch == "qwen2":
        model = Qwen2ForCausalLM(Qwen2Config(**shape))
    else:
        raise ValueError(f"unknown arch {arch!r}; use 'llama' or 'qwen2'")
    model.save_pretrained(path)  # type: ignore[operator]
    tokenizer.save_pretrained(path)
    return path
