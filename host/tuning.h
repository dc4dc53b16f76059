/*
 * Tuning files: the work-group sizes `clpool tune` measured on one device, kept as text a person
 * can read and edit. This is the format alone (keys, parsing, lookup and writing the text), with
 * no OpenCL call and no file I/O, so every malformed line can be unit-tested; tuning_file.c ties
 * it to a context. A text that is not a tuning file, or names another platform, device or driver,
 * is ignored whole; a line that does not parse is skipped. Neither ever reaches a plan as an
 * error: the worst a tuning file can do is make a plan slower.
 *
 * The text: the line "clpool-tuning 1", the device's three identity lines ("platform: NAME |
 * VERSION", "device: NAME | VERSION", "driver: VERSION"), then entries "PASS MODE LAYOUT WINDOW
 * LOCAL_SIZE", one per line, any field of the key '*' for every value. Blank lines and lines
 * starting with '#' are skipped everywhere; on an entry line '#' starts a comment.
 */
#ifndef CLPOOL_HOST_TUNING_H
#define CLPOOL_HOST_TUNING_H

#include <stddef.h>

#define CLPOOL_TUNING_MAGIC          "clpool-tuning 1"
#define CLPOOL_TUNING_MAX_LOCAL_SIZE 65536
#define CLPOOL_TUNING_MAX_ENTRIES    4096
#define CLPOOL_TUNING_MAX_TEXT       ((size_t)1 << 20)
#define CLPOOL_TUNING_KEY_TEXT       64 /* bytes that hold any key's text */
#define CLPOOL_TUNING_ANY            (-1)

/* A key's fields, each the index of one of its words below, or CLPOOL_TUNING_ANY ('*'). */
enum { TUNING_PASS, TUNING_MODE, TUNING_LAYOUT, TUNING_WINDOW, CLPOOL_TUNING_FIELDS };

/* The words of each field, in index order. */
enum {
    TUNING_FORWARD,              /* "forward" */
    TUNING_FORWARD_INDICES,      /* "forward_indices" */
    TUNING_BACKWARD_MAX_INDICES, /* "backward_max_indices" */
    TUNING_BACKWARD_MAX_INPUT,   /* "backward_max_input" */
    TUNING_BACKWARD_AVG,         /* "backward_avg" */
    TUNING_UNPOOL                /* "unpool" */
};
enum { TUNING_MAX, TUNING_AVG };                         /* "max", "avg" */
enum { TUNING_CHANNELS_FIRST, TUNING_CHANNELS_LAST };    /* "channels_first", "..._last" */
enum { TUNING_SLIDING, TUNING_ADAPTIVE, TUNING_GLOBAL }; /* "sliding", "adaptive", "global" */

typedef struct clpool_tuning_key {
    int field[CLPOOL_TUNING_FIELDS];
} clpool_tuning_key;

typedef struct clpool_tuning_entry {
    clpool_tuning_key key;
    size_t local_size; /* 1 .. CLPOOL_TUNING_MAX_LOCAL_SIZE */
} clpool_tuning_entry;

typedef struct clpool_tuning_table {
    clpool_tuning_entry *entries; /* in file order */
    size_t count, capacity;
    /* Lines skipped because they did not parse, and the first of them, for diagnostics. */
    size_t skipped;
    int first_skipped_line;
    const char *first_skipped_problem; /* static text */
} clpool_tuning_table;

/* "PASS MODE LAYOUT WINDOW" ("forward max channels_first sliding"), NUL-terminated, truncated to
 * size bytes (CLPOOL_TUNING_KEY_TEXT always suffices). */
void clpool_tuning_key_text(const clpool_tuning_key *key, char *text, size_t size);

/* Parses four blank-separated key fields (each a word of its field or '*') and nothing else.
 * Returns 0, or -1 with a static phrase naming the problem in *problem. */
int clpool_tuning_key_parse(const char *text, clpool_tuning_key *key, const char **problem);

/*
 * Parses size bytes of text for the device whose identity is identity (its three lines, each
 * ending in '\n', as clpool_tuning_format writes them). Returns NULL with the entries in *table,
 * or a static phrase saying why the text does not apply, with *table empty. Lines that do not
 * parse are counted in table->skipped, never a reason to refuse the text.
 */
const char *clpool_tuning_parse(const char *text, size_t size, const char *identity,
                                clpool_tuning_table *table);

void clpool_tuning_table_free(clpool_tuning_table *table);

/* The local size of the entry matching key with the fewest '*' fields (the later line among
 * equals), or 0 when none matches. */
size_t clpool_tuning_lookup(const clpool_tuning_table *table, const clpool_tuning_key *key);

/* The whole text of a tuning file for identity holding entries, in a new malloc'd string (NULL
 * when out of memory). */
char *clpool_tuning_format(const char *identity, const clpool_tuning_entry *entries, size_t count);

#endif
