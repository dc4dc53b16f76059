/*
 * The tuning file format: words of each key field, a parser that trusts nothing it reads (every
 * field checked, sizes bounded, lines and the whole text limited), the lookup plans use, and the
 * writer `clpool tune` reaches through clpool_context_write_tuning_file. The identity lines must
 * match the device exactly: sizes measured under another driver may be wrong for this one, and
 * the only safe reading of a file for another device is none.
 */
#include "tuning.h"

#include "clpool/clpool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ENTRY_LINE_MAX = 256, FIELD_TOKENS = CLPOOL_TUNING_FIELDS + 1 };

static const char *const pass_words[] = {
    "forward",      "forward_indices", "backward_max_indices", "backward_max_input",
    "backward_avg", "unpool"};
static const char *const mode_words[] = {"max", "avg"};
static const char *const layout_words[] = {"channels_first", "channels_last"};
static const char *const window_words[] = {"sliding", "adaptive", "global"};

static const struct {
    const char *const *words;
    int count;
    const char *problem; /* when a word is not one of them */
} fields[CLPOOL_TUNING_FIELDS] = {
    {pass_words, 6,
     "PASS is not forward, forward_indices, backward_max_indices, "
     "backward_max_input, backward_avg, unpool or '*'"},
    {mode_words, 2, "MODE is not max, avg or '*'"},
    {layout_words, 2, "LAYOUT is not channels_first, channels_last or '*'"},
    {window_words, 3, "WINDOW is not sliding, adaptive, global or '*'"},
};

void clpool_tuning_key_text(const clpool_tuning_key *key, char *text, size_t size) {
    const char *word[CLPOOL_TUNING_FIELDS];
    for (int f = 0; f < CLPOOL_TUNING_FIELDS; ++f)
        word[f] = key->field[f] == CLPOOL_TUNING_ANY ? "*" : fields[f].words[key->field[f]];
    snprintf(text, size, "%s %s %s %s", word[0], word[1], word[2], word[3]);
}

/* The index of token among field f's words, CLPOOL_TUNING_ANY for '*', or -2. */
static int field_value(int f, const char *token) {
    if (strcmp(token, "*") == 0)
        return CLPOOL_TUNING_ANY;
    for (int i = 0; i < fields[f].count; ++i)
        if (strcmp(token, fields[f].words[i]) == 0)
            return i;
    return -2;
}

/* Splits line (modified in place) into at most max blank-separated tokens; returns how many
 * there were, max + 1 meaning too many. Not strtok: plans may be created on several threads. */
static int split(char *line, char **token, int max) {
    int n = 0;
    for (char *c = line; *c;) {
        while (*c == ' ' || *c == '\t')
            *c++ = '\0';
        if (!*c)
            break;
        if (n == max)
            return max + 1;
        token[n++] = c;
        while (*c && *c != ' ' && *c != '\t')
            ++c;
    }
    return n;
}

static int parse_key_tokens(char **token, clpool_tuning_key *key, const char **problem) {
    for (int f = 0; f < CLPOOL_TUNING_FIELDS; ++f) {
        key->field[f] = field_value(f, token[f]);
        if (key->field[f] == -2) {
            *problem = fields[f].problem;
            return -1;
        }
    }
    return 0;
}

int clpool_tuning_key_parse(const char *text, clpool_tuning_key *key, const char **problem) {
    char copy[ENTRY_LINE_MAX], *token[CLPOOL_TUNING_FIELDS];
    if (strlen(text) >= sizeof copy) {
        *problem = "the key is too long";
        return -1;
    }
    strcpy(copy, text);
    if (split(copy, token, CLPOOL_TUNING_FIELDS) != CLPOOL_TUNING_FIELDS) {
        *problem = "a key is four fields: PASS MODE LAYOUT WINDOW";
        return -1;
    }
    return parse_key_tokens(token, key, problem);
}

