/*
 * The command-line tool's .npy module, checked without any OpenCL device: write-then-read round
 * trips that must be byte-exact (NaN payloads and -0.0 included) with NumPy's header layout and
 * 64-byte alignment; a header byte-for-byte as NumPy 1.x writes it, and version 2.0 and 3.0
 * headers; the dict variants NumPy's parser accepts; every malformed file the reader must refuse,
 * each in its own test with the words its message must contain; every prefix and many one-byte
 * mutations of a valid header, which must fail cleanly or parse; and the writer's atomic
 * replacement, which must never leave its temporary file behind. Each test works in its own
 * mkdtemp directory under /tmp, removed afterwards.
 */
#define _POSIX_C_SOURCE 200809L

#include "suite_main.h"
#include "expect.h"
#include "npy.h"

#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { TEST_TIMEOUT = 60, ERR_CAP = 512, PATH_CAP = 512 };

/* The dict NumPy 1.x writes for a C-order float32 array of shape (2, 3). */
#define DICT_2X3 "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"

/* np.save of np.zeros((2, 3), '<f4') with numpy 1.x, header only: 10 preamble bytes, the 59-byte
 * dict, 58 spaces and '\n', 128 bytes in all, so the length field is 118 = 'v'. */
static const char numpy_v1_header[] = "\x93"
                                      "NUMPY\x01\x00"
                                      "v\x00" DICT_2X3 "          "
                                      "          "
                                      "          "
                                      "          "
                                      "          "
                                      "        \n";
_Static_assert(sizeof numpy_v1_header - 1 == 128, "NumPy's header for (2, 3) is 128 bytes");

/* ---- Helpers ----------------------------------------------------------------------------------
 */

static char tmp_dir[64];

static void make_tmp_dir(void) {
    strcpy(tmp_dir, "/tmp/test_npy.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
}

/* Removes path and, if it is a directory, everything under it. */
static void remove_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *dir = opendir(path);
        for (struct dirent *e = dir ? readdir(dir) : NULL; e != NULL; e = readdir(dir)) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char child[PATH_CAP];
            snprintf(child, sizeof child, "%s/%s", path, e->d_name);
            remove_tree(child);
        }
        if (dir != NULL)
            closedir(dir);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void remove_tmp_dir(void) {
    remove_tree(tmp_dir);
}

/* out = "<tmp_dir>/<name>". */
static void tmp_path(char *out, const char *name) {
    snprintf(out, PATH_CAP, "%s/%s", tmp_dir, name);
}

