/*
 * The command-line tool's NumPy .npy reader and writer: a strict parser of the header NumPy writes
 * (magic, version 1.0/2.0/3.0, and the Python dict literal with 'descr', 'fortran_order' and
 * 'shape'), a reader for little-endian float32 arrays in C order that checks every byte of the file
 * against that header, and an atomic writer of float32 or int64 arrays (temporary file in the same
 * directory, fsync, rename) whose output matches NumPy's own byte for byte. Every failure is a
 * non-zero return with a one-line message in the caller's buffer; nothing is printed. The functions
 * keep no state and may be called from any thread, except that npy_write briefly reads the process
 * umask (see npy.c).
 */
#ifndef CLPOOL_TOOLS_NPY_H
#define CLPOOL_TOOLS_NPY_H

#include <stddef.h>
#include <stdint.h>

/* The most dimensions a header may have; NumPy allows more, clpool never needs them. */
#define NPY_MAX_DIMS 8

/* The two element types clpool writes: float32 ("<f4") and int64 ("<i8"), both little-endian. */
typedef enum npy_dtype { NPY_F32 = 1, NPY_I64 = 2 } npy_dtype;

/* What a .npy header says. descr is kept as written and is not interpreted by the parser. */
typedef struct npy_header {
    int major, minor;            /* format version read: 1.0, 2.0 or 3.0 */
    char descr[16];              /* as in the file, e.g. "<f4" */
    int fortran_order;           /* 1 for True, 0 for False */
    int ndim;                    /* 0..NPY_MAX_DIMS */
    int64_t shape[NPY_MAX_DIMS]; /* shape[0..ndim) are the dimensions; the rest are 0 */
    size_t data_offset;          /* bytes from file start to the data */
} npy_header;

/*
 * Parses a complete .npy header from bytes[0..size) (size may be larger than the header: the data
 * that follows is not looked at). Checks the magic, the version, that the header lies inside the
 * buffer, the dict syntax, the three keys (each exactly once, no others), that 'descr' is a string
 * of at most 15 characters, 'fortran_order' a bool, 'shape' a tuple of at most NPY_MAX_DIMS
 * non-negative integers that fit in int64, and that their product fits in int64. Returns 0 and
 * fills *out, or returns non-zero, leaves *out untouched and writes a one-line message into err
 * (err_size bytes, truncated to fit; err may be NULL).
 */
int npy_parse_header(const unsigned char *bytes, size_t size, npy_header *out, char *err,
                     size_t err_size);

/*
 * Reads a whole .npy file holding float32 in C order: descr '<f4' (or '=f4' / 'f4' on a
 * little-endian host), fortran_order False, and exactly data_offset + count * 4 bytes in the file.
 * On success returns 0, fills *header and sets *data to a malloc'd array of the elements in C order
 * (malloc(1) when there are none) that the caller frees. On failure returns non-zero, sets *data to
 * NULL and writes "<path>: <problem>" into err.
 */
int npy_read_f32(const char *path, npy_header *header, float **data, char *err, size_t err_size);

/*
 * Writes data (C order, native byte order in memory) as a .npy file at path: descr "<f4" or "<i8",
 * fortran_order False, the given shape (ndim 0..NPY_MAX_DIMS, dims >= 0; shape may be NULL when
 * ndim is 0; data may be NULL when there are no elements). The header is version 1.0 unless it
 * does not fit in 65535 bytes, then 2.0, and is padded with spaces and a final '\n' so that the
 * data starts at a multiple of 64 bytes. The file is written to "<dir>/.<name>.XXXXXX" (mkstemp),
 * given mode 0666 less the umask, fsync'd and renamed over path, so that path holds either its old
 * contents or the whole new file; on failure the temporary file is removed. Returns 0, or non-zero
 * with "<path>: <problem>" in err.
 */
/* As npy_read_f32, for little-endian int64 ('<i8') arrays such as PyTorch's indices. */
int npy_read_i64(const char *path, npy_header *header, int64_t **data, char *err, size_t err_size);

int npy_write(const char *path, npy_dtype dtype, const int64_t *shape, int ndim, const void *data,
              char *err, size_t err_size);

#endif
