"""axes.mk, the one list of the axes, and ipc-variants/, the IPC models.

The Makefile includes axes.mk to check values and write config.h; the
harness reads the same file for an axis's technique name (the report), its
default (a preset may leave it out) and how make test-axes covers it.  A
model is a folder of ipc-variants/ with a model.h; its traits (the report's
name for it, IPC_MODEL_STYLE) are read from there, and the shared parts it
builds on (folders of ipc-variants/ without a model.h) from its model.mk.
Pure but for the readers at the end.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

AXES_FILE = Path("axes.mk")
MODELS_DIR = Path("ipc-variants")
MODEL_HEADER = "model.h"
USER_STUB = "ipc_user.h"           # a model's user-side stub: not kernel code
# A model's build fragment (`IPC_SHARED := rendezvous`): the shared parts whose
# .c files the Makefile compiles into its kernel.  Not kernel code itself.
MODEL_MAKEFILE = "model.mk"
# Compiled to assembly only, for the offsets the model's .S files read: not
# linked into the kernel (the Makefile leaves it out of KSRC).
ASM_OFFSETS = "asm-offsets.c"

# `IPC.kind := choice`, `AXES := IPC ...` (with `\` continuation lines joined),
# `AXES += KPTI` (an axis added on a line of its own).
_FIELD = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\.([a-z]+))?\s*([:+]?)=\s*(.*?)\s*$")
# `#define IPC_MODEL_STYLE "L4-style"` in a model.h.
_STRING_DEFINE = re.compile(r'^\s*#\s*define\s+([A-Z0-9_]+)\s+"([^"]*)"')


@dataclass(frozen=True)
class Axis:
    """One axis of axes.mk."""

    name: str
    kind: str                          # flag, choice or range
    values: tuple[str, ...]            # choice: its values; range: from, to; flag: y, n
    about: str                         # the report's name for it, as a technique
    default: Optional[str] = None      # None: every preset sets it
    test: tuple[str, ...] = ()         # ("cross",) or the values test-axes takes in turn
    letter: str = ""                   # its letter in a test-axes combination's name
    c: str = ""                        # a choice's constant prefix (default: its name)

    @property
    def crossed(self) -> bool:
        """Whether make test-axes crosses every value with every other crossed axis."""
        return self.test == ("cross",)


def _logical_lines(text: str) -> list[str]:
    """The lines of a make text with comments dropped and `\\` continuations joined."""
    joined, out = "", []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        if line.endswith("\\"):
            joined += line[:-1] + " "
            continue
        out.append(joined + line)
        joined = ""
    return out + ([joined] if joined else [])


def parse_axes(text: str, models: tuple[str, ...]) -> list[Axis]:
    """The axes of an axes.mk text, in its AXES order; `$(MODELS)` becomes models.
    ValueError names an axis that AXES lists without a kind."""
    order: list[str] = []
    fields: dict[str, dict[str, str]] = {}
    for line in _logical_lines(text):
        match = _FIELD.match(line)
        if not match:
            continue
        name, field, op, value = match.groups()
        value = value.replace("$(MODELS)", " ".join(models))
        if field is None and name == "AXES":
            order = (order if op == "+" else []) + value.split()
        elif field:
            fields.setdefault(name, {})[field] = value
    axes = []
    for name in order:
        f = fields.get(name, {})
        if f.get("kind") not in ("flag", "choice", "range"):
            raise ValueError(f"axes.mk: axis {name} has no kind (flag, choice or range)")
        values = ("y", "n") if f["kind"] == "flag" else tuple(f.get("values", "").split())
        axes.append(Axis(name, f["kind"], values, f.get("about", name), f.get("default"),
                         tuple(f.get("test", "").split()), f.get("letter", ""),
                         f.get("c", name)))
    return axes


def model_traits(text: str) -> dict[str, str]:
    """The string traits (`#define IPC_X "..."`) of a model.h text."""
    return {m.group(1): m.group(2) for m in map(_STRING_DEFINE.match, text.splitlines()) if m}


def read_models(root: Path) -> dict[str, dict[str, str]]:
    """Every model of the tree at root (the folders of ipc-variants/ with a
    model.h), with its string traits."""
    return {path.parent.name: model_traits(path.read_text(encoding="utf-8"))
            for path in sorted((root / MODELS_DIR).glob(f"*/{MODEL_HEADER}"))}


def read_axes(root: Path) -> list[Axis]:
    """The axes of the tree at root."""
    text = (root / AXES_FILE).read_text(encoding="utf-8")
    return parse_axes(text, tuple(read_models(root)))


def model_style(models: dict[str, dict[str, str]], model: str) -> str:
    """How the report names a model: its IPC_MODEL_STYLE, else its folder's name."""
    return models.get(model, {}).get("IPC_MODEL_STYLE", model)