static void write_bytes(const char *path, const void *bytes, size_t len) {
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(bytes, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* The whole file, malloc'd; *len is its size. */
static unsigned char *read_bytes(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    const long size = ftell(f);
    ck_assert_int_ge(size, 0);
    rewind(f);
    unsigned char *bytes = malloc((size_t)size + 1);
    ck_assert_ptr_nonnull(bytes);
    ck_assert_uint_eq(fread(bytes, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return bytes;
}

/* How many entries tmp_dir holds, and how many of them start with '.' (the writer's temps). */
static int count_entries(int *hidden) {
    DIR *dir = opendir(tmp_dir);
    ck_assert_ptr_nonnull(dir);
    int n = 0;
    *hidden = 0;
    for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        n++;
        *hidden += e->d_name[0] == '.';
    }
    closedir(dir);
    return n;
}

static void put_le32(unsigned char *b, uint32_t v) {
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
}

/* A .npy image with version major.minor: the preamble (4-byte length from major 2 on), the header
 * text padded with spaces and '\n' so the data starts at a multiple of 64 as NumPy pads it, then
 * data_len zero bytes. malloc'd; *len is its size and *data_offset where the data starts. */
static unsigned char *make_file(int major, int minor, const char *dict, size_t data_len,
                                size_t *len, size_t *data_offset) {
    const size_t preamble = major >= 2 ? 12 : 10;
    const size_t text = strlen(dict);
    const size_t header_end = (preamble + text + 1 + 63) / 64 * 64;
    *len = header_end + data_len;
    *data_offset = header_end;
    unsigned char *b = calloc(*len, 1);
    ck_assert_ptr_nonnull(b);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = (unsigned char)minor;
    const uint32_t header_len = (uint32_t)(header_end - preamble);
    b[8] = (unsigned char)header_len;
    b[9] = (unsigned char)(header_len >> 8);
    if (preamble == 12)
        put_le32(b + 8, header_len);
    memcpy(b + preamble, dict, text);
    memset(b + preamble + text, ' ', header_end - preamble - text - 1);
    b[header_end - 1] = '\n';
    return b;
}

/* Expects npy_read_f32 to refuse the file image bytes[0..len) with fragment in a message that
 * starts with the path. */
static void expect_read_error(const unsigned char *bytes, size_t len, const char *fragment) {
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "bad.npy");
    write_bytes(path, bytes, len);
    npy_header h;
    float *data = (float *)(void *)&h;
    ck_assert_int_ne(npy_read_f32(path, &h, &data, err, sizeof err), 0);
    ck_assert_ptr_null(data);
    ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "message '%s' lacks the path", err);
    ck_assert_msg(strstr(err, fragment) != NULL, "message '%s' lacks '%s'", err, fragment);
}

/* Expects npy_parse_header, given exactly bytes[0..len) in a buffer of that size (so that a
 * sanitizer sees any read past it), to refuse them with fragment in the message. */
static void expect_parse_error(const unsigned char *bytes, size_t len, const char *fragment) {
    unsigned char *copy = malloc(len > 0 ? len : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, bytes, len);
    char err[ERR_CAP] = "";
    npy_header h;
    memset(&h, 0x5a, sizeof h);
    const npy_header before = h;
    ck_assert_int_ne(npy_parse_header(copy, len, &h, err, sizeof err), 0);
    ck_assert_msg(memcmp(&h, &before, sizeof h) == 0, "header changed on failure");
    ck_assert_msg(strstr(err, fragment) != NULL, "message '%s' lacks '%s'", err, fragment);
    free(copy);
}

/* A version 1.0 file with dict and data_len bytes of data must be refused by both the parser and
 * the reader with fragment. */
static void expect_dict_error(const char *dict, const char *fragment) {
    size_t len, offset;
    unsigned char *bytes = make_file(1, 0, dict, 24, &len, &offset);
    expect_parse_error(bytes, offset, fragment);
    expect_read_error(bytes, len, fragment);
    free(bytes);
}

/* A file whose header parses but which npy_read_f32 must refuse with fragment. */
static void expect_layout_error(const char *dict, size_t data_len, const char *fragment) {
    size_t len, offset;
    unsigned char *bytes = make_file(1, 0, dict, data_len, &len, &offset);
    npy_header h;
    char err[ERR_CAP] = "";
    ck_assert_msg(npy_parse_header(bytes, len, &h, err, sizeof err) == 0, "%s", err);
    expect_read_error(bytes, len, fragment);
    free(bytes);
}

/* Parses a version 1.0 file with dict and returns its header, failing the test on an error. */
static npy_header parse_ok(const char *dict) {
    size_t len, offset;
    unsigned char *bytes = make_file(1, 0, dict, 0, &len, &offset);
    npy_header h;
    char err[ERR_CAP] = "";
    ck_assert_msg(npy_parse_header(bytes, len, &h, err, sizeof err) == 0, "%s: %s", dict, err);
    ck_assert_uint_eq(h.data_offset, offset);
    free(bytes);
    return h;
}

/* ---- Round trips ------------------------------------------------------------------------------
 */

typedef struct shape_row {
    int ndim;
    int64_t dims[5];
    const char *repr; /* Python's repr of the shape tuple */
} shape_row;

static const shape_row round_trip_shapes[] = {
    {1, {0}, "(0,)"},
    {1, {1}, "(1,)"},
    {2, {2, 3}, "(2, 3)"},
    {4, {1, 2, 3, 4}, "(1, 2, 3, 4)"},
    {5, {2, 1, 3, 4, 5}, "(2, 1, 3, 4, 5)"},
};
enum { ROUND_TRIP_SHAPES = sizeof round_trip_shapes / sizeof round_trip_shapes[0] };

/* Bit patterns that a float conversion or a careless copy would change. */
static const uint32_t special_bits[] = {
    0x7fc00001u, /* quiet NaN with a payload */
    0xff800001u, /* negative signalling NaN with a payload */
    0x80000000u, /* -0.0 */
    0x7f800000u, /* +inf */
    0x00000001u, /* smallest subnormal */
    0xff7fffffu, /* -FLT_MAX */
};

static uint32_t pattern_bits(size_t i) {
    const size_t n = sizeof special_bits / sizeof special_bits[0];
    return i < n ? special_bits[i] : (uint32_t)(i * 2654435761u);
}

/* Checks the written file's bytes: NumPy's dict for the shape, space padding, '\n' at the end of a
 * 64-byte-aligned header, then the elements little-endian. */
static void check_file_bytes(const char *path, const shape_row *row, size_t count) {
    size_t len;
    unsigned char *bytes = read_bytes(path, &len);
    char dict[256];
    snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }",
             row->repr);
    /* numpy.lib.format._wrap_header: hlen = len + 1, padlen = 64 - (10 + hlen) % 64. */
    const size_t hlen = strlen(dict) + 1;
    const size_t offset = 10 + hlen + 64 - (10 + hlen) % 64;
    ck_assert_uint_eq(len, offset + 4 * count);
    ck_assert_int_eq(memcmp(bytes, "\x93NUMPY\x01\x00", 8), 0);
    ck_assert_uint_eq(bytes[8] | bytes[9] << 8, offset - 10);
    ck_assert_int_eq(memcmp(bytes + 10, dict, strlen(dict)), 0);
    for (size_t i = 10 + strlen(dict); i < offset - 1; i++)
        ck_assert_int_eq(bytes[i], ' ');
    ck_assert_int_eq(bytes[offset - 1], '\n');
    for (size_t i = 0; i < count; i++) {
        unsigned char want[4];
        put_le32(want, pattern_bits(i));
        expect_each(memcmp(bytes + offset + 4 * i, want, 4) == 0, "element %zu", i);
    }
    free(bytes);
}

START_TEST(test_round_trip) {
    const shape_row *row = &round_trip_shapes[_i];
    size_t count = 1;
    for (int d = 0; d < row->ndim; d++)
        count *= (size_t)row->dims[d];
    float *values = malloc(4 * count + 4);
    ck_assert_ptr_nonnull(values);
    for (size_t i = 0; i < count; i++) {
        const uint32_t bits = pattern_bits(i);
        memcpy(&values[i], &bits, 4);
    }
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "round.npy");
    ck_assert_msg(npy_write(path, NPY_F32, row->dims, row->ndim, values, err, sizeof err) == 0,
                  "%s", err);
    check_file_bytes(path, row, count);

    npy_header h;
    float *read = NULL;
    ck_assert_msg(npy_read_f32(path, &h, &read, err, sizeof err) == 0, "%s", err);
    ck_assert_ptr_nonnull(read);
    ck_assert_int_eq(h.major, 1);
    ck_assert_int_eq(h.minor, 0);
    ck_assert_str_eq(h.descr, "<f4");
    ck_assert_int_eq(h.fortran_order, 0);
    ck_assert_int_eq(h.ndim, row->ndim);
    for (int d = 0; d < row->ndim; d++)
        ck_assert_int_eq(h.shape[d], row->dims[d]);
    ck_assert_uint_eq(h.data_offset % 64, 0);
    ck_assert_int_eq(memcmp(read, values, 4 * count), 0);
    free(read);
    free(values);
}
END_TEST

