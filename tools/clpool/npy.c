/*
 * The .npy format (numpy.lib.format) for clpool's command-line tool. The header parser is a small
 * hand-written descent parser over a cursor that never moves past the end of the header text: it
 * accepts exactly the Python dict literals NumPy writes and their harmless variants (key order,
 * quote style, spacing, trailing commas) and names the first thing it finds wrong. The reader reads
 * the preamble, then the header, then the data straight into the caller's array, having checked the
 * file size against the header first. The writer formats and pads the header as NumPy 1.x does
 * (newer NumPy adds up to 21 spare spaces for appending, which every reader ignores), converts
 * elements to little-endian through an integer view (so NaN payloads and -0.0 survive bit for bit),
 * and replaces the target atomically through a temporary file in the same directory.
 */
#define _POSIX_C_SOURCE 200809L

#include "npy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

enum {
    MAGIC_LEN = 6,
    PREAMBLE_V1 = 10, /* magic, 2 version bytes, 2-byte header length */
    PREAMBLE_V2 = 12, /* magic, 2 version bytes, 4-byte header length */
    ARRAY_ALIGN = 64, /* NumPy aligns the data start to this */
    MAX_V1_HEADER = 65535,
    DICT_CAP = 512, /* the longest dict npy_write formats is about 250 bytes */
    HEADER_CAP = PREAMBLE_V2 + DICT_CAP + 2 * ARRAY_ALIGN,
    KEY_CAP = 32,
    CHUNK_BYTES = 1 << 16,
};

/* NumPy writes headers of a few hundred bytes; a larger one is hostile or broken, and the reader
 * holds the whole header in memory, so it refuses beyond this. */
#define READ_MAX_HEADER ((uint64_t)1 << 20)

static const unsigned char npy_magic[MAGIC_LEN] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* ---- Messages ---------------------------------------------------------------------------------
 */

/* Formats a message into err (if there is room for one) and returns -1, so that every failure is
 * a one-line `return fail(...)`. */
static int fail(char *err, size_t err_size, const char *fmt, ...) {
    if (err != NULL && err_size > 0) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(err, err_size, fmt, args);
        va_end(args);
    }
    return -1;
}

static int fail_truncated_header(char *err, size_t err_size, uint64_t need, uint64_t have) {
    return fail(err, err_size,
                "truncated header: the header needs %llu bytes but only %llu are available",
                (unsigned long long)need, (unsigned long long)have);
}

/* ---- Byte order -------------------------------------------------------------------------------
 */

