#!/usr/bin/python3
"""GGUF fixtures written byte by byte from the specification
(ggml/docs/gguf.md: header, typed key/values, tensor infos, aligned data),
with the published chat-template injection payloads (CVE-2024-34359,
llama-cpp-python; GHSA-56xg-wfcc-g829) and their filter bypasses.

usage: gen_gguf.py OUT"""
import struct
import sys

import numpy as np

from fixture_util import Manifest

U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
GGML_F32, GGML_F16, GGML_Q8_0 = 0, 1, 8

# Benign templates as model repositories ship them (shortened).
CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
          "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
          "{{ '<|im_start|>assistant\\n' }}{% endif %}")
MISTRAL = ("{{ bos_token }}{% set ns = namespace(system='') %}{% for message in messages %}"
           "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
           "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
           "{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] | trim + "
           "' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}"
           "{% endif %}{% endfor %}")
LLAMA3 = ("{% set loop_messages = messages %}{% for message in loop_messages %}"
          "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ "
          "message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
          "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
          "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
          "{% endif %}")

# The published proof of concept of CVE-2024-34359 and its usual variants.
PAYLOADS = {
    "cve-2024-34359-poc": ("{% for x in ().__class__.__base__.__subclasses__() %}"
                           "{% if \"warning\" in x.__name__ %}{{x()._module.__builtins__['__import__']"
                           "('os').popen(\"touch /tmp/retr0reg\")}}{%endif%}{% endfor %}"),
    "cycler-globals": "{{ cycler.__init__.__globals__.os.popen('id').read() }}" + CHATML,
    "lipsum-globals": CHATML + "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "attr-escaped": ("{{ ()|attr('\\x5f\\x5fclass\\x5f\\x5f')|attr('\\x5f\\x5fbase\\x5f\\x5f') }}"
                     + LLAMA3),
    "joiner-self": "{{ self._TemplateReference__context.joiner.__init__.__globals__ }}",
}


def s(x):
    b = x.encode() if isinstance(x, str) else x
    return struct.pack("<Q", len(b)) + b


def value(t, v):
    if t == STR:
        return s(v)
    if t == ARR:
        et, items = v
        return struct.pack("<IQ", et, len(items)) + b"".join(value(et, i) for i in items)
    fmt = {U8: "B", I8: "b", U16: "H", I16: "h", U32: "I", I32: "i", F32: "f", BOOL: "?",
           U64: "Q", I64: "q", F64: "d"}[t]
    return struct.pack("<" + fmt, v)


def gguf(kvs, tensors, version=3, align=32, counts=None, tail=b"", be=False, offsets=None):
    """kvs: [(key, type, value)]; tensors: [(name, dims, ggml type, bytes)]."""
    out = b"GGUF" + struct.pack("<I", version)
    nt, nkv = counts if counts else (len(tensors), len(kvs))
    out += struct.pack("<QQ", nt, nkv)
    for k, t, v in kvs:
        out += s(k) + struct.pack("<I", t) + value(t, v)
    data, offs = b"", []
    for name, dims, gt, raw in tensors:
        data += b"\0" * ((align - len(data) % align) % align)
        offs.append(len(data))
        data += raw
    for i, (name, dims, gt, raw) in enumerate(tensors):
        off = offsets[i] if offsets and offsets[i] is not None else offs[i]
        out += s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", gt, off)
    out += b"\0" * ((align - len(out) % align) % align)
    out = out + data + tail
    if be:
        raise ValueError("use gguf_be")
    return out


def gguf_be(kvs, tensors):
    """The same layout in big-endian byte order (llama.cpp's --bigendian)."""
    def sb(x):
        b = x.encode()
        return struct.pack(">Q", len(b)) + b
    out = b"GGUF" + struct.pack(">IQQ", 3, len(tensors), len(kvs))
    for k, t, v in kvs:
        assert t in (STR, U32)
        out += sb(k) + struct.pack(">I", t) + (sb(v) if t == STR else struct.pack(">I", v))
    data, offs = b"", []
    for name, dims, gt, raw in tensors:
        data += b"\0" * ((32 - len(data) % 32) % 32)
        offs.append(len(data))
        data += raw
    for i, (name, dims, gt, raw) in enumerate(tensors):
        out += sb(name) + struct.pack(">I", len(dims)) + b"".join(struct.pack(">Q", d) for d in dims)
        out += struct.pack(">IQ", gt, offs[i])
    out += b"\0" * ((32 - len(out) % 32) % 32)
    return out + data


def q8_0(n_blocks):
    rng = np.random.default_rng(n_blocks)
    blk = b""
    for _ in range(n_blocks):
        blk += np.float16(0.01).tobytes() + rng.integers(-127, 127, 32, dtype=np.int8).tobytes()
    return blk