/* npy_write's header for np.zeros((2, 3), '<f4') is NumPy's, byte for byte. */
START_TEST(test_writes_numpy_header) {
    const int64_t shape[2] = {2, 3};
    const float zeros[6] = {0};
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "zeros.npy");
    ck_assert_msg(npy_write(path, NPY_F32, shape, 2, zeros, err, sizeof err) == 0, "%s", err);
    size_t len;
    unsigned char *bytes = read_bytes(path, &len);
    ck_assert_uint_eq(len, 128 + 24);
    ck_assert_int_eq(memcmp(bytes, numpy_v1_header, 128), 0);
    free(bytes);
}
END_TEST

/* A dict of 117 bytes fills 10 + 117 + '\n' = 128 bytes exactly; NumPy still pads with a whole
 * block of 64 spaces (at least one space always), and so must the writer. */
START_TEST(test_write_padding_at_boundary) {
    const int64_t shape[8] = {0, 999999, 999999, 999999, 999999, 999999, 999999, 99999999999};
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "boundary.npy");
    ck_assert_msg(npy_write(path, NPY_F32, shape, 8, NULL, err, sizeof err) == 0, "%s", err);
    size_t len;
    unsigned char *bytes = read_bytes(path, &len);
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 999999, 999999, "
                       "999999, 999999, 999999, 999999, 99999999999), }";
    ck_assert_uint_eq(strlen(dict), 117);
    ck_assert_uint_eq(len, 192);
    ck_assert_uint_eq(bytes[8] | bytes[9] << 8, 182);
    ck_assert_int_eq(memcmp(bytes + 10, dict, 117), 0);
    for (size_t i = 127; i < 191; i++)
        ck_assert_int_eq(bytes[i], ' ');
    ck_assert_int_eq(bytes[191], '\n');
    free(bytes);
}
END_TEST

START_TEST(test_reads_numpy_v1) {
    const float want[6] = {1.0f, -2.5f, 0.0f, 3.25f, -0.0f, 1e-3f};
    unsigned char file[128 + 24];
    memcpy(file, numpy_v1_header, 128);
    for (int i = 0; i < 6; i++) {
        uint32_t bits;
        memcpy(&bits, &want[i], 4);
        put_le32(file + 128 + 4 * i, bits);
    }
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "numpy.npy");
    write_bytes(path, file, sizeof file);
    npy_header h;
    float *data = NULL;
    ck_assert_msg(npy_read_f32(path, &h, &data, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(h.ndim, 2);
    ck_assert_int_eq(h.shape[0], 2);
    ck_assert_int_eq(h.shape[1], 3);
    ck_assert_uint_eq(h.data_offset, 128);
    ck_assert_int_eq(memcmp(data, want, sizeof want), 0);
    free(data);
}
END_TEST

/* Versions 2.0 and 3.0: a 4-byte length field, so the header starts at byte 12. */
START_TEST(test_reads_v2_and_v3) {
    const int major = 2 + _i;
    size_t len, offset;
    unsigned char *bytes = make_file(major, 0, DICT_2X3, 24, &len, &offset);
    ck_assert_uint_eq(offset, 128);
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "v.npy");
    write_bytes(path, bytes, len);
    npy_header h;
    float *data = NULL;
    ck_assert_msg(npy_read_f32(path, &h, &data, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(h.major, major);
    ck_assert_int_eq(h.minor, 0);
    ck_assert_int_eq(h.ndim, 2);
    ck_assert_uint_eq(h.data_offset, 128);
    free(data);
    free(bytes);
}
END_TEST

/* A version 2.0 header longer than version 1.0's 65535-byte limit. */
START_TEST(test_reads_long_v2_header) {
    const size_t pad = 70000;
    char *dict = malloc(strlen(DICT_2X3) + pad + 1);
    ck_assert_ptr_nonnull(dict);
    strcpy(dict, DICT_2X3);
    memset(dict + strlen(DICT_2X3), ' ', pad);
    dict[strlen(DICT_2X3) + pad] = '\0';
    size_t len, offset;
    unsigned char *bytes = make_file(2, 0, dict, 24, &len, &offset);
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "long.npy");
    write_bytes(path, bytes, len);
    npy_header h;
    float *data = NULL;
    ck_assert_msg(npy_read_f32(path, &h, &data, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(h.data_offset, offset);
    ck_assert_uint_gt(offset, 65535);
    free(data);
    free(bytes);
    free(dict);
}
END_TEST

START_TEST(test_reads_native_order) {
    const uint32_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    if (first != 1)
        return; /* '=f4' is big-endian here, refused like '>f4' */
    size_t len, offset;
    unsigned char *bytes = make_file(
        1, 0, "{'descr': '=f4', 'fortran_order': False, 'shape': (2, 3), }", 24, &len, &offset);
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "native.npy");
    write_bytes(path, bytes, len);
    npy_header h;
    float *data = NULL;
    ck_assert_msg(npy_read_f32(path, &h, &data, err, sizeof err) == 0, "%s", err);
    free(data);
    free(bytes);
}
END_TEST

START_TEST(test_reads_zero_elements) {
    size_t len, offset;
    unsigned char *bytes = make_file(
        1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 0, 2), }", 0, &len, &offset);
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "empty.npy");
    write_bytes(path, bytes, len);
    npy_header h;
    float *data = NULL;
    ck_assert_msg(npy_read_f32(path, &h, &data, err, sizeof err) == 0, "%s", err);
    ck_assert_ptr_nonnull(data);
    ck_assert_int_eq(h.ndim, 3);
    free(data);
    free(bytes);
}
END_TEST

