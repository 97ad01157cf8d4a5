/* SPDX-License-Identifier: MIT */
/*
 * json.h - a small, tolerant JSON DOM parser for schedsim's workload files.
 *
 * Host-side only (uses malloc). Beyond strict JSON it accepts // and block comments,
 * trailing commas and a bare "suspend" key without a value, because rt-app files are
 * hand-written and use them (rt-app's workgen preprocessor accepts all three). An object is an
 * ordered list of members, not a map: repeated keys are kept in file order, since rt-app
 * workloads repeat event keys ("run", "sleep", "run") to mean a sequence.
 */
#ifndef SCHEDSIM_JSON_H
#define SCHEDSIM_JSON_H

#include <stddef.h>
#include <stdint.h>

/* Values (numbers, strings, arrays, objects, literals; keys are not counted) in one
 * document at most: each costs about 100 bytes of DOM with its allocations, so a hostile
 * text cannot make the tree larger than about 170 MiB (a 16 MiB file of "0," would
 * otherwise need 8 million of them, over a gigabyte). */
#define JSON_MAX_VALUES (1u << 20)

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_member;

struct json_value {
	enum json_type type;
	unsigned line;                  /* source line where the value starts */
	int boolean;                    /* JSON_BOOL */
	double number;                  /* JSON_NUMBER, always set */
	int is_int;                     /* number written without '.' or exponent, fits int64 */
	int64_t integer;                /* JSON_NUMBER when is_int */
	char *string;                   /* JSON_STRING, NUL-terminated, valid UTF-8 */
	size_t len;                     /* JSON_ARRAY: items, JSON_OBJECT: members */
	struct json_value *items;       /* JSON_ARRAY */
	struct json_member *members;    /* JSON_OBJECT, in file order */
};

struct json_member {
	char *key;
	unsigned line;                  /* source line of the key */
	int bare;                       /* written without ':' and a value (its value is
					 * JSON_NULL): only a key starting with "suspend" may,
					 * as rt-app's workgen fills in the task's name there */
	struct json_value value;
};

struct json_error {
	unsigned line;
	char what[200];                 /* "key 'K': what is wrong", or just "what is wrong" */
};

/*
 * Parses a NUL-terminated document holding exactly one value. Returns the root (free it
 * with json_free), or NULL with err filled in: the error reads "line N: what", with the
 * line in err->line and the rest in err->what, so callers can prefix a file name.
 * Strings (keys too) must be valid UTF-8 (RFC 3629): a bad byte is reported with its
 * offset from the start of the text ("invalid UTF-8 at byte offset N (0xXX)").
 */
struct json_value *json_parse(const char *text, struct json_error *err);
void json_free(struct json_value *root);

/* "a number", "an object", ...: for messages such as "expected a string, got a number". */
const char *json_type_name(enum json_type type);

#endif
