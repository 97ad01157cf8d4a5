// SPDX-License-Identifier: MIT
/*
 * json.c - recursive-descent JSON parser producing the DOM of json.h.
 *
 * Every error is reported once, at the point it is found, with the line and (when inside
 * an object) the key being parsed; callers then only unwind and free.
 */
#include "json.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deep enough for any workload, shallow enough that recursion cannot blow the stack. */
#define JSON_MAX_DEPTH 64

struct parser {
	const char *s;
	const char *start;      /* the whole text, for byte offsets in messages */
	unsigned line;
	int depth;
	size_t values;          /* values parsed so far, bounded by JSON_MAX_VALUES */
	const char *key;        /* innermost member key being parsed, for messages */
	struct json_error *err;
};

struct buf {
	char *data;
	size_t len, cap;
};

static int fail(struct parser *p, const char *fmt, ...)
{
	char what[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	p->err->line = p->line;
	if (p->key)
		snprintf(p->err->what, sizeof(p->err->what), "key '%.60s': %s", p->key, what);
	else
		snprintf(p->err->what, sizeof(p->err->what), "%s", what);
	return -1;
}

static int fail_char(struct parser *p, const char *expected)
{
	unsigned char c = (unsigned char)*p->s;

	if (c == '\0')
		return fail(p, "unexpected end of input, expected %s", expected);
	if (isprint(c))
		return fail(p, "unexpected '%c', expected %s", c, expected);
	return fail(p, "unexpected byte 0x%02x, expected %s", c, expected);
}

static int skip_comment(struct parser *p)
{
	unsigned start = p->line;

	if (p->s[1] == '/') {
		while (*p->s && *p->s != '\n')
			p->s++;
		return 0;
	}
	for (p->s += 2; *p->s; p->s++) {
		if (p->s[0] == '*' && p->s[1] == '/') {
			p->s += 2;
			return 0;
		}
		if (*p->s == '\n')
			p->line++;
	}
	p->line = start;
	return fail(p, "unterminated /* comment");
}

static int skip_space(struct parser *p)
{
	for (;;) {
		char c = *p->s;

		if (c == '\n')
			p->line++;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			p->s++;
		} else if (c == '/' && (p->s[1] == '/' || p->s[1] == '*')) {
			if (skip_comment(p))
				return -1;
		} else {
			return 0;
		}
	}
}

static int buf_put(struct buf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 16;
		char *d = realloc(b->data, cap);

		if (!d)
			return -1;
		b->data = d;
		b->cap = cap;
	}
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
	return 0;
}

static int put_utf8(struct buf *b, unsigned long cp)
{
	int r = 0;

	if (cp < 0x80)
		return buf_put(b, (char)cp);
	if (cp < 0x800) {
		r |= buf_put(b, (char)(0xc0 | cp >> 6));
	} else if (cp < 0x10000) {
		r |= buf_put(b, (char)(0xe0 | cp >> 12));
		r |= buf_put(b, (char)(0x80 | (cp >> 6 & 0x3f)));
	} else {
		r |= buf_put(b, (char)(0xf0 | cp >> 18));
		r |= buf_put(b, (char)(0x80 | (cp >> 12 & 0x3f)));
		r |= buf_put(b, (char)(0x80 | (cp >> 6 & 0x3f)));
	}
	return r | buf_put(b, (char)(0x80 | (cp & 0x3f)));
}

/* Reads the 4 hex digits after "\u"; p->s points at the 'u'. */
static int read_hex4(struct parser *p, unsigned long *out)
{
	*out = 0;
	for (int i = 1; i <= 4; i++) {
		char c = p->s[i];

		if (!isxdigit((unsigned char)c))
			return fail(p, "bad \\u escape in string");
		*out = *out << 4 | (unsigned long)(isdigit((unsigned char)c) ? c - '0'
						     : (tolower((unsigned char)c) - 'a' + 10));
	}
	p->s += 5;
	return 0;
}

static int parse_unicode(struct parser *p, struct buf *b)
{
	unsigned long cp, lo;

	if (read_hex4(p, &cp))
		return -1;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(p, "lone low surrogate in \\u escape");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		/* UTF-16 pair: the high half must be followed by a "\uDC00".."\uDFFF" */
		if (p->s[0] != '\\' || p->s[1] != 'u')
			return fail(p, "lone high surrogate in \\u escape");
		p->s++;
		if (read_hex4(p, &lo))
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(p, "bad surrogate pair in \\u escape");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0)
		return fail(p, "\\u0000 is not allowed in strings");
	return put_utf8(b, cp) ? fail(p, "out of memory") : 0;
}

static int parse_escape(struct parser *p, struct buf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;

	p->s++;
	if (*p->s == 'u')
		return parse_unicode(p, b);
	hit = *p->s ? strchr(from, *p->s) : NULL;
	if (!hit)
		return fail_char(p, "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)");
	p->s++;
	return buf_put(b, to[hit - from]) ? fail(p, "out of memory") : 0;
}