/* ---- Accepted header variants -----------------------------------------------------------------
 */

typedef struct variant_row {
    const char *dict;
    int fortran_order;
    int ndim;
    int64_t dims[8];
} variant_row;

static const variant_row accepted[] = {
    {DICT_2X3, 0, 2, {2, 3}},
    {"{\"shape\": (2,3,), \"descr\": \"<f4\", \"fortran_order\": False}", 0, 2, {2, 3}},
    {"{'fortran_order':False,'shape':( 2 , 3 ),'descr':'<f4'}", 0, 2, {2, 3}},
    {"{'descr': '<f4', 'fortran_order': True, 'shape': (), }", 1, 0, {0}},
    {"{'descr': '<f4', 'fortran_order': False, 'shape': ( ), }", 0, 0, {0}},
    {"{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 0, 1, {3}},
    {"{ 'descr' : '<f4' , 'fortran_order' : False , 'shape' : ( 0 , ) , }", 0, 1, {0}},
    {"{'descr':\n'<f4',\t'fortran_order': False, 'shape': (2, 3)}", 0, 2, {2, 3}},
    {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3, 4, 5, 6, 7, 8), }",
     0,
     8,
     {1, 2, 3, 4, 5, 6, 7, 8}},
    {"{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807,), }",
     0,
     1,
     {INT64_MAX}},
    {"{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 0, "
     "9223372036854775807), }",
     0,
     3,
     {INT64_MAX, 0, INT64_MAX}},
};
enum { ACCEPTED = sizeof accepted / sizeof accepted[0] };

START_TEST(test_accepts_variant) {
    const variant_row *row = &accepted[_i];
    const npy_header h = parse_ok(row->dict);
    ck_assert_int_eq(h.major, 1);
    ck_assert_str_eq(h.descr, "<f4");
    ck_assert_int_eq(h.fortran_order, row->fortran_order);
    ck_assert_int_eq(h.ndim, row->ndim);
    for (int d = 0; d < row->ndim; d++)
        ck_assert_int_eq(h.shape[d], row->dims[d]);
}
END_TEST