# `CONFIG ?= l4` in the Makefile: the preset make builds by default.
_DEFAULT_CONFIG = re.compile(r"^\s*CONFIG\s*\?=\s*(\S+)\s*$", re.MULTILINE)


def default_preset(root: Path) -> Optional[str]:
    """The preset `make` builds without CONFIG=, or None if the Makefile says none."""
    try:
        match = _DEFAULT_CONFIG.search((root / "Makefile").read_text(encoding="utf-8"))
    except OSError:
        return None
    return match.group(1) if match else None


def parse_shared_parts(text: str) -> tuple[str, ...]:
    """The shared parts a model.mk text names (`IPC_SHARED := a b`, `+= c`)."""
    parts: list[str] = []
    for line in _logical_lines(text):
        match = _FIELD.match(line)
        if match and match.group(1) == "IPC_SHARED" and match.group(2) is None:
            parts = (parts if match.group(3) == "+" else []) + match.group(4).split()
    return tuple(parts)


def shared_parts(root: Path, model: str) -> tuple[str, ...]:
    """The shared parts the model builds on (its model.mk; none without one).
    ValueError names a part that is not a folder of ipc-variants/ without a
    model.h, as the Makefile refuses it."""
    path = root / MODELS_DIR / model / MODEL_MAKEFILE
    parts = parse_shared_parts(path.read_text(encoding="utf-8")) if path.is_file() else ()
    for part in parts:
        folder = root / MODELS_DIR / part
        if not folder.is_dir() or (folder / MODEL_HEADER).exists():
            raise ValueError(f"{path.relative_to(root)}: IPC_SHARED names '{part}', "
                             f"which is not a shared part (a folder of {MODELS_DIR}/ "
                             f"without a {MODEL_HEADER})")
    return parts


def privileged_files(root: Path, model: str) -> list[Path]:
    """The privileged code of a kernel with this model: arch/x86_64, kernel/ (not
    its subfolders: kernel/drivers/ is linked in only on request),
    ipc-variants/*.h, the model's folder and the shared parts it builds on,
    but for its user-side stub, its model.mk and its asm-offsets.c (a
    build-time generator, not linked in)."""
    folders = (model,) + shared_parts(root, model)
    globs = ("arch/x86_64/*.[chS]", "kernel/*.[ch]", f"{MODELS_DIR}/*.h",
             *(f"{MODELS_DIR}/{folder}/*" for folder in folders))
    return sorted(p for g in globs for p in root.glob(g)
                  if p.is_file() and p.name not in (USER_STUB, MODEL_MAKEFILE, ASM_OFFSETS))


def privileged_lines(root: Path, model: str) -> int:
    """Lines of privileged_files, comments included (`wc -l`)."""
    return sum(len(p.read_bytes().splitlines()) for p in privileged_files(root, model))


# A C comment or a string/character literal (kept whole, so that a `/*`
# inside a string does not start a comment).
_C_TOKEN = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def _without_comments(text: str) -> str:
    """text with every comment blanked (its line breaks kept), strings kept."""
    def blank(match: re.Match) -> str:
        token = match.group(0)
        return token if token[0] in "\"'" else "\n" * token.count("\n") + " "
    return _C_TOKEN.sub(blank, text)


def code_lines_of(text: str) -> int:
    """Lines that hold code, as SLOCCount counts them: neither blank nor only
    comment.  C and preprocessed assembly (.S) alike use /* */ and //."""
    return sum(1 for line in _without_comments(text).splitlines() if line.strip())


def privileged_code_lines(root: Path, model: str,
                          defines: Optional[dict[str, str]] = None) -> int:
    """Lines of privileged_files that hold code: no blank or comment-only lines;
    with defines, only those the preprocessor keeps (code_lines_kept)."""
    return sum(code_lines_of(text) if defines is None else code_lines_kept(text, defines)
               for p in privileged_files(root, model)
               for text in [p.read_text(errors="replace")])


# --- What a preset's preprocessor keeps --------------------------------------------------