/* LOCAL_SIZE: decimal digits only, 1 .. CLPOOL_TUNING_MAX_LOCAL_SIZE. */
static size_t parse_local_size(const char *token) {
    size_t value = 0, digits = 0;
    for (const char *c = token; *c; ++c, ++digits) {
        if (*c < '0' || *c > '9' || digits == 6)
            return 0;
        value = value * 10 + (size_t)(*c - '0');
    }
    return value <= CLPOOL_TUNING_MAX_LOCAL_SIZE ? value : 0;
}

/* One entry line (without its newline); returns NULL or why it was skipped. */
static const char *parse_entry(const char *line, size_t length, clpool_tuning_entry *entry) {
    char copy[ENTRY_LINE_MAX], *token[FIELD_TOKENS];
    const char *problem = NULL;
    if (length >= sizeof copy)
        return "line too long";
    if (memchr(line, '\0', length))
        return "NUL byte in the line";
    memcpy(copy, line, length);
    copy[length] = '\0';
    char *comment = strchr(copy, '#');
    if (comment)
        *comment = '\0';
    if (split(copy, token, FIELD_TOKENS) != FIELD_TOKENS)
        return "an entry is five fields: PASS MODE LAYOUT WINDOW LOCAL_SIZE";
    if (parse_key_tokens(token, &entry->key, &problem) != 0)
        return problem;
    entry->local_size = parse_local_size(token[CLPOOL_TUNING_FIELDS]);
    return entry->local_size ? NULL : "LOCAL_SIZE is not an integer in [1, 65536]";
}

/* The next line of text at *at (before end): its start and length without the newline and
 * trailing blanks or carriage return; advances *at past it. */
static const char *next_line(const char **at, const char *end, size_t *length) {
    const char *start = *at, *newline = memchr(start, '\n', (size_t)(end - start));
    const char *stop = newline ? newline : end;
    *at = newline ? newline + 1 : end;
    while (stop > start && (stop[-1] == ' ' || stop[-1] == '\t' || stop[-1] == '\r'))
        --stop;
    *length = (size_t)(stop - start);
    return start;
}

static int is_skipped(const char *line, size_t length) {
    size_t i = 0;
    while (i < length && (line[i] == ' ' || line[i] == '\t'))
        ++i;
    return i == length || line[i] == '#';
}

/* Compares header line number index (0: the magic line, 1..3: identity lines) with the wanted
 * one; returns NULL or why the text does not apply. */
static const char *check_header(int index, const char *line, size_t length, const char *identity) {
    static const char *const labels[] = {"platform:", "device:", "driver:"};
    static const char *const foreign[] = {"written for another platform",
                                          "written for another device",
                                          "written for another driver version"};
    if (index == 0) {
        if (length == strlen(CLPOOL_TUNING_MAGIC) && memcmp(line, CLPOOL_TUNING_MAGIC, length) == 0)
            return NULL;
        return length > 14 && memcmp(line, "clpool-tuning ", 14) == 0 ? "another format version"
                                                                      : "not a clpool tuning file";
    }
    const char *want = identity;
    for (int i = 1; i < index; ++i)
        want = strchr(want, '\n') + 1;
    const size_t want_length = (size_t)(strchr(want, '\n') - want);
    if (length == want_length && memcmp(line, want, length) == 0)
        return NULL;
    const size_t label = strlen(labels[index - 1]);
    return length >= label && memcmp(line, labels[index - 1], label) == 0
               ? foreign[index - 1]
               : "the header lacks the platform, device and driver lines";
}

/* Makes room for one more entry; 0 when out of memory. */
static int grow(clpool_tuning_table *table) {
    if (table->count < table->capacity)
        return 1;
    const size_t capacity = table->capacity ? 2 * table->capacity : 64;
    clpool_tuning_entry *entries = realloc(table->entries, capacity * sizeof *entries);
    if (!entries)
        return 0;
    table->entries = entries;
    table->capacity = capacity;
    return 1;
}