/* No padding at all: the header ends right after '}', the data right after that. */
START_TEST(test_accepts_unpadded_header) {
    const size_t text = strlen(DICT_2X3);
    unsigned char bytes[10 + sizeof DICT_2X3];
    memcpy(bytes, "\x93NUMPY\x01\x00", 8);
    bytes[8] = (unsigned char)text;
    bytes[9] = 0;
    memcpy(bytes + 10, DICT_2X3, text);
    npy_header h;
    char err[ERR_CAP] = "";
    ck_assert_msg(npy_parse_header(bytes, 10 + text, &h, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(h.data_offset, 10 + text);
}
END_TEST

/* ---- Refused files: preamble ------------------------------------------------------------------
 */

START_TEST(test_empty_file) {
    expect_read_error((const unsigned char *)"", 0, "not a .npy file (empty)");
    expect_parse_error((const unsigned char *)"", 0, "not a .npy file (empty)");
}
END_TEST

START_TEST(test_shorter_than_magic) {
    expect_read_error((const unsigned char *)"\x93NUM", 4, "shorter than the magic string");
    expect_parse_error((const unsigned char *)"\x93NUM", 4, "shorter than the magic string");
}
END_TEST

START_TEST(test_bad_magic) {
    size_t len, offset;
    unsigned char *bytes = make_file(1, 0, DICT_2X3, 24, &len, &offset);
    bytes[5] = 'X';
    expect_read_error(bytes, len, "not a .npy file (bad magic)");
    expect_read_error((const unsigned char *)"PK\x03\x04", 4, "bad magic");
    free(bytes);
}
END_TEST

START_TEST(test_missing_version) {
    expect_read_error((const unsigned char *)"\x93NUMPY\x01", 7, "truncated header");
}
END_TEST

START_TEST(test_missing_length_field) {
    expect_read_error((const unsigned char *)"\x93NUMPY\x02\x00\x10\x00\x00", 11,
                      "truncated header");
}
END_TEST

static void expect_version_error(int major, int minor, const char *fragment) {
    size_t len, offset;
    unsigned char *bytes = make_file(major, minor, DICT_2X3, 24, &len, &offset);
    expect_read_error(bytes, len, fragment);
    expect_parse_error(bytes, len, fragment);
    free(bytes);
}

START_TEST(test_version_0_0) {
    expect_version_error(0, 0, "unsupported .npy version 0.0");
}
END_TEST

START_TEST(test_version_4_0) {
    expect_version_error(4, 0, "unsupported .npy version 4.0");
}
END_TEST

START_TEST(test_version_1_5) {
    expect_version_error(1, 5, "unsupported .npy version 1.5");
}
END_TEST

START_TEST(test_header_length_past_eof) {
    size_t len, offset;
    unsigned char *bytes = make_file(1, 0, DICT_2X3, 24, &len, &offset);
    bytes[8] = 0xe8; /* 1000 */
    bytes[9] = 0x03;
    expect_read_error(bytes, len, "truncated header");
    expect_parse_error(bytes, len, "truncated header");
    free(bytes);
}
END_TEST

/* The largest 4-byte length must not wrap around when the preamble is added. */
START_TEST(test_header_length_huge_v2) {
    size_t len, offset;
    unsigned char *bytes = make_file(2, 0, DICT_2X3, 24, &len, &offset);
    put_le32(bytes + 8, 0xffffffffu);
    expect_read_error(bytes, len, "truncated header");
    expect_parse_error(bytes, len, "truncated header");
    free(bytes);
}
END_TEST

START_TEST(test_header_too_large) {
    const size_t size = ((size_t)1 << 20) + 4096;
    unsigned char *bytes = calloc(size, 1);
    ck_assert_ptr_nonnull(bytes);
    memcpy(bytes, "\x93NUMPY\x02\x00", 8);
    put_le32(bytes + 8, (uint32_t)(size - 12));
    expect_read_error(bytes, size, "header is too large");
    free(bytes);
}
END_TEST

/* ---- Refused files: the dict ------------------------------------------------------------------
 */

START_TEST(test_header_not_dict) {
    expect_dict_error("[('descr', '<f4'), ('fortran_order', False), ('shape', (2, 3))]",
                      "does not start with '{'");
}
END_TEST

START_TEST(test_missing_closing_brace) {
    expect_dict_error("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ",
                      "ends before the closing '}'");
}
END_TEST

START_TEST(test_missing_descr) {
    expect_dict_error("{'fortran_order': False, 'shape': (2, 3), }", "missing 'descr' key");
}
END_TEST

START_TEST(test_missing_fortran_order) {
    expect_dict_error("{'descr': '<f4', 'shape': (2, 3), }", "missing 'fortran_order' key");
}
END_TEST

START_TEST(test_missing_shape) {
    expect_dict_error("{'descr': '<f4', 'fortran_order': False, }", "missing 'shape' key");
}
END_TEST

START_TEST(test_empty_dict) {
    expect_dict_error("{}", "missing 'descr' key");
}
END_TEST

START_TEST(test_duplicate_key) {
    expect_dict_error("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'shape': (6,)}",
                      "duplicate key 'shape'");
}
END_TEST

START_TEST(test_unknown_key) {
    expect_dict_error("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'align': 8}",
                      "unknown key 'align'");
    expect_dict_error("{'a_key_much_longer_than_any_known_one': 1, 'descr': '<f4'}", "unknown key");
}
END_TEST

START_TEST(test_unquoted_key) {
    expect_dict_error("{descr: '<f4', 'fortran_order': False, 'shape': (2, 3)}",
                      "expected a quoted key");
}
END_TEST

START_TEST(test_missing_colon) {
    expect_dict_error("{'descr' '<f4', 'fortran_order': False, 'shape': (2, 3)}",
                      "expected ':' after a key");
}
END_TEST

START_TEST(test_missing_comma) {
    expect_dict_error("{'descr': '<f4' 'fortran_order': False, 'shape': (2, 3)}",
                      "expected ',' or '}'");
}
END_TEST

START_TEST(test_double_comma) {
    expect_dict_error("{'descr': '<f4',, 'fortran_order': False, 'shape': (2, 3)}",
                      "expected a quoted key");
}
END_TEST

START_TEST(test_unterminated_string) {
    expect_dict_error("{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}",
                      "not a Python dict literal");
    expect_dict_error("{'descr': '<f4", "unterminated string");
}
END_TEST

START_TEST(test_non_ascii_string) {
    expect_dict_error("{'descr': '<f\xc3\xa9', 'fortran_order': False, 'shape': (2, 3)}",
                      "printable ASCII");
    expect_dict_error("{'descr': '<f\\x34', 'fortran_order': False, 'shape': (2, 3)}", "backslash");
}
END_TEST

START_TEST(test_descr_not_string) {
    expect_dict_error("{'descr': 5, 'fortran_order': False, 'shape': (2, 3), }",
                      "'descr' is not a string");
    expect_dict_error("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,), }",
                      "'descr' is not a string");
}
END_TEST

START_TEST(test_descr_too_long) {
    expect_dict_error("{'descr': '<f4<f4<f4<f4<f4<f4', 'fortran_order': False, 'shape': (2,)}",
                      "'descr' is longer than 15 characters");
}
END_TEST

START_TEST(test_fortran_order_not_bool) {
    expect_dict_error("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3), }",
                      "'fortran_order' is not True or False");
    expect_dict_error("{'descr': '<f4', 'fortran_order': 'False', 'shape': (2, 3), }",
                      "'fortran_order' is not True or False");
    expect_dict_error("{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2, 3), }",
                      "'fortran_order' is not True or False");
}
END_TEST

START_TEST(test_shape_not_tuple) {
    expect_dict_error("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], }",
                      "'shape' is not a tuple of non-negative integers");
    expect_dict_error("{'descr': '<f4', 'fortran_order': False, 'shape': 6, }",
                      "'shape' is not a tuple of non-negative integers");
}
END_TEST

/* "(6)" is a parenthesised integer in Python, not a 1-tuple. */
START_TEST(test_shape_parenthesised_int) {
    expect_dict_error("{'descr': '<f4', 'fortran_order': False, 'shape': (6), }",
                      "'shape' is not a tuple of non-negative integers");
}
END_TEST

START_TEST(test_shape_negative_dim) {
    expect_dict_error("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }",
                      "'shape' is not a tuple of non-negative integers");
}
END_TEST

static const char *const non_integer_dims[] = {
    "(2.0, 3)", "('2', 3)", "(2, 3L)", "(0x10,)", "(1_0,)", "(01,)",
    "(True,)",  "(2 3)",    "(,)",     "(2,,)",   "(+2,)",  "(2, 3",
};
enum { NON_INTEGER_DIMS = sizeof non_integer_dims / sizeof non_integer_dims[0] };

START_TEST(test_shape_non_integer) {
    char dict[128];
    snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': %s}",
             non_integer_dims[_i]);
    expect_dict_error(dict, "'shape' is not a tuple of non-negative integers");
}
END_TEST

START_TEST(test_shape_too_many_dims) {
    expect_dict_error(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }",
        "shape has more than 8 dimensions");
}
END_TEST

