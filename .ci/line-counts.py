#!/usr/bin/env python3
"""Line counts of the largest .rs files and functions (issue 26 asks for them before and
after). Usage: python3 .ci/line-counts.py [ROOT] [N]. A light lexer: strips comments,
strings and char literals, then matches each `fn name ... {` to its closing brace."""
import os, re, sys

def blank(src):
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i); j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j): depth += 1; j += 2
                elif src.startswith("*/", j): depth -= 1; j += 2
                else: j += 1
            out.append(re.sub(r"[^\n]", " ", src[i:j])); i = j
        elif re.match(r'(b|c)?r#*"', src[i:i+20]) and (i == 0 or not (src[i-1].isalnum() or src[i-1] == "_")):
            m = re.match(r'(b|c)?r(#*)"', src[i:i+20]); hashes = m.group(2)
            end = src.find('"' + hashes, i + m.end()); end = n if end < 0 else end + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", src[i:end])); i = end
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", " ", src[i:j+1])); i = j + 1
        elif c == "'":
            m = re.match(r"'(\\.[^']*|[^'\\])'", src[i:i+12])
            if m: out.append(" " * m.end()); i += m.end()
            else: out.append(c); i += 1
        else:
            out.append(c); i += 1
    return "".join(out)

def functions(path):
    src = blank(open(path, encoding="utf-8").read())
    for m in re.finditer(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)", src):
        # find the body: first '{' before any ';' at depth 0 of parens/brackets
        i, depth = m.end(), 0
        while i < len(src):
            ch = src[i]
            if ch in "([<": depth += 1
            elif ch in ")]>": depth -= 1 if src[i-1] != "-" else 0
            elif ch == ";" and depth <= 0: break
            elif ch == "{" and depth <= 0: break
            i += 1
        if i >= len(src) or src[i] != "{": continue
        d, j = 0, i
        while j < len(src):
            if src[j] == "{": d += 1
            elif src[j] == "}":
                d -= 1
                if d == 0: break
            j += 1
        start = src.count("\n", 0, m.start()) + 1
        end = src.count("\n", 0, j) + 1
        yield m.group(1), start, end - start + 1

root = sys.argv[1] if len(sys.argv) > 1 else "."; top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
files, fns = [], []
for d, dirs, names in os.walk(root):
    dirs[:] = [x for x in dirs if x not in ("target", "node_modules", ".git") and not x.startswith("target")]
    for name in names:
        if name.endswith(".rs"):
            p = os.path.join(d, name); rel = os.path.relpath(p, root)
            files.append((sum(1 for _ in open(p, encoding="utf-8")), rel))
            fns += [(lines, f"{rel}:{line} {fn}") for fn, line, lines in functions(p)]
files.sort(reverse=True); fns.sort(reverse=True)
print(f"{len(files)} .rs files, {sum(f[0] for f in files)} lines, {len(fns)} fns")
print("largest files:"); [print(f"  {l:6} {p}") for l, p in files[:top]]
print("largest functions:"); [print(f"  {l:6} {p}") for l, p in fns[:top]]