static void skip_line(clpool_tuning_table *table, int line, const char *problem) {
    if (table->skipped++ == 0) {
        table->first_skipped_line = line;
        table->first_skipped_problem = problem;
    }
}

const char *clpool_tuning_parse(const char *text, size_t size, const char *identity,
                                clpool_tuning_table *table) {
    memset(table, 0, sizeof *table);
    if (size > CLPOOL_TUNING_MAX_TEXT)
        return "larger than 1 MiB";
    const char *at = text, *end = text + size;
    int header = 0, line_number = 0;
    while (at < end) {
        size_t length = 0;
        const char *line = next_line(&at, end, &length);
        ++line_number;
        if (is_skipped(line, length))
            continue;
        if (header < 4) {
            const char *problem = check_header(header++, line, length, identity);
            if (problem) {
                clpool_tuning_table_free(table);
                return problem;
            }
            continue;
        }
        if (table->count == CLPOOL_TUNING_MAX_ENTRIES) {
            skip_line(table, line_number, "more than 4096 entries");
            continue;
        }
        if (!grow(table)) {
            clpool_tuning_table_free(table);
            return "out of memory";
        }
        const char *problem = parse_entry(line, length, &table->entries[table->count]);
        if (problem)
            skip_line(table, line_number, problem);
        else
            ++table->count;
    }
    return header == 4 ? NULL
                       : (header == 0 ? "not a clpool tuning file"
                                      : "the header lacks the platform, device and driver lines");
}

void clpool_tuning_table_free(clpool_tuning_table *table) {
    free(table->entries);
    memset(table, 0, sizeof *table);
}

size_t clpool_tuning_lookup(const clpool_tuning_table *table, const clpool_tuning_key *key) {
    size_t found = 0;
    int best = -1;
    for (size_t i = 0; i < table->count; ++i) {
        const clpool_tuning_entry *e = &table->entries[i];
        int specific = 0, matches = 1;
        for (int f = 0; f < CLPOOL_TUNING_FIELDS; ++f) {
            if (e->key.field[f] == CLPOOL_TUNING_ANY)
                continue;
            matches &= e->key.field[f] == key->field[f];
            ++specific;
        }
        if (matches && specific >= best) {
            best = specific;
            found = e->local_size;
        }
    }
    return found;
}

char *clpool_tuning_format(const char *identity, const clpool_tuning_entry *entries, size_t count) {
    static const char preamble[] =
        "# Work-group sizes of clpool's kernels on the device above, written by clpool %s\n"
        "# (`clpool tune`). Entries: PASS MODE LAYOUT WINDOW LOCAL_SIZE, '*' matching any value;\n"
        "# a plan takes the matching entry with the fewest '*' (the later one among equals),\n"
        "# clamped to what its kernel allows. Plans read this file when CLPOOL_TUNE_FILE names\n"
        "# it, or through clpool_context_set_tuning_file.\n";
    const size_t line_size = CLPOOL_TUNING_KEY_TEXT + 16;
    const size_t capacity = strlen(CLPOOL_TUNING_MAGIC) + 1 + strlen(identity) + sizeof preamble +
                            16 + count * line_size + 1;
    char *text = malloc(capacity);
    if (!text)
        return NULL;
    size_t used = (size_t)snprintf(text, capacity, "%s\n%s", CLPOOL_TUNING_MAGIC, identity);
    used += (size_t)snprintf(text + used, capacity - used, preamble, CLPOOL_VERSION_STRING);
    for (size_t i = 0; i < count; ++i) {
        char key[CLPOOL_TUNING_KEY_TEXT];
        clpool_tuning_key_text(&entries[i].key, key, sizeof key);
        used +=
            (size_t)snprintf(text + used, capacity - used, "%s %zu\n", key, entries[i].local_size);
    }
    return text;
}