START_TEST(test_shape_dim_too_large) {
    expect_dict_error("{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775808,)}",
                      "too large for int64");
    expect_dict_error("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}",
                      "too large for int64");
}
END_TEST

START_TEST(test_shape_product_overflows) {
    expect_dict_error(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
        "element count overflows");
}
END_TEST

START_TEST(test_garbage_after_brace) {
    expect_dict_error(DICT_2X3 " x", "unexpected bytes after the closing '}'");
    expect_dict_error(DICT_2X3 "}", "unexpected bytes after the closing '}'");
}
END_TEST

/* ---- Refused files: what the reader needs -----------------------------------------------------
 */

START_TEST(test_descr_big_endian) {
    expect_layout_error("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 24,
                        "byte order");
}
END_TEST

START_TEST(test_descr_f8) {
    expect_layout_error("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48,
                        "unsupported dtype '<f8'");
}
END_TEST

START_TEST(test_descr_u1) {
    expect_layout_error("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", 6,
                        "unsupported dtype '|u1'");
}
END_TEST

START_TEST(test_descr_i4) {
    expect_layout_error("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", 24,
                        "unsupported dtype '<i4'");
}
END_TEST

START_TEST(test_fortran_order_true) {
    expect_layout_error("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24,
                        "Fortran-order arrays are not supported; save with np.ascontiguousarray");
}
END_TEST

START_TEST(test_truncated_data) {
    expect_layout_error(DICT_2X3, 20, "truncated data: expected 24 bytes, found 20");
}
END_TEST

START_TEST(test_trailing_data) {
    expect_layout_error(DICT_2X3, 28, "trailing bytes after the data");
}
END_TEST

/* 2^61 elements of 4 bytes: the count fits in int64, the byte count does not. */
START_TEST(test_data_size_overflows) {
    expect_layout_error("{'descr': '<f4', 'fortran_order': False, 'shape': (2305843009213693952,)}",
                        0, "data size overflows");
}
END_TEST

START_TEST(test_missing_file) {
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "does_not_exist.npy");
    npy_header h;
    float *data = NULL;
    ck_assert_int_ne(npy_read_f32(path, &h, &data, err, sizeof err), 0);
    ck_assert_ptr_null(data);
    ck_assert_msg(strstr(err, path) != NULL, "%s", err);
    ck_assert_msg(strstr(err, "No such file or directory") != NULL, "%s", err);
}
END_TEST

START_TEST(test_directory_path) {
    npy_header h;
    float *data = NULL;
    char err[ERR_CAP] = "";
    ck_assert_int_ne(npy_read_f32(tmp_dir, &h, &data, err, sizeof err), 0);
    ck_assert_ptr_null(data);
    ck_assert_msg(strstr(err, "Is a directory") != NULL, "%s", err);
}
END_TEST

/* ---- Robustness -------------------------------------------------------------------------------
 */

/* Every proper prefix of a valid header is refused with a message; the whole one parses. */
START_TEST(test_every_prefix) {
    for (size_t len = 0; len <= 128; len++) {
        unsigned char *copy = malloc(len > 0 ? len : 1);
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, numpy_v1_header, len);
        npy_header h;
        char err[ERR_CAP] = "";
        const int rc = npy_parse_header(copy, len, &h, err, sizeof err);
        ck_assert_msg(len == 128 ? rc == 0 : rc != 0 && err[0] != '\0', "prefix %zu", len);
        free(copy);
    }
}
END_TEST

/* Each byte of a valid header replaced by each of a set of troublesome bytes: a parse or a
 * message, never a crash or a read past the buffer (run under a sanitizer to see the latter). */
START_TEST(test_mutations) {
    static const unsigned char values[] = {0x00, '\'', '"', '(', ')', ',',  '}',  '{', ':',
                                           ' ',  '9',  '-', 'T', 'F', '\n', 0x80, 0xff};
    for (size_t pos = 0; pos < 128; pos++) {
        for (size_t v = 0; v < sizeof values; v++) {
            unsigned char *copy = malloc(128);
            ck_assert_ptr_nonnull(copy);
            memcpy(copy, numpy_v1_header, 128);
            copy[pos] = values[v];
            npy_header h;
            char err[ERR_CAP] = "";
            if (npy_parse_header(copy, 128, &h, err, sizeof err) != 0)
                ck_assert_msg(err[0] != '\0', "no message at %zu = %u", pos, values[v]);
            else
                ck_assert_int_le(h.ndim, NPY_MAX_DIMS);
            free(copy);
        }
    }
}
END_TEST

/* A short message buffer gets a truncated, terminated message; a NULL one is allowed. */
START_TEST(test_small_error_buffer) {
    char err[8];
    memset(err, 'x', sizeof err);
    npy_header h;
    ck_assert_int_ne(npy_parse_header((const unsigned char *)"PK", 2, &h, err, sizeof err), 0);
    ck_assert_str_eq(err, "not a .");
    ck_assert_int_ne(npy_parse_header((const unsigned char *)"PK", 2, &h, NULL, 0), 0);
    float *data = NULL;
    ck_assert_int_ne(npy_read_f32("/nonexistent/x.npy", &h, &data, NULL, 0), 0);
}
END_TEST

/* ---- Writer -----------------------------------------------------------------------------------
 */