def config_defines(table: list[Axis], axes: dict[str, str]) -> dict[str, str]:
    """The constants config.h defines for a preset's axes, as the Makefile
    writes them: CONFIG_<AXIS> for a flag (1 or 0) or a range (the number),
    CONFIG_<c>_<VALUE> for each value of a choice (1 for the chosen one)."""
    defines = {}
    for axis in table:
        value = axes.get(axis.name, axis.default or "")
        if axis.kind == "flag":
            defines[f"CONFIG_{axis.name}"] = "1" if value == "y" else "0"
        elif axis.kind == "range":
            defines[f"CONFIG_{axis.name}"] = value
        else:
            for v in axis.values:
                name = f"CONFIG_{axis.c or axis.name}_{v.upper().replace('-', '_')}"
                defines[name] = "1" if v == value else "0"
    return defines


# `#define NAME value` (not a string, not a macro with arguments) in a header.
_VALUE_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)\s+([^\s\"][^\"]*?)\s*$")


def preset_defines(root: Path, table: list[Axis], axes: dict[str, str]) -> dict[str, str]:
    """config_defines, and the value macros of the preset's model.h (its traits,
    e.g. IPC_ENTRY_FASTPATH), which #if lines in arch/ and the model ask."""
    header = root / MODELS_DIR / axes.get("IPC", "") / MODEL_HEADER
    text = _without_comments(header.read_text(encoding="utf-8")) if header.is_file() else ""
    found = {m.group(1): m.group(2) for m in map(_VALUE_DEFINE.match, text.splitlines()) if m}
    return {**found, **config_defines(table, axes)}


_DIRECTIVE = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$")
_CPP_TOKEN = re.compile(r"\s*(?:(\d+)[uUlL]*|([A-Za-z_]\w*)|(&&|\|\||[!=<>]=|[-+*/%<>()!]))")


def cpp_value(expr: str, defines: dict[str, str], depth: int = 0) -> Optional[int]:
    """The value of an #if expression under defines, as cpp computes it, or None
    if it names an identifier defines does not hold (then nothing is left out:
    the count never shrinks on a guess)."""
    out, pos, expr = [], 0, expr.strip()
    while pos < len(expr):
        match = _CPP_TOKEN.match(expr, pos)
        if not match:
            return None
        pos = match.end()
        number, name, op = match.groups()
        if number:
            out.append(number)
        elif name == "defined":
            ref = re.match(r"\s*\(?\s*([A-Za-z_]\w*)\s*\)?", expr[pos:])
            if not ref or ref.group(1) not in defines:
                return None
            out.append("1")
            pos += ref.end()
        elif name:
            if name not in defines or depth > 8:
                return None
            value = cpp_value(defines[name], defines, depth + 1)
            if value is None:
                return None
            out.append(str(value))
        else:
            out.append({"&&": " and ", "||": " or ", "!": " not ", "/": "//"}.get(op, op))
    try:
        return int(eval("".join(out) or "None", {"__builtins__": {}}))   # only numbers and operators
    except (SyntaxError, TypeError, ZeroDivisionError):
        return None


def code_lines_kept(text: str, defines: dict[str, str]) -> int:
    """code_lines_of the lines the preprocessor keeps under defines: a block of
    #if/#elif/#else whose condition is known false is left out (the directive
    lines count where their block's context is kept); a condition cpp_value
    cannot decide keeps every branch."""
    stack: list[list] = []             # [kept, state]: state taken, waiting or unknown
    count = 0

    def kept(frames: list[list]) -> bool:
        return all(frame[0] for frame in frames)

    for line in _without_comments(text).splitlines():
        directive = _DIRECTIVE.match(line)
        if not directive:
            count += bool(kept(stack) and line.strip())
            continue
        kind, rest = directive.groups()
        if kind in ("if", "ifdef", "ifndef"):
            count += kept(stack)
            value = (cpp_value(rest, defines) if kind == "if" else
                     None if rest.strip() not in defines else int(kind == "ifdef"))
            stack.append([value is None or bool(value),
                          "unknown" if value is None else "taken" if value else "waiting"])
        elif stack:
            count += kept(stack[:-1])
            top = stack[-1]
            if kind == "endif":
                stack.pop()
            elif top[1] == "waiting":
                value = cpp_value(rest, defines) if kind == "elif" else 1
                top[:] = [value is None or bool(value),
                          "unknown" if value is None else "taken" if value else "waiting"]
            elif top[1] == "taken":
                top[0] = False
    return count
