/* Structure offsets for assembly: tools/asm-offsets.c and a model's
 * ipc-variants/<model>/asm-offsets.c are compiled to assembly only (never
 * linked); their "@@NAME value" lines become build/<variant>/asm-offsets.h. */
#ifndef TOOLS_OFFSETS_H
#define TOOLS_OFFSETS_H

#define DEFINE(name, value) asm volatile("\n@@" #name " %c0" : : "i"(value))
#define OFFSET(name, type, field) DEFINE(name, __builtin_offsetof(type, field))

#endif