START_TEST(test_write_missing_directory) {
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "no_such_dir/out.npy");
    const int64_t shape[1] = {2};
    const float values[2] = {1, 2};
    ck_assert_int_ne(npy_write(path, NPY_F32, shape, 1, values, err, sizeof err), 0);
    ck_assert_msg(strstr(err, path) != NULL, "%s", err);
    ck_assert_msg(strstr(err, "No such file or directory") != NULL, "%s", err);
    int hidden;
    ck_assert_int_eq(count_entries(&hidden), 0);
}
END_TEST

START_TEST(test_write_leaves_no_temp) {
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "out.npy");
    const int64_t shape[2] = {3, 5};
    float values[15] = {0};
    for (int round = 0; round < 3; round++)
        ck_assert_msg(npy_write(path, NPY_F32, shape, 2, values, err, sizeof err) == 0, "%s", err);
    int hidden;
    ck_assert_int_eq(count_entries(&hidden), 1);
    ck_assert_int_eq(hidden, 0);
}
END_TEST

START_TEST(test_write_replaces_file) {
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "out.npy");
    write_bytes(path, "not a npy file at all", 21);
    const int64_t first_shape[3] = {2, 2, 2}, second_shape[1] = {3};
    const float first[8] = {0}, second[3] = {7, 8, 9};
    ck_assert_msg(npy_write(path, NPY_F32, first_shape, 3, first, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(npy_write(path, NPY_F32, second_shape, 1, second, err, sizeof err) == 0, "%s",
                  err);
    npy_header h;
    float *data = NULL;
    ck_assert_msg(npy_read_f32(path, &h, &data, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(h.ndim, 1);
    ck_assert_int_eq(h.shape[0], 3);
    ck_assert_int_eq(memcmp(data, second, sizeof second), 0);
    free(data);
    int hidden;
    ck_assert_int_eq(count_entries(&hidden), 1);
}
END_TEST

/* The rename fails when a directory is in the way; the temporary file must go with it. */
START_TEST(test_write_over_directory) {
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "dir.npy");
    ck_assert_int_eq(mkdir(path, 0700), 0);
    const int64_t shape[1] = {1};
    const float value = 1;
    ck_assert_int_ne(npy_write(path, NPY_F32, shape, 1, &value, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "cannot rename") != NULL, "%s", err);
    int hidden;
    ck_assert_int_eq(count_entries(&hidden), 1);
    ck_assert_int_eq(hidden, 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
}
END_TEST

START_TEST(test_write_bad_arguments) {
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "out.npy");
    const int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, negative[2] = {2, -1};
    const int64_t huge[2] = {INT64_C(1) << 40, INT64_C(1) << 40};
    const float value = 0;
    ck_assert_int_ne(npy_write(path, NPY_F32, nine, 9, &value, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "ndim 9") != NULL, "%s", err);
    ck_assert_int_ne(npy_write(path, NPY_F32, negative, 2, &value, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "negative") != NULL, "%s", err);
    ck_assert_int_ne(npy_write(path, NPY_F32, huge, 2, &value, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "overflows") != NULL, "%s", err);
    ck_assert_int_ne(npy_write(path, (npy_dtype)3, nine, 1, &value, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "unknown dtype") != NULL, "%s", err);
    ck_assert_int_ne(npy_write(path, NPY_F32, nine, 1, NULL, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "data is NULL") != NULL, "%s", err);
    int hidden;
    ck_assert_int_eq(count_entries(&hidden), 0);
}
END_TEST

START_TEST(test_write_i64) {
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "indices.npy");
    const int64_t shape[2] = {2, 2};
    const int64_t values[4] = {0, -1, INT64_MAX, INT64_C(0x0102030405060708)};
    ck_assert_msg(npy_write(path, NPY_I64, shape, 2, values, err, sizeof err) == 0, "%s", err);
    size_t len;
    unsigned char *bytes = read_bytes(path, &len);
    npy_header h;
    ck_assert_msg(npy_parse_header(bytes, len, &h, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(h.descr, "<i8");
    ck_assert_uint_eq(h.data_offset % 64, 0);
    ck_assert_uint_eq(len, h.data_offset + 32);
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 8; b++)
            ck_assert_uint_eq(bytes[h.data_offset + 8 * i + b],
                              (unsigned char)((uint64_t)values[i] >> (8 * b)));
    free(bytes);
    float *data = NULL;
    ck_assert_int_ne(npy_read_f32(path, &h, &data, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "unsupported dtype '<i8'") != NULL, "%s", err);
}
END_TEST

START_TEST(test_write_zero_dim) {
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "scalar.npy");
    const float value = -0.0f;
    ck_assert_msg(npy_write(path, NPY_F32, NULL, 0, &value, err, sizeof err) == 0, "%s", err);
    size_t len;
    unsigned char *bytes = read_bytes(path, &len);
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (), }";
    ck_assert_int_eq(memcmp(bytes + 10, dict, strlen(dict)), 0);
    free(bytes);
    npy_header h;
    float *data = NULL;
    ck_assert_msg(npy_read_f32(path, &h, &data, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(h.ndim, 0);
    ck_assert_int_eq(memcmp(data, &value, 4), 0);
    free(data);
}
END_TEST

/* mkstemp makes 0600 files; the writer gives the output the mode a plain create would. */
START_TEST(test_write_mode) {
    umask(022);
    char path[PATH_CAP], err[ERR_CAP] = "";
    tmp_path(path, "mode.npy");
    const int64_t shape[1] = {1};
    const float value = 1;
    ck_assert_msg(npy_write(path, NPY_F32, shape, 1, &value, err, sizeof err) == 0, "%s", err);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0644);
}
END_TEST

/* A bare file name is written in the current directory. */
START_TEST(test_write_relative_path) {
    ck_assert_int_eq(chdir(tmp_dir), 0);
    char err[ERR_CAP] = "";
    const int64_t shape[1] = {2};
    const float values[2] = {1, 2};
    ck_assert_msg(npy_write("relative.npy", NPY_F32, shape, 1, values, err, sizeof err) == 0, "%s",
                  err);
    int hidden;
    ck_assert_int_eq(count_entries(&hidden), 1);
    ck_assert_int_eq(hidden, 0);
    npy_header h;
    float *data = NULL;
    ck_assert_msg(npy_read_f32("relative.npy", &h, &data, err, sizeof err) == 0, "%s", err);
    free(data);
    ck_assert_int_ne(npy_write("sub/", NPY_F32, shape, 1, values, err, sizeof err), 0);
}
END_TEST

/* ---- Suite ------------------------------------------------------------------------------------
 */

static TCase *new_case(Suite *suite, const char *name) {
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, TEST_TIMEOUT);
    tcase_add_checked_fixture(tc, make_tmp_dir, remove_tmp_dir);
    suite_add_tcase(suite, tc);
    return tc;
}

