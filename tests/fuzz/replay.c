/* SPDX-License-Identifier: MIT */
/*
 * replay.c - runs a fuzz target without the fuzzer: every file named on the command line,
 * and every file of every directory named there (sorted by name, not recursive, dot files
 * skipped), is read into a buffer of exactly its size and passed once to
 * LLVMFuzzerTestOneInput. Linked with one target and the sanitizers, this is the
 * deterministic regression test of its corpus; on a crash, the last "replay: FILE" line
 * names the input. Arguments starting with '-' (libFuzzer flags) are ignored, so a
 * libFuzzer command line can be reused as is.
 *
 * Exit status: 0 after every input ran; 1 if a path cannot be read; 77 (skip, for meson)
 * if there was no input at all. A crash ends the program the way the sanitizer decides.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as with libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned long replayed;

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t size = 0, cap = 0;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t n;

		if (size == cap) {
			uint8_t *more = realloc(buf, cap = cap ? 2 * cap : 4096);

			if (!more) {
				fprintf(stderr, "replay: %s: out of memory\n", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = more;
		}
		n = fread(buf + size, 1, cap - size, f);
		size += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* exactly `size` bytes, as the fuzzer passes them: a read past the end is caught */
	{
		uint8_t *data = malloc(size ? size : 1);

		if (!data) {
			free(buf);
			return -1;
		}
		if (size)
			memcpy(data, buf, size);
		free(buf);
		printf("replay: %s (%zu bytes)\n", path, size);
		fflush(stdout);
		LLVMFuzzerTestOneInput(data, size);
		free(data);
	}
	replayed++;
	return 0;
}

static int skip_dot(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static int replay_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	int n, ret = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	n = scandir(path, &names, skip_dot, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(path) + strlen(names[i]->d_name) + 2;
		char *full = malloc(len);

		if (!full) {
			ret = -1;
		} else {
			snprintf(full, len, "%s/%s", path, names[i]->d_name);
			if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && replay_file(full) < 0)
				ret = -1;
			free(full);
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

int main(int argc, char **argv)
{
	int ret = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-' && replay_path(argv[i]) < 0)
			ret = 1;
	printf("replay: %lu input(s)\n", replayed);
	if (ret == 0 && replayed == 0) {
		printf("1..0 # SKIP no input to replay\n");
		return 77;
	}
	return ret;
}