static int host_is_little_endian(void) {
    const uint32_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* Stores the esize-byte (4 or 8) element at src, in host order, as little-endian bytes at dst.
 * Going through an integer keeps every bit, NaN payloads included. */
static void store_le(unsigned char *dst, const unsigned char *src, size_t esize) {
    uint64_t v;
    if (esize == 4) {
        uint32_t v32;
        memcpy(&v32, src, 4);
        v = v32;
    } else {
        memcpy(&v, src, 8);
    }
    for (size_t i = 0; i < esize; i++)
        dst[i] = (unsigned char)(v >> (8 * i));
}

/* Converts count little-endian elements of esize bytes (4 or 8) to host order, in place. */
static void load_le_in_place(unsigned char *bytes, size_t count, size_t esize) {
    for (size_t i = 0; i < count; i++) {
        unsigned char *b = bytes + esize * i;
        uint64_t v = 0;
        for (size_t j = esize; j-- > 0;)
            v = v << 8 | b[j];
        if (esize == 4) {
            const uint32_t narrow = (uint32_t)v;
            memcpy(b, &narrow, 4);
        } else {
            memcpy(b, &v, 8);
        }
    }
}

/* ---- Shape arithmetic -------------------------------------------------------------------------
 */

/* The product of the dimensions, or -1 when it does not fit in int64. A zero dimension makes the
 * product zero whatever the others are, so it is looked for first. */
static int64_t element_count(const int64_t *shape, int ndim) {
    for (int i = 0; i < ndim; i++)
        if (shape[i] == 0)
            return 0;
    int64_t count = 1;
    for (int i = 0; i < ndim; i++) {
        if (count > INT64_MAX / shape[i])
            return -1;
        count *= shape[i];
    }
    return count;
}

/* ---- Preamble ---------------------------------------------------------------------------------
 */

/* Checks the magic and version in bytes[0..size) and reads the header length field. On success
 * *preamble is 10 or 12 and *header_len is the length field; whether the header itself fits in
 * size is left to the caller, who knows how large the whole file is. */
static int parse_preamble(const unsigned char *bytes, size_t size, npy_header *h, size_t *preamble,
                          uint32_t *header_len, char *err, size_t err_size) {
    if (size == 0)
        return fail(err, err_size, "not a .npy file (empty)");
    if (memcmp(bytes, npy_magic, size < MAGIC_LEN ? size : MAGIC_LEN) != 0)
        return fail(err, err_size, "not a .npy file (bad magic)");
    if (size < MAGIC_LEN)
        return fail(err, err_size, "not a .npy file (shorter than the magic string)");
    if (size < MAGIC_LEN + 2)
        return fail(err, err_size, "truncated header: the version bytes are missing");
    h->major = bytes[6];
    h->minor = bytes[7];
    if (h->major < 1 || h->major > 3 || h->minor != 0)
        return fail(err, err_size, "unsupported .npy version %d.%d", h->major, h->minor);
    *preamble = h->major == 1 ? PREAMBLE_V1 : PREAMBLE_V2;
    if (size < *preamble)
        return fail(err, err_size, "truncated header: the header length field is incomplete");
    *header_len = (uint32_t)bytes[8] | (uint32_t)bytes[9] << 8;
    if (h->major > 1)
        *header_len |= (uint32_t)bytes[10] << 16 | (uint32_t)bytes[11] << 24;
    return 0;
}

/* ---- Dict parser ------------------------------------------------------------------------------
 */

/* The header text being parsed: pos moves from start towards end and never beyond it. */
typedef struct parser {
    const unsigned char *start, *pos, *end;
    char *err;
    size_t err_size;
} parser;

/* The three keys NumPy writes, each required exactly once; a bit per key in the parser's set. */
static const char *const keys[3] = {"descr", "fortran_order", "shape"};

typedef enum str_result {
    STR_OK,
    STR_NOT_STRING,
    STR_UNTERMINATED,
    STR_BAD_CHAR,
    STR_TOO_LONG
} str_result;

static int peek(const parser *p) {
    return p->pos < p->end ? *p->pos : -1;
}

static int is_digit(int ch) {
    return ch >= '0' && ch <= '9';
}

/* Characters that would continue a Python number or name, so that "3.0", "3L", "0x1", "1_0" and
 * "Truex" are not taken for a shorter token. */
static int is_word_char(int ch) {
    return is_digit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
           ch == '.';
}

/* Python's whitespace inside brackets; NumPy itself only writes spaces and the final newline. */
static void skip_space(parser *p) {
    while (p->pos < p->end &&
           (*p->pos == ' ' || *p->pos == '\t' || *p->pos == '\n' || *p->pos == '\r'))
        p->pos++;
}

static int syntax_error(const parser *p, const char *what) {
    return fail(p->err, p->err_size, "header is not a Python dict literal: %s (at byte %zu)", what,
                (size_t)(p->pos - p->start));
}

/* Parses a quoted string without escapes, printable ASCII only, into out (cap bytes with the
 * terminator). NumPy never writes escapes or other bytes in the strings it puts here. The whole
 * string is scanned before its length is judged, so that an unterminated string is called that. */
static str_result parse_string(parser *p, char *out, size_t cap) {
    const int quote = peek(p);
    if (quote != '\'' && quote != '"')
        return STR_NOT_STRING;
    const unsigned char *first = p->pos + 1, *last = first;
    while (last < p->end && *last != quote && *last != '\n')
        last++;
    if (last == p->end || *last != quote)
        return STR_UNTERMINATED;
    for (const unsigned char *q = first; q < last; q++)
        if (*q < 0x20 || *q > 0x7e || *q == '\\')
            return STR_BAD_CHAR;
    const size_t len = (size_t)(last - first);
    if (len >= cap)
        return STR_TOO_LONG;
    memcpy(out, first, len);
    out[len] = '\0';
    p->pos = last + 1;
    return STR_OK;
}

/* The message for a string that did not parse where a string was required. */
static int string_error(const parser *p, str_result r) {
    if (r == STR_UNTERMINATED)
        return syntax_error(p, "unterminated string");
    return syntax_error(p, "a string holds a backslash or a byte that is not printable ASCII");
}

/* Accepts word if it is the whole next token. */
static int match_word(parser *p, const char *word) {
    const size_t n = strlen(word);
    if ((size_t)(p->end - p->pos) < n || memcmp(p->pos, word, n) != 0)
        return 0;
    if (p->pos + n < p->end && is_word_char(p->pos[n]))
        return 0;
    p->pos += n;
    return 1;
}

static int parse_descr(parser *p, npy_header *h) {
    const str_result r = parse_string(p, h->descr, sizeof h->descr);
    if (r == STR_NOT_STRING)
        return fail(p->err, p->err_size,
                    "'descr' is not a string (structured dtypes are not "
                    "supported)");
    if (r == STR_TOO_LONG)
        return fail(p->err, p->err_size, "'descr' is longer than %zu characters",
                    sizeof h->descr - 1);
    return r == STR_OK ? 0 : string_error(p, r);
}

static int parse_fortran_order(parser *p, npy_header *h) {
    if (match_word(p, "True"))
        h->fortran_order = 1;
    else if (match_word(p, "False"))
        h->fortran_order = 0;
    else
        return fail(p->err, p->err_size, "'fortran_order' is not True or False");
    return 0;
}

static int shape_error(const parser *p) {
    return fail(p->err, p->err_size, "'shape' is not a tuple of non-negative integers");
}

/* One dimension: a Python decimal integer literal without sign, underscores or leading zeros. */
static int parse_dim(parser *p, int64_t *dim) {
    if (!is_digit(peek(p)))
        return shape_error(p);
    if (peek(p) == '0' && p->pos + 1 < p->end && is_digit(p->pos[1]))
        return shape_error(p);
    int64_t v = 0;
    for (int ch = peek(p); is_digit(ch); ch = peek(p)) {
        if (v > (INT64_MAX - (ch - '0')) / 10)
            return fail(p->err, p->err_size, "a 'shape' dimension is too large for int64");
        v = 10 * v + (ch - '0');
        p->pos++;
    }
    if (is_word_char(peek(p)))
        return shape_error(p);
    *dim = v;
    return 0;
}

/* A tuple: "()", "(3,)", "(2, 3)" or "(2, 3,)"; "(3)" is a parenthesised integer, not a tuple. */
static int parse_shape(parser *p, npy_header *h) {
    if (peek(p) != '(')
        return shape_error(p);
    p->pos++;
    skip_space(p);
    int n = 0;
    while (peek(p) != ')') {
        int64_t dim = 0;
        if (parse_dim(p, &dim) != 0)
            return -1;
        if (n == NPY_MAX_DIMS)
            return fail(p->err, p->err_size, "shape has more than %d dimensions", NPY_MAX_DIMS);
        h->shape[n++] = dim;
        skip_space(p);
        if (peek(p) == ')' && n == 1)
            return shape_error(p);
        if (peek(p) == ',') {
            p->pos++;
            skip_space(p);
        } else if (peek(p) != ')') {
            return shape_error(p);
        }
    }
    p->pos++;
    h->ndim = n;
    return 0;
}

/* Parses "'key': value" with the cursor on the key; seen collects which keys came already. */
static int parse_entry(parser *p, npy_header *h, unsigned *seen) {
    char key[KEY_CAP];
    const str_result r = parse_string(p, key, sizeof key);
    if (r == STR_NOT_STRING)
        return syntax_error(p, p->pos < p->end ? "expected a quoted key or '}'"
                                               : "it ends before the closing '}'");
    if (r == STR_TOO_LONG)
        return fail(p->err, p->err_size, "unknown key in header");
    if (r != STR_OK)
        return string_error(p, r);
    int k = 0;
    while (k < 3 && strcmp(key, keys[k]) != 0)
        k++;
    if (k == 3)
        return fail(p->err, p->err_size, "unknown key '%s' in header", key);
    if (*seen & (1u << k))
        return fail(p->err, p->err_size, "duplicate key '%s' in header", key);
    *seen |= 1u << k;
    skip_space(p);
    if (peek(p) != ':')
        return syntax_error(p, "expected ':' after a key");
    p->pos++;
    skip_space(p);
    if (k == 0)
        return parse_descr(p, h);
    return k == 1 ? parse_fortran_order(p, h) : parse_shape(p, h);
}

/* The dict, then nothing but whitespace to the end of the header. */
static int parse_dict(parser *p, npy_header *h) {
    if (peek(p) != '{')
        return syntax_error(p, "it does not start with '{'");
    p->pos++;
    unsigned seen = 0;
    for (;;) {
        skip_space(p);
        if (peek(p) == '}')
            break;
        if (parse_entry(p, h, &seen) != 0)
            return -1;
        skip_space(p);
        if (peek(p) == ',')
            p->pos++;
        else if (peek(p) != '}')
            return syntax_error(p, p->pos < p->end ? "expected ',' or '}' after a value"
                                                   : "it ends before the closing '}'");
    }
    p->pos++;
    skip_space(p);
    if (p->pos != p->end)
        return syntax_error(p, "unexpected bytes after the closing '}'");
    for (int k = 0; k < 3; k++)
        if (!(seen & (1u << k)))
            return fail(p->err, p->err_size, "missing '%s' key in header", keys[k]);
    return 0;
}

int npy_parse_header(const unsigned char *bytes, size_t size, npy_header *out, char *err,
                     size_t err_size) {
    if (bytes == NULL && size > 0)
        return fail(err, err_size, "no header bytes given");
    if (out == NULL)
        return fail(err, err_size, "no header to fill in");
    npy_header h;
    memset(&h, 0, sizeof h);
    size_t preamble = 0;
    uint32_t header_len = 0;
    if (parse_preamble(bytes, size, &h, &preamble, &header_len, err, err_size) != 0)
        return -1;
    if (header_len > size - preamble)
        return fail_truncated_header(err, err_size, (uint64_t)preamble + header_len, size);
    parser p = {bytes + preamble, bytes + preamble, bytes + preamble + header_len, err, err_size};
    if (parse_dict(&p, &h) != 0)
        return -1;
    if (element_count(h.shape, h.ndim) < 0)
        return fail(err, err_size, "element count overflows");
    h.data_offset = preamble + header_len;
    *out = h;
    return 0;
}

/* ---- Reader -----------------------------------------------------------------------------------
 */

/* Reads exactly len bytes unless the file ends first; returns the count read, or -1 with errno. */
static ssize_t read_full(int fd, unsigned char *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        const ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* Reads len bytes at offset into buf, calling a short read what it is: the file shrank. */
static int read_exact(int fd, uint64_t offset, unsigned char *buf, size_t len, const char *what,
                      char *err, size_t err_size) {
    if (lseek(fd, (off_t)offset, SEEK_SET) == (off_t)-1)
        return fail(err, err_size, "cannot seek to the %s: %s", what, strerror(errno));
    const ssize_t n = read_full(fd, buf, len);
    if (n < 0)
        return fail(err, err_size, "cannot read the %s: %s", what, strerror(errno));
    if ((size_t)n < len)
        return fail(err, err_size, "truncated %s: expected %zu bytes, found %zu", what, len,
                    (size_t)n);
    return 0;
}

/* Reads and parses the header of a file of file_size bytes. */
static int read_header(int fd, uint64_t file_size, npy_header *h, char *err, size_t err_size) {
    unsigned char head[PREAMBLE_V2];
    const size_t head_len = file_size < PREAMBLE_V2 ? (size_t)file_size : PREAMBLE_V2;
    if (read_exact(fd, 0, head, head_len, "header", err, err_size) != 0)
        return -1;
    npy_header scratch;
    size_t preamble = 0;
    uint32_t header_len = 0;
    if (parse_preamble(head, head_len, &scratch, &preamble, &header_len, err, err_size) != 0)
        return -1;
    const uint64_t extent = (uint64_t)preamble + header_len;
    if (extent > file_size)
        return fail_truncated_header(err, err_size, extent, file_size);
    if (extent > READ_MAX_HEADER)
        return fail(err, err_size, "header is too large (%llu bytes; at most %llu are supported)",
                    (unsigned long long)extent, (unsigned long long)READ_MAX_HEADER);
    unsigned char *bytes = malloc((size_t)extent);
    if (bytes == NULL)
        return fail(err, err_size, "out of memory reading the header");
    int rc = read_exact(fd, 0, bytes, (size_t)extent, "header", err, err_size);
    if (rc == 0)
        rc = npy_parse_header(bytes, (size_t)extent, h, err, err_size);
    free(bytes);
    return rc;
}

/* What the reader accepts for each dtype: the descr's type code, its name, its size. */
static const char *dtype_code(npy_dtype dtype) {
    return dtype == NPY_I64 ? "i8" : "f4";
}

static const char *dtype_name(npy_dtype dtype) {
    return dtype == NPY_I64 ? "int64" : "float32";
}

static size_t dtype_size(npy_dtype dtype) {
    return dtype == NPY_I64 ? 8 : 4;
}

/* Whether descr names the little-endian dtype on this host; other descrs get a message. */
static int check_descr(const char *descr, npy_dtype dtype, char *err, size_t err_size) {
    const char *code = dtype_code(dtype);
    const int native =
        (descr[0] == '=' && strcmp(descr + 1, code) == 0) || strcmp(descr, code) == 0;
    if ((descr[0] == '<' && strcmp(descr + 1, code) == 0) || (native && host_is_little_endian()))
        return 0;
    if ((descr[0] == '>' && strcmp(descr + 1, code) == 0) || native)
        return fail(err, err_size,
                    "byte order of '%s' is not supported: %s must be little-endian ('<%s')", descr,
                    dtype_name(dtype), code);
    return fail(err, err_size, "unsupported dtype '%s': expected little-endian %s ('<%s')", descr,
                dtype_name(dtype), code);
}

/* Checks the header against the reader's needs and the file's size; *count is the elements. */
static int check_layout(const npy_header *h, npy_dtype dtype, uint64_t file_size, size_t *count,
                        char *err, size_t err_size) {
    const uint64_t esize = dtype_size(dtype);
    if (check_descr(h->descr, dtype, err, err_size) != 0)
        return -1;
    if (h->fortran_order)
        return fail(err, err_size,
                    "Fortran-order arrays are not supported; save with np.ascontiguousarray");
    const uint64_t n = (uint64_t)element_count(h->shape, h->ndim);
    if (n > (uint64_t)INT64_MAX / esize)
        return fail(err, err_size, "data size overflows (%llu elements of %llu bytes)",
                    (unsigned long long)n, (unsigned long long)esize);
    const uint64_t expected = esize * n;
    const uint64_t found = file_size - h->data_offset;
    if (found < expected)
        return fail(err, err_size, "truncated data: expected %llu bytes, found %llu",
                    (unsigned long long)expected, (unsigned long long)found);
    if (found > expected)
        return fail(err, err_size, "trailing bytes after the data: expected %llu bytes, found %llu",
                    (unsigned long long)expected, (unsigned long long)found);
    if (expected > SIZE_MAX)
        return fail(err, err_size, "array of %llu bytes does not fit in memory",
                    (unsigned long long)expected);
    *count = (size_t)n;
    return 0;
}

/* Opens path as a regular file and returns its descriptor and size, or -1 with a message. */
static int open_regular(const char *path, uint64_t *size, char *err, size_t err_size) {
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, err_size, "cannot open: %s", strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0)
        rc = fail(err, err_size, "cannot stat: %s", strerror(errno));
    else if (S_ISDIR(st.st_mode))
        rc = fail(err, err_size, "cannot read: %s", strerror(EISDIR));
    else if (!S_ISREG(st.st_mode))
        rc = fail(err, err_size, "cannot read: not a regular file");
    if (rc != 0) {
        close(fd);
        return -1;
    }
    *size = (uint64_t)st.st_size;
    return fd;
}

static int read_array(const char *path, npy_dtype dtype, npy_header *header, void **data, char *err,
                      size_t err_size) {
    const size_t esize = dtype_size(dtype);
    uint64_t file_size = 0;
    const int fd = open_regular(path, &file_size, err, err_size);
    if (fd < 0)
        return -1;
    npy_header h;
    size_t count = 0;
    unsigned char *bytes = NULL;
    int rc = read_header(fd, file_size, &h, err, err_size);
    if (rc == 0)
        rc = check_layout(&h, dtype, file_size, &count, err, err_size);
    if (rc == 0 && (bytes = malloc(count > 0 ? esize * count : 1)) == NULL)
        rc = fail(err, err_size, "out of memory allocating %zu bytes", esize * count);
    if (rc == 0)
        rc = read_exact(fd, h.data_offset, bytes, esize * count, "data", err, err_size);
    close(fd);
    if (rc != 0) {
        free(bytes);
        return -1;
    }
    load_le_in_place(bytes, count, esize);
    *header = h;
    *data = bytes;
    return 0;
}

int npy_read_f32(const char *path, npy_header *header, float **data, char *err, size_t err_size) {
    if (data != NULL)
        *data = NULL;
    if (path == NULL || header == NULL || data == NULL)
        return fail(err, err_size, "npy_read_f32: path, header and data must not be NULL");
    char msg[512];
    void *raw = NULL;
    if (read_array(path, NPY_F32, header, &raw, msg, sizeof msg) != 0)
        return fail(err, err_size, "%s: %s", path, msg);
    *data = raw;
    return 0;
}

int npy_read_i64(const char *path, npy_header *header, int64_t **data, char *err, size_t err_size) {
    if (data != NULL)
        *data = NULL;
    if (path == NULL || header == NULL || data == NULL)
        return fail(err, err_size, "npy_read_i64: path, header and data must not be NULL");
    char msg[512];
    void *raw = NULL;
    if (read_array(path, NPY_I64, header, &raw, msg, sizeof msg) != 0)
        return fail(err, err_size, "%s: %s", path, msg);
    *data = raw;
    return 0;
}

/* ---- Writer -----------------------------------------------------------------------------------
 */

/* Appends to the dict being formatted; the caller sized buf so that this cannot run out. */
static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    const int n = vsnprintf(buf + *len, cap - *len, fmt, args);
    va_end(args);
    if (n > 0)
        *len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

/* The dict exactly as NumPy 1.x formats it (repr of the shape tuple included). */
static size_t format_dict(char *buf, size_t cap, const char *descr, const int64_t *shape,
                          int ndim) {
    size_t len = 0;
    append(buf, cap, &len, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int i = 0; i < ndim; i++)
        append(buf, cap, &len, "%s%lld", i > 0 ? ", " : "", (long long)shape[i]);
    append(buf, cap, &len, "%s), }", ndim == 1 ? "," : "");
    return len;
}

/* The header's total length with NumPy's padding rule (numpy.lib.format._wrap_header): the dict,
 * then 1 to 64 spaces, then '\n', ending at a multiple of ARRAY_ALIGN. At least one space, so an
 * exact fit gets a whole extra block, as NumPy's does. */
static size_t padded_length(size_t preamble, size_t dict_len) {
    const size_t unpadded = preamble + dict_len + 1;
    return unpadded + ARRAY_ALIGN - unpadded % ARRAY_ALIGN;
}

/* Builds preamble, dict, space padding and '\n' into out (HEADER_CAP bytes); returns the length.
 * Version 2.0 only when the length does not fit version 1.0's 2-byte field, as NumPy chooses. */
static size_t build_header(unsigned char *out, const char *descr, const int64_t *shape, int ndim) {
    char dict[DICT_CAP];
    const size_t dict_len = format_dict(dict, sizeof dict, descr, shape, ndim);
    size_t preamble = PREAMBLE_V1;
    size_t total = padded_length(preamble, dict_len);
    if (total - preamble > MAX_V1_HEADER) {
        preamble = PREAMBLE_V2;
        total = padded_length(preamble, dict_len);
    }
    const uint32_t header_len = (uint32_t)(total - preamble);
    memcpy(out, npy_magic, MAGIC_LEN);
    out[6] = preamble == PREAMBLE_V1 ? 1 : 2;
    out[7] = 0;
    for (size_t i = 0; i < preamble - 8; i++)
        out[8 + i] = (unsigned char)(header_len >> (8 * i));
    memcpy(out + preamble, dict, dict_len);
    memset(out + preamble + dict_len, ' ', total - preamble - dict_len - 1);
    out[total - 1] = '\n';
    return total;
}

static int write_full(int fd, const unsigned char *buf, size_t len) {
    while (len > 0) {
        const ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes count elements of esize bytes as little-endian, a chunk at a time. */
static int write_data(int fd, const unsigned char *data, size_t count, size_t esize) {
    unsigned char chunk[CHUNK_BYTES];
    const size_t per_chunk = CHUNK_BYTES / esize;
    for (size_t done = 0; done < count;) {
        const size_t n = count - done < per_chunk ? count - done : per_chunk;
        for (size_t i = 0; i < n; i++)
            store_le(chunk + i * esize, data + (done + i) * esize, esize);
        if (write_full(fd, chunk, n * esize) != 0)
            return -1;
        done += n;
    }
    return 0;
}

/* The mode open(path, O_CREAT, 0666) would give: mkstemp makes 0600 files, which would surprise
 * whoever reads the output. umask can only be read by setting it, so it is set back at once; a
 * thread creating a file in between would see 0 (the tool is single-threaded). */
static mode_t creation_mode(void) {
    const mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

/* Fills the temporary file and makes it durable. */
static int fill_temp(int fd, const unsigned char *header, size_t header_len, const void *data,
                     size_t count, size_t esize, char *err, size_t err_size) {
    if (fchmod(fd, creation_mode()) != 0)
        return fail(err, err_size, "cannot set the mode of the temporary file: %s",
                    strerror(errno));
    if (write_full(fd, header, header_len) != 0 || write_data(fd, data, count, esize) != 0)
        return fail(err, err_size, "cannot write: %s", strerror(errno));
    if (fsync(fd) != 0)
        return fail(err, err_size, "cannot fsync: %s", strerror(errno));
    return 0;
}

/* Syncs the directory so that the rename itself survives a crash. Best effort: the new file is
 * already in place, and some file systems refuse fsync on a directory. */
static void sync_directory(const char *dir) {
    const int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Splits path into its directory ("." when none) and the "<dir>/.<name>.XXXXXX" template. */
static int temp_names(const char *path, char **dir, char **template) {
    const char *slash = strrchr(path, '/');
    const size_t dir_len = slash != NULL ? (size_t)(slash - path) + 1 : 0;
    const char *name = path + dir_len;
    *dir = malloc(dir_len + 2);
    *template = malloc(dir_len + strlen(name) + 9);
    if (*dir == NULL || *template == NULL)
        return -1;
    memcpy(*dir, path, dir_len);
    strcpy(*dir + dir_len, dir_len == 0 ? "." : "");
    memcpy(*template, path, dir_len);
    sprintf(*template + dir_len, ".%s.XXXXXX", name);
    return 0;
}

/* Creates the temporary file from template, fills it and renames it over path; removes it on any
 * failure, so that nothing is left behind that was not there before. */
static int replace_through_temp(const char *path, const char *dir, char *template,
                                const unsigned char *header, size_t header_len, const void *data,
                                size_t count, size_t esize, char *err, size_t err_size) {
    const int fd = mkstemp(template);
    if (fd < 0)
        return fail(err, err_size, "cannot create a temporary file in '%s': %s", dir,
                    strerror(errno));
    int rc = fill_temp(fd, header, header_len, data, count, esize, err, err_size);
    if (close(fd) != 0 && rc == 0)
        rc = fail(err, err_size, "cannot close: %s", strerror(errno));
    if (rc == 0 && rename(template, path) != 0)
        rc = fail(err, err_size, "cannot rename the temporary file over it: %s", strerror(errno));
    if (rc != 0)
        unlink(template);
    else
        sync_directory(dir);
    return rc;
}

static int write_atomically(const char *path, const unsigned char *header, size_t header_len,
                            const void *data, size_t count, size_t esize, char *err,
                            size_t err_size) {
    char *dir = NULL, *template = NULL;
    int rc = temp_names(path, &dir, &template);
    if (rc != 0)
        rc = fail(err, err_size, "out of memory");
    else
        rc = replace_through_temp(path, dir, template, header, header_len, data, count, esize, err,
                                  err_size);
    free(dir);
    free(template);
    return rc;
}

/* Checks the arguments and returns the element count through *count. */
static int check_write_args(const char *path, npy_dtype dtype, const int64_t *shape, int ndim,
                            const void *data, size_t *count, char *err, size_t err_size) {
    if (path[0] == '\0' || path[strlen(path) - 1] == '/')
        return fail(err, err_size, "not a file name");
    if (dtype != NPY_F32 && dtype != NPY_I64)
        return fail(err, err_size, "unknown dtype %d", (int)dtype);
    if (ndim < 0 || ndim > NPY_MAX_DIMS)
        return fail(err, err_size, "ndim %d is outside 0..%d", ndim, NPY_MAX_DIMS);
    if (ndim > 0 && shape == NULL)
        return fail(err, err_size, "shape is NULL");
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 0)
            return fail(err, err_size, "dimension %d is negative (%lld)", i, (long long)shape[i]);
    const int64_t n = element_count(shape, ndim);
    const size_t esize = dtype == NPY_F32 ? 4 : 8;
    if (n < 0 || (uint64_t)n > SIZE_MAX / esize)
        return fail(err, err_size, "element count overflows");
    if (n > 0 && data == NULL)
        return fail(err, err_size, "data is NULL");
    *count = (size_t)n;
    return 0;
}

int npy_write(const char *path, npy_dtype dtype, const int64_t *shape, int ndim, const void *data,
              char *err, size_t err_size) {
    if (path == NULL)
        return fail(err, err_size, "npy_write: path is NULL");
    char msg[512];
    size_t count = 0;
    int rc = check_write_args(path, dtype, shape, ndim, data, &count, msg, sizeof msg);
    if (rc == 0) {
        unsigned char header[HEADER_CAP];
        const size_t header_len =
            build_header(header, dtype == NPY_F32 ? "<f4" : "<i8", shape, ndim);
        rc = write_atomically(path, header, header_len, data, count, dtype == NPY_F32 ? 4 : 8, msg,
                              sizeof msg);
    }
    if (rc != 0)
        return fail(err, err_size, "%s: %s", path, msg);
    return 0;
}