/*
 * Length of the UTF-8 sequence at s, or 0 if it is not one (RFC 3629: no overlong form,
 * no UTF-16 surrogate, nothing above U+10FFFF). A NUL ends a sequence early, so a string
 * cut by the end of the text is invalid too. Names end up in reports and in other
 * programs' parsers, which may choke on bytes that are not text.
 */
static size_t utf8_len(const unsigned char *s)
{
	static const unsigned long least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned long cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	cp = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A raw (unescaped) multi-byte character, copied as it is once it is known to be UTF-8. */
static int string_utf8(struct parser *p, struct buf *b)
{
	size_t n = utf8_len((const unsigned char *)p->s);

	if (n == 0)
		return fail(p, "invalid UTF-8 at byte offset %zu (0x%02x)",
			    (size_t)(p->s - p->start), (unsigned char)*p->s);
	while (n--)
		if (buf_put(b, *p->s++))
			return fail(p, "out of memory");
	return 0;
}

/* One character or escape of a string body; p->s is inside the string. */
static int string_char(struct parser *p, struct buf *b)
{
	unsigned char c = (unsigned char)*p->s;

	/* A raw newline ends the string with an error: that reports a far better line than
	 * running on to the next quote would. */
	if (c == '\0' || c == '\n')
		return fail(p, "unterminated string");
	if (c < 0x20)
		return fail(p, "control byte 0x%02x in string", c);
	if (c == '\\')
		return parse_escape(p, b);
	if (c >= 0x80)
		return string_utf8(p, b);
	p->s++;
	return buf_put(b, (char)c) ? fail(p, "out of memory") : 0;
}

/* p->s points at the opening quote. */
static int parse_string(struct parser *p, char **out)
{
	struct buf b = { 0 };

	for (p->s++; *p->s != '"'; ) {
		if (string_char(p, &b)) {
			free(b.data);
			return -1;
		}
	}
	p->s++;
	*out = b.data ? b.data : calloc(1, 1);
	return *out ? 0 : fail(p, "out of memory");
}

static size_t skip_digits(const char *s)
{
	size_t n = 0;

	while (isdigit((unsigned char)s[n]))
		n++;
	return n;
}

/*
 * Converts the n bytes at p->s, a number already checked, from a copy ending with them:
 * strtod on the document itself may read (or, under a sanitizer's strict string checks,
 * measure) the whole rest of it, which made a document of a million numbers quadratic.
 */
static int convert_number(struct parser *p, struct json_value *v, size_t n, int plain)
{
	char small[64], *text = n < sizeof(small) ? small : malloc(n + 1);

	if (!text)
		return fail(p, "out of memory");
	memcpy(text, p->s, n);
	text[n] = '\0';
	v->type = JSON_NUMBER;
	v->number = strtod(text, NULL);
	errno = 0;
	v->integer = plain ? strtoll(text, NULL, 10) : 0;
	v->is_int = plain && errno != ERANGE;
	if (text != small)
		free(text);
	p->s += n;
	return 0;
}

/* Strict JSON number syntax; strtod/strtoll then only see text they fully accept. */
static int parse_number(struct parser *p, struct json_value *v)
{
	const char *s = p->s + (*p->s == '-');
	size_t n = skip_digits(s);
	int plain = 1;

	if (n == 0 || (s[0] == '0' && n > 1))
		return fail(p, "bad number");
	s += n;
	if (*s == '.') {
		plain = 0;
		n = skip_digits(++s);
		if (n == 0)
			return fail(p, "bad number: no digits after '.'");
		s += n;
	}
	if (*s == 'e' || *s == 'E') {
		plain = 0;
		s += (s[1] == '+' || s[1] == '-') + 1;
		n = skip_digits(s);
		if (n == 0)
			return fail(p, "bad number: no digits in exponent");
		s += n;
	}
	return convert_number(p, v, (size_t)(s - p->s), plain);
}

static int parse_literal(struct parser *p, struct json_value *v)
{
	static const char *const names[] = { "null", "false", "true" };

	for (int i = 0; i < 3; i++) {
		size_t n = strlen(names[i]);

		if (strncmp(p->s, names[i], n) == 0 && !isalnum((unsigned char)p->s[n])) {
			v->type = i == 0 ? JSON_NULL : JSON_BOOL;
			v->boolean = i == 2;
			p->s += n;
			return 0;
		}
	}
	return fail_char(p, "a value");
}

/* Returns arr (n elements of size sz) with room for one more, new slots zeroed. */
static void *grow(struct parser *p, void *arr, size_t n, size_t *cap, size_t sz)
{
	size_t ncap = *cap ? 2 * *cap : 4;
	char *a;

	if (n < *cap)
		return arr;
	a = realloc(arr, ncap * sz);
	if (!a) {
		fail(p, "out of memory");
		return NULL;
	}
	memset(a + n * sz, 0, (ncap - n) * sz);
	*cap = ncap;
	return a;
}

static int parse_value(struct parser *p, struct json_value *v);

/* Ends one element of an array or object: a ',' (maybe trailing) or the closing char. */
static int end_element(struct parser *p, char close, int *done)
{
	if (skip_space(p))
		return -1;
	if (*p->s == ',') {
		p->s++;
		if (skip_space(p))
			return -1;
	} else if (*p->s != close) {
		return fail_char(p, close == ']' ? "',' or ']'" : "',' or '}'");
	}
	*done = *p->s == close;
	p->s += *done;
	return 0;
}

static int parse_array(struct parser *p, struct json_value *v)
{
	size_t cap = 0;
	int done;

	v->type = JSON_ARRAY;
	p->s++;
	if (skip_space(p))
		return -1;
	done = *p->s == ']';
	p->s += done;
	while (!done) {
		struct json_value *items = grow(p, v->items, v->len, &cap, sizeof(*items));

		if (!items)
			return -1;
		v->items = items;
		if (parse_value(p, &v->items[v->len++]) || end_element(p, ']', &done))
			return -1;
	}
	return 0;
}

/*
 * rt-app's workgen turns a line holding "suspend" and no ':' into "suspend": "TASK", the
 * name of the task it is in: a key starting with "suspend" may stand alone, followed by
 * ',' or '}'. Any other key without a value stays a syntax error.
 */
static bool is_bare(const struct parser *p, const char *key)
{
	return strncmp(key, "suspend", strlen("suspend")) == 0 && (*p->s == ',' || *p->s == '}');
}

/* A bare member: its value is JSON_NULL, counted like any value. */
static int bare_member(struct parser *p, struct json_member *m)
{
	m->bare = 1;
	m->value.type = JSON_NULL;
	m->value.line = m->line;
	if (++p->values > JSON_MAX_VALUES)
		return fail(p, "more than %u values in the document", JSON_MAX_VALUES);
	return 0;
}

static int parse_member(struct parser *p, struct json_member *m)
{
	if (*p->s != '"')
		return fail_char(p, "a string key or '}'");
	m->line = p->line;
	p->key = NULL;
	if (parse_string(p, &m->key))
		return -1;
	p->key = m->key;
	if (skip_space(p))
		return -1;
	if (*p->s != ':' && is_bare(p, m->key))
		return bare_member(p, m);
	if (*p->s != ':')
		return fail_char(p, "':'");
	p->s++;
	return parse_value(p, &m->value);
}

static int parse_object(struct parser *p, struct json_value *v)
{
	const char *outer = p->key;
	size_t cap = 0;
	int done;

	v->type = JSON_OBJECT;
	p->s++;
	if (skip_space(p))
		return -1;
	done = *p->s == '}';
	p->s += done;
	while (!done) {
		struct json_member *m = grow(p, v->members, v->len, &cap, sizeof(*m));

		if (!m)
			return -1;
		v->members = m;
		if (parse_member(p, &v->members[v->len++]) || end_element(p, '}', &done))
			return -1;
	}
	p->key = outer;
	return 0;
}

static int parse_value(struct parser *p, struct json_value *v)
{
	int r;

	if (skip_space(p))
		return -1;
	v->line = p->line;
	if (++p->values > JSON_MAX_VALUES)
		return fail(p, "more than %u values in the document", JSON_MAX_VALUES);
	if (*p->s == '"') {
		v->type = JSON_STRING;
		return parse_string(p, &v->string);
	}
	if (*p->s == '-' || isdigit((unsigned char)*p->s))
		return parse_number(p, v);
	if (*p->s != '{' && *p->s != '[')
		return parse_literal(p, v);
	if (++p->depth > JSON_MAX_DEPTH)
		return fail(p, "nested more than %d levels deep", JSON_MAX_DEPTH);
	r = *p->s == '{' ? parse_object(p, v) : parse_array(p, v);
	p->depth--;
	return r;
}

static void clear_value(struct json_value *v)
{
	for (size_t i = 0; v->items && i < v->len; i++)
		clear_value(&v->items[i]);
	for (size_t i = 0; v->members && i < v->len; i++) {
		free(v->members[i].key);
		clear_value(&v->members[i].value);
	}
	free(v->items);
	free(v->members);
	free(v->string);
}

struct json_value *json_parse(const char *text, struct json_error *err)
{
	struct parser p = { .s = text, .start = text, .line = 1, .err = err };
	struct json_value *root = calloc(1, sizeof(*root));

	if (!root) {
		fail(&p, "out of memory");
		return NULL;
	}
	if (parse_value(&p, root) == 0 && skip_space(&p) == 0) {
		if (*p.s == '\0')
			return root;
		p.key = NULL;
		fail_char(&p, "end of input after the top-level value");
	}
	json_free(root);
	return NULL;
}

void json_free(struct json_value *root)
{
	if (!root)
		return;
	clear_value(root);
	free(root);
}

const char *json_type_name(enum json_type type)
{
	static const char *const names[] = {
		[JSON_NULL] = "null",           [JSON_BOOL] = "a boolean",
		[JSON_NUMBER] = "a number",     [JSON_STRING] = "a string",
		[JSON_ARRAY] = "an array",      [JSON_OBJECT] = "an object",
	};

	return (unsigned)type <= JSON_OBJECT ? names[type] : "an unknown type";
}