static void add_preamble_tests(Suite *suite) {
    TCase *tc = new_case(suite, "preamble");
    tcase_add_test(tc, test_empty_file);
    tcase_add_test(tc, test_shorter_than_magic);
    tcase_add_test(tc, test_bad_magic);
    tcase_add_test(tc, test_missing_version);
    tcase_add_test(tc, test_missing_length_field);
    tcase_add_test(tc, test_version_0_0);
    tcase_add_test(tc, test_version_4_0);
    tcase_add_test(tc, test_version_1_5);
    tcase_add_test(tc, test_header_length_past_eof);
    tcase_add_test(tc, test_header_length_huge_v2);
    tcase_add_test(tc, test_header_too_large);
}

static void add_dict_tests(Suite *suite) {
    TCase *tc = new_case(suite, "dict");
    tcase_add_test(tc, test_header_not_dict);
    tcase_add_test(tc, test_missing_closing_brace);
    tcase_add_test(tc, test_missing_descr);
    tcase_add_test(tc, test_missing_fortran_order);
    tcase_add_test(tc, test_missing_shape);
    tcase_add_test(tc, test_empty_dict);
    tcase_add_test(tc, test_duplicate_key);
    tcase_add_test(tc, test_unknown_key);
    tcase_add_test(tc, test_unquoted_key);
    tcase_add_test(tc, test_missing_colon);
    tcase_add_test(tc, test_missing_comma);
    tcase_add_test(tc, test_double_comma);
    tcase_add_test(tc, test_unterminated_string);
    tcase_add_test(tc, test_non_ascii_string);
    tcase_add_test(tc, test_descr_not_string);
    tcase_add_test(tc, test_descr_too_long);
    tcase_add_test(tc, test_fortran_order_not_bool);
    tcase_add_test(tc, test_shape_not_tuple);
    tcase_add_test(tc, test_shape_parenthesised_int);
    tcase_add_test(tc, test_shape_negative_dim);
    tcase_add_loop_test(tc, test_shape_non_integer, 0, NON_INTEGER_DIMS);
    tcase_add_test(tc, test_shape_too_many_dims);
    tcase_add_test(tc, test_shape_dim_too_large);
    tcase_add_test(tc, test_shape_product_overflows);
    tcase_add_test(tc, test_garbage_after_brace);
}

static void add_layout_tests(Suite *suite) {
    TCase *tc = new_case(suite, "layout");
    tcase_add_test(tc, test_descr_big_endian);
    tcase_add_test(tc, test_descr_f8);
    tcase_add_test(tc, test_descr_u1);
    tcase_add_test(tc, test_descr_i4);
    tcase_add_test(tc, test_fortran_order_true);
    tcase_add_test(tc, test_truncated_data);
    tcase_add_test(tc, test_trailing_data);
    tcase_add_test(tc, test_data_size_overflows);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_directory_path);
}

static Suite *npy_suite(void) {
    Suite *suite = suite_create("npy");
    TCase *tc = new_case(suite, "round_trip");
    tcase_add_loop_test(tc, test_round_trip, 0, ROUND_TRIP_SHAPES);
    tcase_add_test(tc, test_writes_numpy_header);
    tcase_add_test(tc, test_write_padding_at_boundary);
    tcase_add_test(tc, test_reads_numpy_v1);
    tcase_add_loop_test(tc, test_reads_v2_and_v3, 0, 2);
    tcase_add_test(tc, test_reads_long_v2_header);
    tcase_add_test(tc, test_reads_native_order);
    tcase_add_test(tc, test_reads_zero_elements);

    tc = new_case(suite, "variants");
    tcase_add_loop_test(tc, test_accepts_variant, 0, ACCEPTED);
    tcase_add_test(tc, test_accepts_unpadded_header);

    add_preamble_tests(suite);
    add_dict_tests(suite);
    add_layout_tests(suite);

    tc = new_case(suite, "robustness");
    tcase_add_test(tc, test_every_prefix);
    tcase_add_test(tc, test_mutations);
    tcase_add_test(tc, test_small_error_buffer);

    tc = new_case(suite, "writer");
    tcase_add_test(tc, test_write_missing_directory);
    tcase_add_test(tc, test_write_leaves_no_temp);
    tcase_add_test(tc, test_write_replaces_file);
    tcase_add_test(tc, test_write_over_directory);
    tcase_add_test(tc, test_write_bad_arguments);
    tcase_add_test(tc, test_write_i64);
    tcase_add_test(tc, test_write_zero_dim);
    tcase_add_test(tc, test_write_mode);
    tcase_add_test(tc, test_write_relative_path);
    return suite;
}

int main(void) {
    return run_suite(npy_suite());
}