def main():
    m = Manifest(sys.argv[1], "gguf")
    rng = np.random.default_rng(16)
    emb = rng.standard_normal((16, 8)).astype(np.float32)
    norm = np.ones(8, np.float16)
    tokens = ["<unk>", "<s>", "</s>"] + ["tok%d" % i for i in range(13)]
    base = [("general.architecture", STR, "llama"), ("general.name", STR, "tiny"),
            ("general.source.url", STR, "https://huggingface.co/example/tiny"),
            ("llama.context_length", U32, 2048), ("llama.embedding_length", U32, 8),
            ("llama.rope.freq_base", F32, 10000.0), ("general.file_type", U32, 7),
            ("tokenizer.ggml.model", STR, "llama"),
            ("tokenizer.ggml.tokens", ARR, (STR, tokens)),
            ("tokenizer.ggml.scores", ARR, (F32, [0.0] * len(tokens))),
            ("tokenizer.ggml.token_type", ARR, (I32, [1] * len(tokens))),
            ("tokenizer.ggml.bos_token_id", U32, 1), ("tokenizer.ggml.add_bos_token", BOOL, True)]
    tens = [("token_embd.weight", [8, 16], GGML_F32, emb.tobytes()),
            ("output_norm.weight", [8], GGML_F16, norm.tobytes()),
            ("blk.0.attn_q.weight", [64, 2], GGML_Q8_0, q8_0(4))]

    def with_tpl(t, key="tokenizer.chat_template"):
        return base + [(key, STR, t)]

    # Benign.
    m.add("benign", "chatml.gguf", gguf(with_tpl(CHATML), tens), why="ChatML template")
    m.add("benign", "mistral.gguf", gguf(with_tpl(MISTRAL), tens),
          why="namespace() and raise_exception")
    m.add("benign", "llama3-v2.gguf", gguf(with_tpl(LLAMA3), tens, version=2), why="version 2")
    m.add("benign", "align64.gguf",
          gguf(base + [("general.alignment", U32, 64)], tens, align=64), why="alignment 64")
    m.add("benign", "big-endian.gguf",
          gguf_be([("general.architecture", STR, "llama"), ("llama.context_length", U32, 64)],
                  tens[:1]), why="big-endian byte order")
    m.add("benign", "vocab-only.gguf", gguf(with_tpl(CHATML), []), why="no tensors")

    # Malicious: template injection, in the chat template and elsewhere.
    for name, tpl in PAYLOADS.items():
        m.add("malicious", name + ".gguf", gguf(with_tpl(tpl), tens),
              ["chat-template-injection"], name)
    m.add("malicious", "named-template.gguf",
          gguf(with_tpl(CHATML) + [("tokenizer.chat_template.tool_use", STR,
                                    PAYLOADS["cycler-globals"])], tens),
          ["chat-template-injection"], "payload in a named template")
    m.add("malicious", "description-payload.gguf",
          gguf(base + [("general.description", STR, PAYLOADS["lipsum-globals"])], tens),
          ["suspicious-metadata"], "payload outside the chat template")
    m.add("malicious", "trailing-payload.gguf",
          gguf(with_tpl(CHATML), tens, tail=b"\x7fELF" + b"\0" * 124),
          ["trailing-bytes"], "an ELF header after the last tensor")
    m.add("malicious", "overlap.gguf", gguf(with_tpl(CHATML), tens, offsets=[0, 0, None]),
          ["tensor-overlap"], "two tensors over the same bytes")
    m.add("malicious", "duplicate-key.gguf",
          gguf(with_tpl(CHATML) + [("tokenizer.chat_template", STR, LLAMA3)], tens),
          ["duplicate-key"], "the chat template twice")

    # Malformed.
    good = gguf(with_tpl(CHATML), tens)
    m.add("malformed", "truncated.gguf", good[:200], ["truncated", "string-length", "counts"],
          "cut inside the metadata")
    m.add("malformed", "header-only.gguf", good[:10], ["truncated"], "cut in the header")
    m.add("malformed", "counts.gguf", gguf(with_tpl(CHATML), tens, counts=(1 << 40, 1 << 40)),
          ["counts"], "2^40 tensors and keys")
    bad = bytearray(good)
    at = bad.find(b"general.architecture") - 8
    bad[at:at + 8] = struct.pack("<Q", 1 << 60)
    m.add("malformed", "string-length.gguf", bytes(bad), ["string-length"], "key of 2^60 bytes")
    bad = bytearray(good)
    at = bad.find(b"tokenizer.ggml.scores") + len("tokenizer.ggml.scores") + 8
    bad[at:at + 8] = struct.pack("<Q", 1 << 50)
    m.add("malformed", "array-length.gguf", bytes(bad), ["array-length"], "array of 2^50")
    bad = bytearray(good)
    at = bad.find(b"general.name") + len("general.name")
    bad[at:at + 4] = struct.pack("<I", 99)
    m.add("malformed", "value-type.gguf", bytes(bad), ["value-type"], "value type 99")
    m.add("malformed", "tensor-type.gguf",
          gguf(with_tpl(CHATML), [("w", [8], 77, emb.tobytes()[:32])]), ["tensor-type"],
          "ggml type 77")
    m.add("malformed", "tensor-range.gguf",
          gguf(with_tpl(CHATML), [("w", [8, 1 << 20], GGML_F32, emb.tobytes())]),
          ["tensor-range"], "tensor bigger than the file")
    m.add("malformed", "misaligned.gguf", gguf(with_tpl(CHATML), tens, offsets=[None, 3, None]),
          ["tensor-alignment", "tensor-overlap"], "offset 3")
    m.add("malformed", "alignment-3.gguf", gguf(base + [("general.alignment", U32, 3)], tens),
          ["alignment"], "alignment 3")
    m.add("malformed", "version-7.gguf", b"GGUF" + struct.pack("<IQQ", 7, 0, 0), ["header"],
          "version 7")
    m.add("malformed", "dims-9.gguf", gguf(with_tpl(CHATML), [("w", [1] * 9, GGML_F32, b"\0" * 4)]),
          ["tensor-dims"], "9 dimensions")
    m.add("malformed", "not-gguf.gguf", b"GGML" + b"\0" * 60, ["header"], "wrong magic")
    m.write()


if __name__ == "__main__":
    main()
